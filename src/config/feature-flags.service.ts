import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { DataSource, Repository } from 'typeorm';
import { AppError, ErrorCode } from '../common/errors/app-error.js';
import { PgPubSub } from '../pubsub/pg-pubsub.js';
import { PUB_SUB } from '../pubsub/pubsub.module.js';
import { AuditKind } from './audit/config-audit.models.js';
import { type Changer, ConfigAuditService } from './audit/config-audit.service.js';
import { FeatureFlag } from './feature-flag.entity.js';
import { SharedCache } from './shared-cache.js';

/** What the PubSub carries when a flag is switched (FEATURE_FLAGS_CHANGED). */
export interface FeatureFlagEvent {
  key?: string;
}
export const FEATURE_FLAGS_CHANGED = 'featureFlagsChanged';

/**
 * The flags, cached in memory because every tus creation reads one. A switch applies on the
 * instance that made it before the mutation answers, and on the others when its notification
 * arrives (milliseconds; at most a minute if an instance's listener was reconnecting).
 */
@Injectable()
export class FeatureFlagsService implements OnModuleInit, OnModuleDestroy {
  private readonly cache: SharedCache<Map<string, boolean>>;

  constructor(
    @InjectRepository(FeatureFlag) private readonly flags: Repository<FeatureFlag>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: ConfigAuditService,
    @Inject(PUB_SUB) pubsub: PgPubSub,
  ) {
    this.cache = new SharedCache(
      FEATURE_FLAGS_CHANGED,
      pubsub,
      async () => new Map((await this.list()).map((flag) => [flag.key, flag.enabled])),
    );
  }

  onModuleInit(): Promise<void> {
    return this.cache.start();
  }

  onModuleDestroy(): void {
    this.cache.stop();
  }

  /** Read from the database, not the cache: a subscriber may hear of a change before the cache does. */
  find(key: string): Promise<FeatureFlag | null> {
    return this.flags.findOneBy({ key });
  }

  list(): Promise<FeatureFlag[]> {
    return this.flags.find({ order: { key: 'ASC' } });
  }

  isEnabled(key: string): boolean {
    const enabled = this.cache.value.get(key);
    if (enabled === undefined) throw new Error(`Unknown feature flag ${key}: add it with a migration`);
    return enabled;
  }

  /** Switches a flag; a real change is audited in the same transaction. */
  async set(key: string, enabled: boolean, changer: Changer): Promise<FeatureFlag> {
    const found = await this.db.transaction(async (manager) => {
      const [row] = (await manager.query('SELECT enabled FROM feature_flags WHERE key = $1 FOR UPDATE', [key])) as {
        enabled: boolean;
      }[];
      if (!row) return false;
      await manager.query('UPDATE feature_flags SET enabled = $2, updated_by = $3, updated_at = now() WHERE key = $1', [
        key,
        enabled,
        changer.id,
      ]);
      if (row.enabled !== enabled) await this.audit.record(manager, changer, AuditKind.FLAG, key, row.enabled, enabled);
      return true;
    });
    if (!found) {
      const known = (await this.list()).map((flag) => flag.key).join(', ');
      throw new AppError(ErrorCode.NOT_FOUND, `There is no feature flag "${key}". Known flags: ${known}.`);
    }
    await this.cache.changed({ key } satisfies FeatureFlagEvent);
    return this.flags.findOneByOrFail({ key });
  }
}

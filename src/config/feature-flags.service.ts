import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { AppError, ErrorCode } from '../common/errors/app-error.js';
import { PgPubSub } from '../pubsub/pg-pubsub.js';
import { PUB_SUB } from '../pubsub/pubsub.module.js';
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

  async set(key: string, enabled: boolean, userId: string): Promise<FeatureFlag> {
    const result = await this.flags.update({ key }, { enabled, updatedBy: userId, updatedAt: () => 'now()' });
    if (!result.affected) {
      const known = (await this.list()).map((flag) => flag.key).join(', ');
      throw new AppError(ErrorCode.NOT_FOUND, `There is no feature flag "${key}". Known flags: ${known}.`);
    }
    await this.cache.changed({ key } satisfies FeatureFlagEvent);
    return this.flags.findOneByOrFail({ key });
  }
}

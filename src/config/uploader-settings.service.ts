import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { DataSource, Repository } from 'typeorm';
import { PgPubSub } from '../pubsub/pg-pubsub.js';
import { PUB_SUB } from '../pubsub/pubsub.module.js';
import { AuditKind } from './audit/config-audit.models.js';
import { type Changer, ConfigAuditService } from './audit/config-audit.service.js';
import { SharedCache } from './shared-cache.js';
import { UploaderSettings } from './uploader-settings.entity.js';

export const UPLOADER_SETTINGS_CHANGED = 'uploaderSettingsChanged';

export type UploaderSettingsChange = Partial<Omit<UploaderSettings, 'id' | 'updatedAt' | 'updatedBy'>>;

/**
 * The settings row, cached in memory because the upload path reads it on every request (some
 * of it synchronously, such as the expiry period). Every instance reloads it when any instance
 * changes it.
 */
@Injectable()
export class UploaderSettingsService implements OnModuleInit, OnModuleDestroy {
  private readonly cache: SharedCache<UploaderSettings>;

  constructor(
    @InjectRepository(UploaderSettings) private readonly settings: Repository<UploaderSettings>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: ConfigAuditService,
    @Inject(PUB_SUB) pubsub: PgPubSub,
  ) {
    this.cache = new SharedCache(UPLOADER_SETTINGS_CHANGED, pubsub, () => this.read());
  }

  onModuleInit(): Promise<void> {
    return this.cache.start();
  }

  onModuleDestroy(): void {
    this.cache.stop();
  }

  /** The current settings, without a database round trip. */
  get current(): UploaderSettings {
    return this.cache.value;
  }

  /** Read from the database, not the cache: a subscriber may hear of a change before the cache does. */
  read(): Promise<UploaderSettings> {
    return this.settings.findOneByOrFail({ id: 1 });
  }

  /** Changes the fields given; each field whose value changes is audited in the same transaction. */
  async update(change: UploaderSettingsChange, changer: Changer): Promise<UploaderSettings> {
    await this.db.transaction(async (manager) => {
      const before = await manager.findOneOrFail(UploaderSettings, {
        where: { id: 1 },
        lock: { mode: 'pessimistic_write' },
      });
      await manager.update(UploaderSettings, { id: 1 }, { ...change, updatedBy: changer.id, updatedAt: () => 'now()' });
      for (const [key, value] of Object.entries(change) as [keyof UploaderSettingsChange, unknown][]) {
        if (value === undefined || JSON.stringify(before[key]) === JSON.stringify(value)) continue;
        await this.audit.record(manager, changer, AuditKind.SETTING, key, before[key], value);
      }
    });
    await this.cache.changed();
    return this.cache.value;
  }
}

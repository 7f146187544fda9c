import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { PgPubSub } from '../pubsub/pg-pubsub.js';
import { PUB_SUB } from '../pubsub/pubsub.module.js';
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

  async update(change: UploaderSettingsChange, userId: string): Promise<UploaderSettings> {
    await this.settings.update({ id: 1 }, { ...change, updatedBy: userId, updatedAt: () => 'now()' });
    await this.cache.changed();
    return this.cache.value;
  }
}

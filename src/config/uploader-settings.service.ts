import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { PgPubSub } from '../pubsub/pg-pubsub.js';
import { PUB_SUB } from '../pubsub/pubsub.module.js';
import { UploaderSettings } from './uploader-settings.entity.js';

const CHANGED = 'uploaderSettingsChanged';
/** A missed notification (listener reconnecting) is corrected within this time. */
const REFRESH_MS = 60_000;

export type UploaderSettingsChange = Partial<Omit<UploaderSettings, 'id' | 'updatedAt' | 'updatedBy'>>;

/**
 * The settings row, cached in memory because the upload path reads it on every request (some
 * of it synchronously, such as the expiry period). Every instance reloads it when any instance
 * changes it.
 */
@Injectable()
export class UploaderSettingsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(UploaderSettingsService.name);
  private cached: UploaderSettings;
  private subscription?: number;
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectRepository(UploaderSettings) private readonly settings: Repository<UploaderSettings>,
    @Inject(PUB_SUB) private readonly pubsub: PgPubSub,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.reload();
    this.subscription = await this.pubsub.subscribe(CHANGED, () => void this.reload());
    this.timer = setInterval(() => void this.reload(), REFRESH_MS).unref();
  }

  onModuleDestroy(): void {
    if (this.subscription) this.pubsub.unsubscribe(this.subscription);
    clearInterval(this.timer);
  }

  /** The current settings, without a database round trip. */
  get current(): UploaderSettings {
    return this.cached;
  }

  async update(change: UploaderSettingsChange, userId: string): Promise<UploaderSettings> {
    await this.settings.update({ id: 1 }, { ...change, updatedBy: userId, updatedAt: () => 'now()' });
    await this.reload();
    await this.pubsub.publish(CHANGED, {});
    return this.cached;
  }

  private async reload(): Promise<void> {
    try {
      this.cached = await this.settings.findOneByOrFail({ id: 1 });
    } catch (error) {
      if (!this.cached) throw error;
      this.logger.warn(`could not reload uploader settings, keeping the last ones: ${String(error)}`);
    }
  }
}

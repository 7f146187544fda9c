import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { AnalyticsEvent } from './analytics-event.entity.js';

export type NewAnalyticsEvent = Partial<Omit<AnalyticsEvent, 'id' | 'occurredAt'>> & Pick<AnalyticsEvent, 'eventType'>;

/**
 * Plain SQL: every upload and import records several events, and TypeORM's insert building
 * cost more CPU than the insert itself (see docs/import-performance.md). Import events are
 * recorded by the database itself (the ImportJobTriggers migration).
 */
const INSERT = `INSERT INTO analytics_events
  (event_type, user_id, group_id, upload_id, import_job_id, size_bytes, duration_ms, bytes_per_second, image_count, outcome, error_code)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`;

@Injectable()
export class AnalyticsService {
  private readonly logger = new Logger(AnalyticsService.name);

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Records an event, inside the caller's transaction when one is given. Outside a transaction
   * a failure is logged and swallowed: losing a usage row must never fail an upload.
   */
  async record(event: NewAnalyticsEvent, manager?: EntityManager): Promise<void> {
    const values = [
      event.eventType,
      event.userId ?? null,
      event.groupId ?? null,
      event.uploadId ?? null,
      event.importJobId ?? null,
      event.sizeBytes ?? null,
      event.durationMs ?? null,
      event.bytesPerSecond ?? null,
      event.imageCount ?? null,
      event.outcome ?? null,
      event.errorCode ?? null,
    ];
    if (manager) {
      await manager.query(INSERT, values);
      return;
    }
    try {
      await this.db.query(INSERT, values);
    } catch (error) {
      this.logger.error(`could not record ${event.eventType}: ${String(error)}`);
    }
  }

  /** Removes an upload's events, in the caller's transaction: its creation is being undone. */
  async forgetUpload(uploadId: string, manager: EntityManager): Promise<void> {
    await manager.query('DELETE FROM analytics_events WHERE upload_id = $1', [uploadId]);
  }
}

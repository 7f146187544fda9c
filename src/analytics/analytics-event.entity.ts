import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bigintAsNumber } from '../database/bigint.transformer.js';

export type AnalyticsEventType =
  | 'upload_started'
  | 'upload_completed'
  | 'upload_rejected'
  | 'upload_expired'
  | 'upload_cancelled'
  | 'import_queued'
  | 'import_started'
  | 'import_succeeded'
  | 'import_failed';

/**
 * One row per event, read by Metabase (see docs/api.md, "Analytics tables"). Never a file name, a path or
 * any other text a user typed: only ids, sizes, durations and codes.
 */
@Entity({ name: 'analytics_events' })
export class AnalyticsEvent {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'occurred_at', type: 'timestamptz', default: () => 'now()' })
  occurredAt: Date;

  @Column({ name: 'event_type', type: 'varchar', length: 40 })
  eventType: AnalyticsEventType;

  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  @Column({ name: 'group_id', type: 'varchar', length: 64, nullable: true })
  groupId: string | null;

  @Column({ name: 'upload_id', type: 'uuid', nullable: true })
  uploadId: string | null;

  @Column({ name: 'import_job_id', type: 'uuid', nullable: true })
  importJobId: string | null;

  @Column({ name: 'size_bytes', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  sizeBytes: number | null;

  @Column({ name: 'duration_ms', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  durationMs: number | null;

  @Column({ name: 'bytes_per_second', type: 'double precision', nullable: true })
  bytesPerSecond: number | null;

  @Column({ name: 'image_count', type: 'integer', nullable: true })
  imageCount: number | null;

  /** success, failure or cancelled. */
  @Column({ type: 'varchar', length: 20, nullable: true })
  outcome: string | null;

  @Column({ name: 'error_code', type: 'varchar', length: 60, nullable: true })
  errorCode: string | null;
}

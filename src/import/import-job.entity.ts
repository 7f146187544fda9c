import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { bigintAsNumber } from '../database/bigint.transformer.js';
import type { ImportErrorCode, ImportTargetType } from '../omero/omero-gateway.port.js';

/** A job's status: stored, compared and shown in GraphQL (enum ImportStatus) alike. */
export const ImportStatus = {
  QUEUED: 'QUEUED',
  RUNNING: 'RUNNING',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
  CANCELLED: 'CANCELLED',
} as const;
export type ImportStatus = (typeof ImportStatus)[keyof typeof ImportStatus];

/** Beyond the gateway's codes: refusals decided by the app itself. */
export type ImportJobErrorCode = ImportErrorCode | 'FORBIDDEN' | 'WORKER_LOST' | 'SOURCE_MISSING';

/** How much of the importer's output a job keeps (the end of it, where the cause is). */
export const IMPORTER_LOG_CHARS = 20_000;

/** One file to import into one OMERO container, as one user: an uploaded file or a server file. */
@Entity({ name: 'import_jobs' })
export class ImportJob {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'owner_id', type: 'uuid' })
  ownerId: string;

  @Column({ name: 'upload_id', type: 'uuid', nullable: true })
  uploadId: string | null;

  /** 'upload': a completed upload (imported by copy); 'server': a file under IMPORT_ROOT (linked). */
  @Column({ name: 'source_kind', type: 'varchar', length: 16 })
  sourceKind: 'upload' | 'server';

  /** Relative to DATA_DIR for uploads, to IMPORT_ROOT for server files. */
  @Column({ name: 'source_path', type: 'text' })
  sourcePath: string;

  @Column({ name: 'file_name', type: 'text' })
  fileName: string;

  @Column({ name: 'size_bytes', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  sizeBytes: number | null;

  @Column({ name: 'target_type', type: 'varchar', length: 16 })
  targetType: ImportTargetType;

  @Column({ name: 'target_id', type: 'varchar', length: 64 })
  targetId: string;

  @Column({ name: 'group_id', type: 'varchar', length: 64 })
  groupId: string;

  @Column({ type: 'varchar', length: 16 })
  status: ImportStatus;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'error_code', type: 'varchar', length: 40, nullable: true })
  errorCode: ImportJobErrorCode | null;

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage: string | null;

  @Column({ name: 'omero_image_ids', type: 'text', array: true, default: () => "'{}'" })
  omeroImageIds: string[];

  @Column({ name: 'omero_plate_ids', type: 'text', array: true, default: () => "'{}'" })
  omeroPlateIds: string[];

  @Column({ name: 'omero_fileset_id', type: 'varchar', length: 64, nullable: true })
  omeroFilesetId: string | null;

  /**
   * The importer's output of the last attempt (at most IMPORTER_LOG_CHARS), for administrators
   * diagnosing it: GraphQL `importerLog`. It may name server paths and OMERO's address.
   */
  @Column({ type: 'text', nullable: true })
  log: string | null;

  @Column({ name: 'cancel_requested', type: 'boolean', default: false })
  cancelRequested: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  /** When the job last entered the queue (its first queuing, or a retry). */
  @Column({ name: 'queued_at', type: 'timestamptz', default: () => 'now()' })
  queuedAt: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  /** Refreshed while a worker runs the job: a stale one means the worker died. */
  @Column({ name: 'heartbeat_at', type: 'timestamptz', nullable: true })
  heartbeatAt: Date | null;
}

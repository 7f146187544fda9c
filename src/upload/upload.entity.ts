import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { bigintAsNumber } from '../database/bigint.transformer.js';
import type { ImportTargetType } from '../common/import-target-type.js';

/**
 * An upload's status. The keys are the GraphQL enum UploadStatus (public, UPPERCASE like every
 * GraphQL enum); the values are what the uploads table stores and code compares (lowercase, as
 * its CHECK constraint and the dashboards reading it have them). This object is the one place
 * the two meet: GraphQL serialises a stored value to its key through it.
 */
export const UploadStatus = {
  UPLOADING: 'uploading',
  COMPLETED: 'completed',
  IMPORTED: 'imported',
  EXPIRED: 'expired',
  CANCELLED: 'cancelled',
  REJECTED: 'rejected',
} as const;
export type UploadStatus = (typeof UploadStatus)[keyof typeof UploadStatus];
/** Re-exported for the upload module's files, which store it; defined once in common/. */
export type { ImportTargetType };

/**
 * One tus upload. The id is the tus id (the last part of its URL). While it is `uploading`,
 * its bytes and progress live in the incoming folder, not here: no row is written per chunk.
 */
@Entity({ name: 'uploads' })
export class Upload {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'owner_id', type: 'uuid' })
  ownerId: string;

  /** The name the client gave, for display only (control characters removed). */
  @Column({ name: 'file_name', type: 'text' })
  fileName: string;

  /** The file's name on disk once completed, chosen by the server's naming policies. */
  @Column({ name: 'stored_name', type: 'text', nullable: true })
  storedName: string | null;

  /** Path of the completed file, relative to DATA_DIR. */
  @Column({ name: 'storage_path', type: 'text', nullable: true })
  storagePath: string | null;

  /** Null while the client defers the length. */
  @Column({ name: 'size_bytes', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  sizeBytes: number | null;

  /** Bytes received, as of the last status change (live progress is read from disk). */
  @Column({ name: 'offset_bytes', type: 'bigint', default: 0, transformer: bigintAsNumber })
  offsetBytes: number;

  @Column({ type: 'varchar', length: 16 })
  status: UploadStatus;

  @Column({ name: 'detected_format', type: 'varchar', length: 32, nullable: true })
  detectedFormat: string | null;

  /** The client's `filetype` metadata, as given. */
  @Column({ name: 'file_type', type: 'varchar', length: 255, nullable: true })
  fileType: string | null;

  @Column({ type: 'char', length: 64, nullable: true })
  sha256: string | null;

  @Column({ name: 'target_type', type: 'varchar', length: 16, nullable: true })
  targetType: ImportTargetType | null;

  @Column({ name: 'target_id', type: 'varchar', length: 64, nullable: true })
  targetId: string | null;

  @Column({ name: 'group_id', type: 'varchar', length: 64, nullable: true })
  groupId: string | null;

  /** Why the upload was rejected, as a code and as a sentence for the user. */
  @Column({ name: 'error_code', type: 'varchar', length: 60, nullable: true })
  errorCode: string | null;

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt: Date | null;
}

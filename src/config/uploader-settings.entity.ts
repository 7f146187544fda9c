import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../database/bigint.transformer.js';

export type NamingPolicy = 'keep' | 'increment' | 'random-suffix';
export type CollisionPolicy = 'rename' | 'error' | 'overwrite';

/** The uploader's limits and policies: one row (id 1), edited by administrators at runtime. */
@Entity({ name: 'uploader_settings' })
export class UploaderSettings {
  @PrimaryColumn({ type: 'smallint', default: 1 })
  id: number;

  @Column({ name: 'max_file_size_bytes', type: 'bigint', transformer: bigintAsNumber })
  maxFileSizeBytes: number;

  /** Lower case, without the dot; multi-part ones such as "ome.tiff" included. */
  @Column({ name: 'allowed_extensions', type: 'text', array: true })
  allowedExtensions: string[];

  /** What clients should send per PATCH; larger chunks cost the server less CPU per byte. */
  @Column({ name: 'chunk_size_bytes', type: 'bigint', transformer: bigintAsNumber })
  chunkSizeBytes: number;

  @Column({ name: 'auto_import', type: 'boolean' })
  autoImport: boolean;

  @Column({ name: 'upload_expiry_hours', type: 'integer' })
  uploadExpiryHours: number;

  @Column({ name: 'naming_policy', type: 'varchar', length: 20 })
  namingPolicy: NamingPolicy;

  @Column({ name: 'collision_policy', type: 'varchar', length: 20 })
  collisionPolicy: CollisionPolicy;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;

  @Column({ name: 'updated_by', type: 'uuid', nullable: true })
  updatedBy: string | null;
}

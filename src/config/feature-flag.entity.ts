import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A switch administrators flip at runtime. Rows are created by migrations, never by clients. */
@Entity({ name: 'feature_flags' })
export class FeatureFlag {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  key: string;

  @Column({ type: 'boolean' })
  enabled: boolean;

  @Column({ type: 'text' })
  description: string;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;

  @Column({ name: 'updated_by', type: 'uuid', nullable: true })
  updatedBy: string | null;
}

export const NEW_UPLOADER = 'newUploader';

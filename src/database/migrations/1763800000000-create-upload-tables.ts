import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Uploads, the feature flags and uploader settings, and the analytics events Metabase reads. */
export class CreateUploadTables1763800000000 implements MigrationInterface {
  name = 'CreateUploadTables1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE feature_flags (
        key varchar(64) PRIMARY KEY,
        enabled boolean NOT NULL,
        description text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by uuid REFERENCES users(id) ON DELETE SET NULL
      )`);
    await queryRunner.query(`
      INSERT INTO feature_flags (key, enabled, description) VALUES
        ('newUploader', true, 'On: the resumable web uploader. Off: the in-place importer, and new uploads are refused.')`);

    await queryRunner.query(`
      CREATE TABLE uploader_settings (
        id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        max_file_size_bytes bigint NOT NULL CHECK (max_file_size_bytes > 0),
        allowed_extensions text[] NOT NULL,
        chunk_size_bytes bigint NOT NULL CHECK (chunk_size_bytes > 0),
        auto_import boolean NOT NULL,
        upload_expiry_hours integer NOT NULL CHECK (upload_expiry_hours > 0),
        naming_policy varchar(20) NOT NULL CHECK (naming_policy IN ('keep', 'increment', 'random-suffix')),
        collision_policy varchar(20) NOT NULL CHECK (collision_policy IN ('rename', 'error', 'overwrite')),
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by uuid REFERENCES users(id) ON DELETE SET NULL
      )`);
    await queryRunner.query(`
      INSERT INTO uploader_settings
        (max_file_size_bytes, allowed_extensions, chunk_size_bytes, auto_import, upload_expiry_hours, naming_policy, collision_policy)
      VALUES (
        536870912000,
        ARRAY['tif','tiff','ome.tif','ome.tiff','btf','svs','ndpi','scn','lsm','qptiff','czi','nd2','lif','dv','r3d','ims','oib','zvi','png','jpg','jpeg','dcm'],
        67108864, true, 72, 'keep', 'rename'
      )`);

    await queryRunner.query(`
      CREATE TABLE uploads (
        id uuid PRIMARY KEY,
        owner_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        file_name text NOT NULL,
        stored_name text,
        storage_path text,
        size_bytes bigint CHECK (size_bytes >= 0),
        offset_bytes bigint NOT NULL DEFAULT 0,
        status varchar(16) NOT NULL
          CHECK (status IN ('uploading', 'completed', 'imported', 'expired', 'cancelled', 'rejected')),
        detected_format varchar(32),
        file_type varchar(255),
        sha256 char(64),
        target_type varchar(16) CHECK (target_type IN ('DATASET', 'SCREEN')),
        target_id varchar(64),
        group_id varchar(64),
        error_code varchar(60),
        error_message text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX uploads_owner_created_idx ON uploads (owner_id, created_at DESC)`);
    // The maintenance job walks unfinished uploads oldest first.
    await queryRunner.query(
      `CREATE INDEX uploads_uploading_idx ON uploads (created_at, id) WHERE status = 'uploading'`,
    );

    await queryRunner.query(`
      CREATE TABLE analytics_events (
        id bigserial PRIMARY KEY,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        event_type varchar(40) NOT NULL,
        user_id uuid,
        group_id varchar(64),
        upload_id uuid,
        import_job_id uuid,
        size_bytes bigint,
        duration_ms bigint,
        bytes_per_second double precision,
        outcome varchar(20),
        error_code varchar(60)
      )`);
    await queryRunner.query(
      `CREATE INDEX analytics_events_type_time_idx ON analytics_events (event_type, occurred_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE analytics_events`);
    await queryRunner.query(`DROP TABLE uploads`);
    await queryRunner.query(`DROP TABLE uploader_settings`);
    await queryRunner.query(`DROP TABLE feature_flags`);
  }
}

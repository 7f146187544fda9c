import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Import jobs, the sandbox OMERO's containers and images, and image counts for analytics. */
export class CreateImportTables1763900000000 implements MigrationInterface {
  name = 'CreateImportTables1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE import_jobs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        owner_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        upload_id uuid REFERENCES uploads(id) ON DELETE SET NULL,
        source_kind varchar(16) NOT NULL CHECK (source_kind IN ('upload', 'server')),
        source_path text NOT NULL,
        file_name text NOT NULL,
        size_bytes bigint,
        target_type varchar(16) NOT NULL CHECK (target_type IN ('DATASET', 'SCREEN')),
        target_id varchar(64) NOT NULL,
        group_id varchar(64) NOT NULL,
        status varchar(16) NOT NULL CHECK (status IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
        attempts integer NOT NULL DEFAULT 0,
        error_code varchar(40),
        error_message text,
        omero_image_ids text[] NOT NULL DEFAULT '{}',
        omero_plate_ids text[] NOT NULL DEFAULT '{}',
        omero_fileset_id varchar(64),
        log text,
        cancel_requested boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        queued_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        heartbeat_at timestamptz
      )`);
    // One job per upload: queuing an upload twice returns the job it has.
    await queryRunner.query(
      `CREATE UNIQUE INDEX import_jobs_upload_id_key ON import_jobs (upload_id) WHERE upload_id IS NOT NULL`,
    );
    await queryRunner.query(`CREATE INDEX import_jobs_owner_created_idx ON import_jobs (owner_id, created_at DESC)`);
    await queryRunner.query(
      `CREATE INDEX import_jobs_status_idx ON import_jobs (status) WHERE status IN ('QUEUED', 'RUNNING')`,
    );

    await queryRunner.query(`ALTER TABLE analytics_events ADD COLUMN image_count integer`);

    await queryRunner.query(`
      CREATE TABLE sandbox_groups (
        id serial PRIMARY KEY,
        name varchar(200) NOT NULL,
        -- 'read-write': members link into each other's containers; 'read-only': only into their own.
        permissions varchar(16) NOT NULL DEFAULT 'read-only' CHECK (permissions IN ('read-only', 'read-write')),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE sandbox_memberships (
        group_id integer NOT NULL REFERENCES sandbox_groups(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        PRIMARY KEY (group_id, user_id)
      )`);
    await queryRunner.query(`
      CREATE TABLE sandbox_containers (
        id serial PRIMARY KEY,
        kind varchar(16) NOT NULL CHECK (kind IN ('PROJECT', 'DATASET', 'SCREEN')),
        group_id integer NOT NULL REFERENCES sandbox_groups(id) ON DELETE CASCADE,
        owner_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        project_id integer REFERENCES sandbox_containers(id) ON DELETE SET NULL,
        name varchar(200) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE sandbox_images (
        id serial PRIMARY KEY,
        fileset_id integer NOT NULL,
        container_id integer NOT NULL REFERENCES sandbox_containers(id) ON DELETE CASCADE,
        plate_id integer,
        owner_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name text NOT NULL,
        format varchar(32) NOT NULL,
        width integer NOT NULL,
        height integer NOT NULL,
        channels integer NOT NULL,
        pixel_type varchar(16) NOT NULL,
        series_index integer NOT NULL,
        repository_path text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE SEQUENCE sandbox_fileset_ids`);
    await queryRunner.query(`CREATE SEQUENCE sandbox_plate_ids`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP SEQUENCE sandbox_plate_ids`);
    await queryRunner.query(`DROP SEQUENCE sandbox_fileset_ids`);
    await queryRunner.query(`DROP TABLE sandbox_images`);
    await queryRunner.query(`DROP TABLE sandbox_containers`);
    await queryRunner.query(`DROP TABLE sandbox_memberships`);
    await queryRunner.query(`DROP TABLE sandbox_groups`);
    await queryRunner.query(`ALTER TABLE analytics_events DROP COLUMN image_count`);
    await queryRunner.query(`DROP TABLE import_jobs`);
  }
}

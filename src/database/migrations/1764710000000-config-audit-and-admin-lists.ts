import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit of feature flags and uploader settings, and the indexes behind the admin lists of
 * import jobs and uploads: each list is ordered by one of these columns then the id, so a page
 * is an index walk whatever the table's size (the budget: 200 ms at 100,000 rows).
 */
export class ConfigAuditAndAdminLists1764710000000 implements MigrationInterface {
  name = 'ConfigAuditAndAdminLists1764710000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE config_audit (
        id bigserial PRIMARY KEY,
        changed_at timestamptz NOT NULL DEFAULT now(),
        changed_by uuid REFERENCES users(id) ON DELETE SET NULL,
        changed_by_name varchar(64) NOT NULL,
        kind varchar(16) NOT NULL CHECK (kind IN ('flag', 'setting')),
        key varchar(64) NOT NULL,
        old_value jsonb,
        new_value jsonb
      )`);
    await queryRunner.query(`CREATE INDEX config_audit_changed_at_idx ON config_audit (changed_at, id)`);
    for (const table of ['import_jobs', 'uploads']) {
      for (const column of ['created_at', 'updated_at', 'status', 'size_bytes', 'file_name']) {
        await queryRunner.query(`CREATE INDEX ${table}_${column}_id_idx ON ${table} (${column}, id)`);
      }
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['import_jobs', 'uploads']) {
      for (const column of ['created_at', 'updated_at', 'status', 'size_bytes', 'file_name']) {
        await queryRunner.query(`DROP INDEX ${table}_${column}_id_idx`);
      }
    }
    await queryRunner.query(`DROP TABLE config_audit`);
  }
}

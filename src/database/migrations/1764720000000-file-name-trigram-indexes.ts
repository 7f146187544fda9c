import type { MigrationInterface, QueryRunner } from 'typeorm';

const TABLES = ['import_jobs', 'uploads'];

/**
 * Trigram indexes for the admin lists' file-name filter (`fileName`, a substring matched with
 * ILIKE '%…%'), which a b-tree cannot answer: without them PostgreSQL reads every row (about a
 * quarter of a second at 100,000, bench/RESULTS.md). They need the pg_trgm extension, shipped
 * with PostgreSQL's contrib (the embedded server has it) and trusted, so the database owner may
 * create it. Where it is not installed or not allowed, the lists work as before, only slower on
 * that filter: the migration skips the indexes instead of failing the start.
 */
export class FileNameTrigramIndexes1764720000000 implements MigrationInterface {
  name = 'FileNameTrigramIndexes1764720000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const [{ available }] = (await queryRunner.query(
      `SELECT count(*)::int AS available FROM pg_available_extensions WHERE name = 'pg_trgm'`,
    )) as { available: number }[];
    if (!available) return;
    // A refusal (not the owner, no CREATE on the database) would abort the migration's transaction.
    await queryRunner.query('SAVEPOINT file_name_trigram');
    try {
      await queryRunner.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
    } catch {
      await queryRunner.query('ROLLBACK TO SAVEPOINT file_name_trigram');
      return;
    }
    await queryRunner.query('RELEASE SAVEPOINT file_name_trigram');
    for (const table of TABLES) {
      await queryRunner.query(
        `CREATE INDEX ${table}_file_name_trgm_idx ON ${table} USING gin (file_name gin_trgm_ops)`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // The extension stays: something else may have come to use it.
    for (const table of TABLES) await queryRunner.query(`DROP INDEX IF EXISTS ${table}_file_name_trgm_idx`);
  }
}

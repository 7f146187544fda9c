import type { DataSource, Migration } from 'typeorm';

/** Any constant shared by every instance: the key of the advisory lock around migrations. */
const MIGRATION_LOCK_KEY = 7_301_946_021;

/**
 * Runs pending migrations, holding a PostgreSQL advisory lock so that instances starting together
 * take turns instead of racing to create the same tables.
 */
export async function runMigrations(dataSource: DataSource): Promise<Migration[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    return await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}

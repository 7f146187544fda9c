import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../ormconfig.js';
import { EnvironmentError, loadEnvironment } from '../environment/environment.js';
import { createRootLogger } from '../logging/logger.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { runMigrations } from './migrate.js';

/**
 * `npm run migration:run`: applies pending migrations to DATABASE_URL, or to the embedded
 * PostgreSQL under DATA_DIR (started for the occasion and stopped after). The app also runs
 * them at every start; this is for deployments that migrate before rolling out.
 */
async function main(): Promise<void> {
  const env = loadEnvironment();
  const logger = createRootLogger(env.LOG_LEVEL === 'info' ? 'warn' : env.LOG_LEVEL);
  const embedded = env.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres({ dataDir: env.dataDir, port: env.EMBEDDED_DATABASE_PORT, logger });
  const dataSource = await new DataSource(dataSourceOptions(env.DATABASE_URL ?? embedded!.url)).initialize();
  try {
    const applied = await runMigrations(dataSource);
    process.stdout.write(
      applied.length ? `Applied ${applied.map((m) => m.name).join(', ')}\n` : 'The database is up to date.\n',
    );
  } finally {
    await dataSource.destroy();
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof EnvironmentError ? error.message : String(error)}\n`);
  process.exit(1);
});

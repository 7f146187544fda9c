// Plain JavaScript on the compiled app (`npm test` builds first): Jest loads global setup
// outside its module mapping, so it cannot import the TypeScript sources.
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startEmbeddedPostgres } from '../../dist/src/database/embedded-postgres.js';

/**
 * One real PostgreSQL for the whole run: TEST_DATABASE_URL when given (any server where the
 * user may create databases), otherwise an embedded server in a temporary folder. Each test
 * file creates its own databases on it (see test-app.ts).
 */
export default async function globalSetup() {
  if (process.env.TEST_DATABASE_URL) return;
  const dataDir = await mkdtemp(join(tmpdir(), 'omero-uploader-test-db-'));
  // As root, PostgreSQL runs as the user "postgres", which must be able to enter the folder.
  await chmod(dataDir, 0o711);
  const server = await startEmbeddedPostgres({ dataDir, port: 0, logger: pino({ level: 'warn' }) });
  process.env.TEST_DATABASE_URL = server.url;
  globalThis.testDatabase = server;
  globalThis.testDatabaseDir = dataDir;
}

import type { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { createApp } from '../../src/app.factory.js';
import { ensureDatabase } from '../../src/database/embedded-postgres.js';
import { loadEnvironment } from '../../src/environment/environment.js';
import { waitFor } from './wait-for.js';

export const ADMIN = { username: 'admin', password: 'admin-password-for-tests' };
export const TEST_JWT_SECRET = 'a-test-secret-that-is-long-enough-for-hs256';

/** A new, empty database on the run's PostgreSQL (see global-setup.ts). */
export async function createTestDatabase(): Promise<string> {
  const serverUrl = new URL(process.env.TEST_DATABASE_URL!);
  const name = `test_${randomBytes(6).toString('hex')}`;
  const adminUrl = new URL(serverUrl);
  adminUrl.pathname = '/postgres';
  await ensureDatabase(adminUrl.toString(), name);
  serverUrl.pathname = `/${name}`;
  return serverUrl.toString();
}

/**
 * A superuser connection to the server behind `databaseUrl` (on its maintenance database),
 * for tests that break things on purpose, and the name of the test's database.
 */
export async function serverAdmin(databaseUrl: string): Promise<{ admin: pg.Client; database: string }> {
  const url = new URL(databaseUrl);
  const database = url.pathname.slice(1);
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  return { admin, database };
}

/**
 * Ends the connections of one part of the app (by application_name) on a test database, and
 * returns once their server processes are gone, so that what the test does next meets a
 * database that has dropped them (pg_terminate_backend only signals; its wait needs 14+).
 */
export async function killConnections(databaseUrl: string, applicationName: string): Promise<number> {
  const { admin, database } = await serverAdmin(databaseUrl);
  try {
    const killed = await admin.query<{ pid: number }>(
      'SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2',
      [database, applicationName],
    );
    const pids = killed.rows.map((row) => row.pid);
    await waitFor(
      async () => (await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = ANY($1)', [pids])).rowCount,
      (left) => left === 0,
      10_000,
      20,
    );
    return pids.length;
  } finally {
    await admin.end();
  }
}

export interface TestApp {
  app: INestApplication;
  /** http://127.0.0.1:<port> */
  url: string;
  databaseUrl: string;
  /** Every log line the app wrote, as parsed JSON. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/** Boots the real application on 127.0.0.1 and a free port, on a new database unless given one. */
export async function startTestApp(
  options: { databaseUrl?: string; env?: Record<string, string> } = {},
): Promise<TestApp> {
  const databaseUrl = options.databaseUrl ?? (await createTestDatabase());
  // Its own data folder, removed on close (unless the test brought one): uploads add up.
  const ownDataDir = await mkdtemp(join(tmpdir(), 'omero-uploader-test-'));
  const env = loadEnvironment({
    NODE_ENV: 'test',
    DATA_DIR: ownDataDir,
    JWT_SECRET: TEST_JWT_SECRET,
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'info',
    ...options.env,
  });
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const app = await createApp(env, databaseUrl, destination);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const close = async () => {
    await app.close();
    if (env.DATA_DIR === ownDataDir) await rm(ownDataDir, { recursive: true, force: true });
  };
  return { app, url: `http://127.0.0.1:${address.port}`, databaseUrl, logs, close };
}

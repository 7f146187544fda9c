import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrations } from '../ormconfig.js';
import { createTestDatabase, startTestApp } from './support/test-app.js';

/** What `npm run migration:run` runs once it has built the app. */
const COMMAND = join(process.cwd(), 'dist', 'src', 'database', 'migrate-command.js');
const ALL_MIGRATIONS = migrations.map((migration) => migration.name);

/** Runs the migration command as its own process against `databaseUrl`, with only that environment. */
async function migrationRun(databaseUrl: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [COMMAND], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      DATABASE_URL: databaseUrl,
      // Never used with DATABASE_URL set; a folder of its own so nothing lands in the worktree.
      DATA_DIR: await mkdtemp(join(tmpdir(), 'omero-uploader-migrate-')),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', (exitCode) => resolve(exitCode)));
  return { code, stdout, stderr };
}

async function query<T>(databaseUrl: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

const appliedMigrations = async (databaseUrl: string) =>
  (await query<{ name: string }>(databaseUrl, 'SELECT name FROM schema_migrations ORDER BY id')).map((row) => row.name);

const tables = async (databaseUrl: string) =>
  (
    await query<{ table_name: string }>(
      databaseUrl,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    )
  ).map((row) => row.table_name);

describe('npm run migration:run', () => {
  it('applies every migration to an empty database, in order, and nothing on a second run', async () => {
    const databaseUrl = await createTestDatabase();
    expect(await tables(databaseUrl)).toEqual([]);

    const first = await migrationRun(databaseUrl);
    expect(first).toEqual({ code: 0, stdout: `Applied ${ALL_MIGRATIONS.join(', ')}\n`, stderr: '' });
    expect(await appliedMigrations(databaseUrl)).toEqual(ALL_MIGRATIONS);
    const created = await tables(databaseUrl);
    expect(created).toEqual(
      expect.arrayContaining(['users', 'uploads', 'uploader_settings', 'import_jobs', 'analytics_events']),
    );

    const second = await migrationRun(databaseUrl);
    expect(second).toEqual({ code: 0, stdout: 'The database is up to date.\n', stderr: '' });
    expect(await appliedMigrations(databaseUrl)).toEqual(ALL_MIGRATIONS);
    expect(await tables(databaseUrl)).toEqual(created);
  });

  it('applies nothing to a database the app migrated at its start', async () => {
    const app = await startTestApp();
    await app.close();
    const before = await appliedMigrations(app.databaseUrl);
    expect(before).toEqual(ALL_MIGRATIONS);

    const run = await migrationRun(app.databaseUrl);
    expect(run).toEqual({ code: 0, stdout: 'The database is up to date.\n', stderr: '' });
    expect(await appliedMigrations(app.databaseUrl)).toEqual(before);
  });

  it('fails with the reason and exit code 1 when the database cannot be reached', async () => {
    const unreachable = new URL(await createTestDatabase());
    unreachable.pathname = '/no_such_database_here';
    const run = await migrationRun(unreachable.toString());
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('no_such_database_here');
  });
});

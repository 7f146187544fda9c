import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { startTestApp, type TestApp } from './support/test-app.js';

const ROLE = 'metabase_reader';

/** PostgreSQL's "permission denied" (insufficient_privilege). */
const DENIED = '42501';
/** "cannot execute … in a read-only transaction" (read_only_sql_transaction). */
const READ_ONLY = '25006';

/**
 * docs/metabase-readonly.sql, run as documented on a migrated database, gives Metabase's role
 * the analytics views (today's and later ones) and nothing else. The role signs in for real.
 */
describe('the Metabase read-only role', () => {
  let server: TestApp;
  let owner: pg.Client;
  let reader: pg.Client;

  /** The SQLSTATE a statement of the reader fails with, or 'ok'. */
  const outcome = async (sql: string) => {
    try {
      await reader.query(sql);
      return 'ok';
    } catch (error) {
      return (error as { code?: string }).code;
    }
  };

  beforeAll(async () => {
    server = await startTestApp();
    owner = new pg.Client({ connectionString: server.databaseUrl });
    await owner.connect();
    const script = await readFile('docs/metabase-readonly.sql', 'utf8');
    await owner.query(script);
    // Twice, as on a database where it ran before (the role is the server's, shared by databases).
    await owner.query(script);
    const password = randomBytes(12).toString('hex');
    await owner.query(`ALTER ROLE ${ROLE} PASSWORD '${password}'`);
    const url = new URL(server.databaseUrl);
    url.username = ROLE;
    url.password = password;
    reader = new pg.Client({ connectionString: url.toString() });
    await reader.connect();
  });
  afterAll(async () => {
    await reader?.end();
    await owner?.end();
    await server.close();
  });

  it('reads every view in the analytics schema', async () => {
    const views = await owner.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.views WHERE table_schema = 'analytics' ORDER BY 1`,
    );
    expect(views.rows.map((view) => view.name)).toEqual([
      'active_users_per_week',
      'completed_uploads',
      'failures_by_code',
      'finished_imports',
      'import_duration_per_day',
      'import_outcomes_per_day',
      'upload_throughput_per_day',
      'uploads_per_day',
      'user_activity_per_day',
    ]);
    for (const { name } of views.rows)
      expect([name, await outcome(`SELECT * FROM analytics.${name}`)]).toEqual([name, 'ok']);
  });

  it('reads views that later migrations add', async () => {
    await owner.query(`CREATE VIEW analytics.later_view AS SELECT count(*) AS events FROM analytics_events`);
    try {
      expect(await outcome('SELECT events FROM analytics.later_view')).toBe('ok');
    } finally {
      await owner.query('DROP VIEW analytics.later_view');
    }
  });

  it('reads no table: not analytics_events, users, uploads, import_jobs, nor any other', async () => {
    const tables = await owner.query<{ name: string }>(
      `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
       WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
    );
    const names = tables.rows.map((table) => table.name);
    for (const table of ['analytics_events', 'users', 'uploads', 'import_jobs', 'api_tokens', 'omero_sessions'])
      expect(names).toContain(`public.${table}`);
    expect(names.some((name) => name.startsWith('pgboss.'))).toBe(true);
    const readable = [];
    for (const name of names) if ((await outcome(`SELECT * FROM ${name} LIMIT 1`)) !== DENIED) readable.push(name);
    expect(readable).toEqual([]);
  });

  it('cannot write: no insert, update or delete through a view, no new table or view anywhere', async () => {
    // Its sessions read only, whatever a client sends by default…
    expect(await outcome(`CREATE TABLE analytics.mine (x int)`)).toBe(READ_ONLY);
    // …and a client that turns that off meets the privileges.
    await reader.query('SET default_transaction_read_only = off');
    expect(await outcome(`INSERT INTO analytics.completed_uploads (size_bytes) VALUES (1)`)).toBe(DENIED);
    expect(await outcome(`UPDATE analytics.completed_uploads SET size_bytes = 0`)).toBe(DENIED);
    expect(await outcome(`DELETE FROM analytics.completed_uploads`)).toBe(DENIED);
    expect(await outcome(`INSERT INTO analytics_events (event_type) VALUES ('upload_started')`)).toBe(DENIED);
    expect(await outcome(`CREATE TABLE analytics.mine (x int)`)).toBe(DENIED);
    expect(await outcome(`CREATE VIEW analytics.mine AS SELECT 1 AS x`)).toBe(DENIED);
    expect(await outcome(`CREATE TABLE public.mine (x int)`)).toBe(DENIED);
  });
});

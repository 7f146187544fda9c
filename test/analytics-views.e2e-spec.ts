import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { accessToken, createUser, graphql } from './support/clients.js';
import { seedAnalytics } from './support/analytics-seed.js';
import { startTestApp, type TestApp } from './support/test-app.js';

type Row = Record<string, unknown>;

/** Dates as ISO strings and bigints as numbers, so rows compare with plain literals. */
const plain = (row: Row): Row =>
  Object.fromEntries(
    Object.entries(row).map(([key, value]) => [
      key,
      value instanceof Date
        ? value.toISOString()
        : typeof value === 'string' && /^\d+$/.test(value)
          ? Number(value)
          : value,
    ]),
  );

const snake = (name: string) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
/** A view's rows as GraphQL objects with these fields (`groupId` reads `group_id`). */
const asFields = (rows: Row[], fields: string[]) =>
  rows.map((row) => Object.fromEntries(fields.map((field) => [field, row[snake(field)]])));

const day = (date: string) => `${date}T00:00:00.000Z`;

/** The figures of a day nothing happened on. */
const NOTHING = {
  uploadsStarted: 0,
  uploadsCompleted: 0,
  bytesUploaded: 0,
  uploadsRejected: 0,
  uploadsCancelled: 0,
  uploadsExpired: 0,
  importsQueued: 0,
  importsSucceeded: 0,
  importsFailed: 0,
  importsCancelled: 0,
  imagesCreated: 0,
  successRate: null,
  medianUploadBytesPerSecond: null,
  p95UploadBytesPerSecond: null,
  medianImportSeconds: null,
  p95ImportSeconds: null,
  activeUsers: 0,
};

const FIGURES = Object.keys(NOTHING).join(' ');
const DASHBOARD = `query($from: DateTime!, $to: DateTime!) {
  analyticsDashboard(from: $from, to: $to) {
    from to
    totals { ${FIGURES} }
    days { day ${FIGURES} }
    uploadsByGroup { day groupId uploadsStarted uploadsCompleted bytesUploaded }
    failureCodes { stage code count }
    weeks { week activeUsers uploadingUsers importingUsers }
  }
}`;

/**
 * The analytics views (migration AnalyticsViews) over a known seed (test/support/analytics-seed.ts),
 * number by number, and the admin dashboard's query, which must give the same numbers.
 */
describe('analytics views', () => {
  let server: TestApp;
  let db: pg.Client;
  let adminToken: string;
  let userToken: string;

  const view = async (name: string, order: string) =>
    (await db.query<Row>(`SELECT * FROM analytics.${name} ORDER BY ${order}`)).rows.map(plain);

  beforeAll(async () => {
    server = await startTestApp();
    adminToken = await accessToken(server.url);
    const [a, b, c] = await Promise.all(['ana', 'ben', 'cy'].map((name) => createUser(server.url, adminToken, name)));
    userToken = a.token;
    await seedAnalytics(server.databaseUrl, { A: a.id, B: b.id, C: c.id });
    db = new pg.Client({ connectionString: server.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await server.close();
  });

  it('counts uploads and bytes per UTC day and group', async () => {
    const zero = { uploads_rejected: 0, uploads_cancelled: 0, uploads_expired: 0 };
    const row = (date: string, group_id: string | null, started: number, completed: number, bytes: number) => ({
      day: day(date),
      group_id,
      uploads_started: started,
      uploads_completed: completed,
      bytes_uploaded: bytes,
      ...zero,
    });
    expect(await view('uploads_per_day', 'day, group_id NULLS LAST')).toEqual([
      { ...row('2025-03-03', 'g1', 4, 2, 3000), uploads_rejected: 1 },
      row('2025-03-03', 'g2', 1, 1, 4000),
      // Started at 23:30 on the 3rd, completed on the 4th: counted on each day for what happened then.
      row('2025-03-04', 'g1', 0, 1, 4000),
      row('2025-03-04', 'g2', 1, 1, 8000),
      { ...row('2025-03-04', null, 1, 0, 0), uploads_cancelled: 1 },
      row('2025-03-05', 'g2', 1, 0, 0),
      { ...row('2025-03-08', 'g2', 0, 0, 0), uploads_expired: 1 },
      row('2025-03-10', 'g1', 1, 1, 1000),
    ]);
  });

  it('counts import outcomes per day, with the success rate leaving cancellations out', async () => {
    expect(await view('import_outcomes_per_day', 'day')).toEqual([
      {
        day: day('2025-03-03'),
        imports_queued: 3,
        imports_succeeded: 2,
        imports_failed: 1,
        imports_cancelled: 0,
        success_rate: 2 / 3,
        images_created: 3,
      },
      {
        day: day('2025-03-04'),
        imports_queued: 3,
        imports_succeeded: 1,
        imports_failed: 1,
        imports_cancelled: 1,
        success_rate: 0.5,
        images_created: 3,
      },
      {
        day: day('2025-03-10'),
        imports_queued: 1,
        imports_succeeded: 0,
        imports_failed: 1,
        imports_cancelled: 0,
        success_rate: 0,
        images_created: 0,
      },
    ]);
  });

  it('gives the median and 95th percentile of upload throughput and import duration per day', async () => {
    expect(await view('upload_throughput_per_day', 'day')).toEqual([
      { day: day('2025-03-03'), completed_uploads: 3, median_bytes_per_second: 200, p95_bytes_per_second: 380 },
      { day: day('2025-03-04'), completed_uploads: 2, median_bytes_per_second: 600, p95_bytes_per_second: 780 },
      { day: day('2025-03-10'), completed_uploads: 1, median_bytes_per_second: 1000, p95_bytes_per_second: 1000 },
    ]);
    expect(await view('import_duration_per_day', 'day')).toEqual([
      { day: day('2025-03-03'), succeeded_imports: 2, median_seconds: 20, p95_seconds: 29 },
      { day: day('2025-03-04'), succeeded_imports: 1, median_seconds: 60, p95_seconds: 60 },
    ]);
  });

  it('counts failures by stage and code per day', async () => {
    expect(await view('failures_by_code', 'day, stage, error_code')).toEqual([
      { day: day('2025-03-03'), stage: 'import', error_code: 'UNREADABLE_FILE', failures: 1 },
      { day: day('2025-03-03'), stage: 'upload', error_code: 'unsupported_content', failures: 1 },
      { day: day('2025-03-04'), stage: 'import', error_code: 'UNREADABLE_FILE', failures: 1 },
      { day: day('2025-03-10'), stage: 'import', error_code: 'TIMEOUT', failures: 1 },
    ]);
  });

  it('counts active users per week (from Monday, UTC)', async () => {
    expect(await view('active_users_per_week', 'week')).toEqual([
      { week: day('2025-03-03'), active_users: 3, uploading_users: 3, importing_users: 2 },
      { week: day('2025-03-10'), active_users: 1, uploading_users: 1, importing_users: 1 },
    ]);
    const perDay = await db.query<Row>(
      'SELECT day, count(*)::int AS users, sum(uploads_started)::int AS uploads, sum(imports_queued)::int AS imports FROM analytics.user_activity_per_day GROUP BY day ORDER BY day',
    );
    expect(perDay.rows.map(plain)).toEqual([
      { day: day('2025-03-03'), users: 3, uploads: 5, imports: 3 },
      { day: day('2025-03-04'), users: 3, uploads: 2, imports: 3 },
      { day: day('2025-03-05'), users: 1, uploads: 1, imports: 0 },
      { day: day('2025-03-10'), users: 1, uploads: 1, imports: 1 },
    ]);
  });

  it('lists one row per completed upload and per finished import', async () => {
    const uploads = await view('completed_uploads', 'completed_at');
    expect(uploads.map((row) => [row.day, row.size_bytes, row.bytes_per_second])).toEqual([
      [day('2025-03-03'), 1000, 100],
      [day('2025-03-03'), 2000, 200],
      [day('2025-03-03'), 4000, 400],
      [day('2025-03-04'), 4000, 400],
      [day('2025-03-04'), 8000, 800],
      [day('2025-03-10'), 1000, 1000],
    ]);
    const imports = await view('finished_imports', 'finished_at');
    expect(imports.map((row) => [row.finished_at, row.outcome, row.error_code, row.duration_seconds])).toEqual([
      ['2025-03-03T08:02:10.000Z', 'succeeded', null, 10],
      ['2025-03-03T09:02:30.000Z', 'succeeded', null, 30],
      ['2025-03-03T10:03:00.000Z', 'failed', 'UNREADABLE_FILE', null],
      ['2025-03-04T00:33:00.000Z', 'succeeded', null, 60],
      ['2025-03-04T13:03:00.000Z', 'failed', 'UNREADABLE_FILE', null],
      ['2025-03-04T14:05:00.000Z', 'cancelled', 'CANCELLED', null],
      ['2025-03-10T09:32:00.000Z', 'failed', 'TIMEOUT', null],
    ]);
  });

  it('exposes no file name, path or free text, and only timestamptz times', async () => {
    const columns = await db.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'analytics'`,
    );
    const names = new Set(columns.rows.map((column) => column.column_name));
    for (const leak of ['file_name', 'stored_name', 'storage_path', 'source_path', 'error_message', 'log', 'username'])
      expect(names).not.toContain(leak);
    expect(columns.rows.filter((column) => column.data_type.startsWith('text'))).toEqual([]);
    const times = columns.rows.filter((column) => /(^day|week|_at)$/.test(column.column_name));
    expect(times.length).toBeGreaterThan(0);
    expect(times.filter((column) => column.data_type !== 'timestamp with time zone')).toEqual([]);
  });

  it('are each described in docs/metabase.md, column by column', async () => {
    const doc = await readFile('docs/metabase.md', 'utf8');
    const columns = await db.query<{ view: string; column: string }>(
      `SELECT table_name AS view, column_name AS column FROM information_schema.columns
       WHERE table_schema = 'analytics' ORDER BY table_name, ordinal_position`,
    );
    expect(columns.rows.length).toBeGreaterThan(40);
    const section = (view: string) => doc.split('\n### ').find((part) => part.startsWith(`\`${view}\``)) ?? '';
    const missing = columns.rows.filter(({ view, column }) => !section(view).includes(`\n| \`${column}\` |`));
    expect(missing).toEqual([]);
  });

  describe('analyticsDashboard', () => {
    const period = { from: '2025-03-03T00:00:00Z', to: '2025-03-11T00:00:00Z' };
    type Dashboard = {
      analyticsDashboard: {
        totals: Row;
        days: Row[];
        uploadsByGroup: Row[];
        failureCodes: Row[];
        weeks: Row[];
      };
    };
    let dashboard: Dashboard['analyticsDashboard'];

    beforeAll(async () => {
      const result = await graphql<Dashboard>(server.url, adminToken, DASHBOARD, period);
      expect(result.errors).toBeUndefined();
      dashboard = result.data!.analyticsDashboard;
    });

    it('gives every day of the period the numbers of the views', async () => {
      expect(dashboard.days.map((row) => row.day)).toEqual(
        ['03', '04', '05', '06', '07', '08', '09', '10'].map((date) => day(`2025-03-${date}`)),
      );
      const uploads = await db.query<Row>(
        'SELECT day, sum(uploads_started)::int AS s, sum(bytes_uploaded)::float8 AS b FROM analytics.uploads_per_day GROUP BY day',
      );
      const outcomes = await view('import_outcomes_per_day', 'day');
      const throughput = await view('upload_throughput_per_day', 'day');
      const durations = await view('import_duration_per_day', 'day');
      for (const figures of dashboard.days) {
        const of = <T extends Row>(rows: T[]) => rows.map(plain).find((row) => row.day === figures.day);
        const u = of(uploads.rows);
        const o = of(outcomes);
        const t = of(throughput);
        const d = of(durations);
        expect([figures.uploadsStarted, figures.bytesUploaded]).toEqual([u?.s ?? 0, u?.b ?? 0]);
        expect([figures.importsSucceeded, figures.importsFailed, figures.successRate]).toEqual([
          o?.imports_succeeded ?? 0,
          o?.imports_failed ?? 0,
          o?.success_rate ?? null,
        ]);
        expect([figures.medianUploadBytesPerSecond, figures.p95UploadBytesPerSecond]).toEqual([
          t?.median_bytes_per_second ?? null,
          t?.p95_bytes_per_second ?? null,
        ]);
        expect([figures.medianImportSeconds, figures.p95ImportSeconds]).toEqual([
          d?.median_seconds ?? null,
          d?.p95_seconds ?? null,
        ]);
      }
      expect(dashboard.days[0]).toEqual({
        day: day('2025-03-03'),
        uploadsStarted: 5,
        uploadsCompleted: 3,
        bytesUploaded: 7000,
        uploadsRejected: 1,
        uploadsCancelled: 0,
        uploadsExpired: 0,
        importsQueued: 3,
        importsSucceeded: 2,
        importsFailed: 1,
        importsCancelled: 0,
        imagesCreated: 3,
        successRate: 2 / 3,
        medianUploadBytesPerSecond: 200,
        p95UploadBytesPerSecond: 380,
        medianImportSeconds: 20,
        p95ImportSeconds: 29,
        activeUsers: 3,
      });
      expect(dashboard.days[3]).toEqual({ day: day('2025-03-06'), ...NOTHING });
    });

    it('sums the period, with percentiles over all its uploads and imports', () => {
      expect(dashboard.totals).toEqual({
        uploadsStarted: 9,
        uploadsCompleted: 6,
        bytesUploaded: 20000,
        uploadsRejected: 1,
        uploadsCancelled: 1,
        uploadsExpired: 1,
        importsQueued: 7,
        importsSucceeded: 3,
        importsFailed: 3,
        importsCancelled: 1,
        imagesCreated: 6,
        successRate: 0.5,
        // Throughputs 100, 200, 400, 400, 800, 1000; durations 10, 30, 60 s.
        medianUploadBytesPerSecond: 400,
        p95UploadBytesPerSecond: 950,
        medianImportSeconds: 30,
        p95ImportSeconds: 57,
        activeUsers: 3,
      });
    });

    it('gives uploads per group, the most frequent failure codes and active users per week', async () => {
      expect(dashboard.uploadsByGroup).toEqual(
        asFields(await view('uploads_per_day', 'day, group_id NULLS LAST'), [
          'day',
          'groupId',
          'uploadsStarted',
          'uploadsCompleted',
          'bytesUploaded',
        ]),
      );
      expect(dashboard.failureCodes).toEqual([
        { stage: 'import', code: 'UNREADABLE_FILE', count: 2 },
        { stage: 'import', code: 'TIMEOUT', count: 1 },
        { stage: 'upload', code: 'unsupported_content', count: 1 },
      ]);
      expect(dashboard.weeks).toEqual(
        asFields(await view('active_users_per_week', 'week'), [
          'week',
          'activeUsers',
          'uploadingUsers',
          'importingUsers',
        ]),
      );
      expect(dashboard.weeks).toHaveLength(2);
    });

    it('counts only the days asked for', async () => {
      const result = await graphql<Dashboard>(server.url, adminToken, DASHBOARD, {
        from: '2025-03-04T00:00:00Z',
        to: '2025-03-05T00:00:00Z',
      });
      const { totals, days } = result.data!.analyticsDashboard;
      expect(days).toHaveLength(1);
      // The whole week of the 4th (from Monday the 3rd), as active_users_per_week has it.
      expect(result.data!.analyticsDashboard.weeks).toEqual([
        { week: day('2025-03-03'), activeUsers: 3, uploadingUsers: 3, importingUsers: 2 },
      ]);
      expect({ day: day('2025-03-04'), ...totals }).toEqual(days[0]);
      expect(totals).toMatchObject({ uploadsStarted: 2, bytesUploaded: 12000, importsCancelled: 1, activeUsers: 3 });
    });

    it('refuses a period that is not whole UTC days, saying what is expected', async () => {
      for (const variables of [
        { from: '2025-03-03T12:00:00Z', to: '2025-03-11T00:00:00Z' },
        { from: '2025-03-11T00:00:00Z', to: '2025-03-03T00:00:00Z' },
        { from: '2024-01-01T00:00:00Z', to: '2025-03-03T00:00:00Z' },
      ]) {
        const result = await graphql(server.url, adminToken, DASHBOARD, variables);
        expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
        expect(result.errors?.[0].message).toMatch(/midnight UTC|days after from/);
      }
    });

    it('answers FORBIDDEN to anyone but an administrator', async () => {
      const result = await graphql(server.url, userToken, DASHBOARD, period);
      expect(result.data ?? null).toBeNull();
      expect(result.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    });
  });
});

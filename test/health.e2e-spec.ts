import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { internalsIn } from './support/internals.js';
import { serverAdmin, startTestApp, type TestApp } from './support/test-app.js';

describe('GET /api/health', () => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp();
  });
  afterAll(() => server.close());

  it('reports the database, without credentials', async () => {
    const response = await fetch(`${server.url}/api/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ok',
      uptimeSeconds: expect.any(Number),
      database: { status: 'up', latencyMs: expect.any(Number) },
      storage: {
        status: 'ok',
        freeBytes: expect.any(Number),
        totalBytes: expect.any(Number),
        reserveBytes: 1024 * 1024 * 1024,
      },
    });
  });

  it("echoes a caller's request id, and replaces one that is not a plain token", async () => {
    const given = await fetch(`${server.url}/api/health`, { headers: { 'x-request-id': 'trace-42.a_b' } });
    expect(given.headers.get('x-request-id')).toBe('trace-42.a_b');
    const hostile = await fetch(`${server.url}/api/health`, {
      headers: { 'x-request-id': 'a b "<script>" ' + 'x'.repeat(200) },
    });
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(server.logs.some((line) => line.requestId === 'trace-42.a_b')).toBe(true);
  });

  it('answers 503 while the database refuses connections, and recovers', async () => {
    const { admin, database } = await serverAdmin(server.databaseUrl);
    try {
      await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [database]);
      const down = await fetch(`${server.url}/api/health`);
      expect(down.status).toBe(503);
      const body = await down.json();
      expect(body).toMatchObject({ status: 'unavailable', database: { status: 'down' } });
      // Anyone may ask: the driver's words (the database's name, address, user) go to the log only.
      expect(internalsIn(JSON.stringify(body), [database])).toEqual([]);
      expect(JSON.stringify(server.logs)).toContain(database);
    } finally {
      await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    const up = await fetch(`${server.url}/api/health`);
    expect(up.status).toBe(200);
  });
});

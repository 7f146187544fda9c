import { describe, expect, it } from '@jest/globals';
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accessToken, createUser, graphql, login } from './support/clients.js';
import { findFreePort } from '../src/database/embedded-postgres.js';
import { processesMentioning, spawnApp, waitUntilReady } from './support/spawn-app.js';

const PASSWORD_BANNER = /Sign in as "admin" with the password\s+(\S+)/;

async function newDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'omero-uploader-lifecycle-'));
  // As root, the embedded PostgreSQL runs as the user "postgres", which must enter this folder.
  await chmod(dir, 0o711);
  return join(dir, 'data');
}

describe('the app as a process (what npm start runs)', () => {
  it('refuses to start on an invalid environment and lists every bad variable', async () => {
    const app = spawnApp({
      NODE_ENV: 'production',
      PORT: 'eighty',
      DATABASE_URL: 'mysql://db/uploads',
      JWT_EXPIRES_IN: 'soon',
      ADMIN_PASSWORD: 'short',
    });
    expect(await app.exited).toBe(1);
    const stderr = app.stderr();
    expect(stderr).toContain('Invalid configuration');
    expect(stderr).toContain('PORT must not be greater than 65535');
    expect(stderr).toContain('DATABASE_URL must look like postgres://');
    expect(stderr).toContain('JWT_EXPIRES_IN must be like');
    expect(stderr).toContain('ADMIN_PASSWORD must be at least 8 characters');
    expect(stderr).toContain('JWT_SECRET is required when NODE_ENV=production');
    expect(stderr).not.toContain('short');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses the example JWT secret in production', async () => {
    const app = spawnApp({ NODE_ENV: 'production', JWT_SECRET: 'change-me-to-at-least-32-random-characters' });
    expect(await app.exited).toBe(1);
    expect(app.stderr()).toContain('JWT_SECRET must not be the example value');
  });

  it('runs on its own PostgreSQL, keeps data across restarts and leaves no postgres behind', async () => {
    const dataDir = await newDataDir();
    const env = { DATA_DIR: dataDir, PORT: '0', JWT_SECRET: 'lifecycle-test-secret-long-enough-1234567890' };

    // First start: the database is initialised and the first administrator's password printed.
    const first = spawnApp(env);
    const url = await waitUntilReady(first);
    const password = PASSWORD_BANNER.exec(first.stdout())?.[1];
    expect(password).toBeDefined();
    const health = await fetch(`${url}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', database: { status: 'up' } });
    const adminToken = await accessToken(url, 'admin', password);
    await createUser(url, adminToken, 'kept-across-restarts', 'kept-password');
    expect(processesMentioning(join(dataDir, 'postgres')).length).toBeGreaterThan(0);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.stdout()).toContain('embedded PostgreSQL stopped');
    expect(processesMentioning(join(dataDir, 'postgres'))).toEqual([]);

    // Second start: same data, no new administrator, the user is still there.
    const second = spawnApp(env);
    const secondUrl = await waitUntilReady(second);
    expect(second.stdout()).not.toMatch(PASSWORD_BANNER);
    expect((await login(secondUrl, 'kept-across-restarts', 'kept-password')).status).toBe(200);

    // Killed outright, the app cannot stop its postgres; the next start must cope with that.
    second.child.kill('SIGKILL');
    await second.exited;
    expect(processesMentioning(join(dataDir, 'postgres')).length).toBeGreaterThan(0);

    const databasePort = String(await findFreePort());
    const third = spawnApp({ ...env, EMBEDDED_DATABASE_PORT: databasePort });
    const thirdUrl = await waitUntilReady(third);
    expect(third.stdout()).toContain('stopping a PostgreSQL left running by an earlier process');
    expect(third.stdout()).toContain(`"port":${databasePort}`);
    expect((await login(thirdUrl, 'kept-across-restarts', 'kept-password')).status).toBe(200);
    const query = await graphql(thirdUrl, undefined, '{ __typename }');
    expect(query.status).toBe(200);

    third.child.kill('SIGINT');
    expect(await third.exited).toBe(0);
    expect(processesMentioning(join(dataDir, 'postgres'))).toEqual([]);
  });
});

import { afterEach, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { accessToken, graphql, starterDataset, wsClient } from './support/clients.js';
import { findFreePort } from '../src/database/embedded-postgres.js';
import {
  processesMentioning,
  type SpawnedApp,
  spawnApp,
  waitUntilReady,
  waitUntilWorkerReady,
} from './support/spawn-app.js';
import { ADMIN, TEST_JWT_SECRET } from './support/test-app.js';
import { sha256, tiffLike, TusClient } from './support/tus.js';
import { waitFor } from './support/wait-for.js';

const SAMPLE = join(dirname(new URL(import.meta.url).pathname), 'fixtures', 'samples', 'cells-uint16.tiff');
const DATABASE_DOWN = 'The database is not answering; try again in a minute.';
/** A client-side bound far above the app's 2 s: only a request that hangs reaches it. */
const HANG = 60_000;

/** The temporary folders of the apps started, removed after each test. */
const folders: string[] = [];

/**
 * Each test runs the built app on a PostgreSQL of its own (embedded, under its DATA_DIR), so
 * that freezing or killing it touches no other test.
 */
async function appEnvironment(extra: Record<string, string> = {}) {
  const root = await mkdtemp(join(tmpdir(), 'omero-uploader-outage-'));
  folders.push(root);
  // As root, the embedded PostgreSQL runs as the user "postgres", which must enter this folder.
  await chmod(root, 0o711);
  const databasePort = await findFreePort();
  const env = {
    DATA_DIR: join(root, 'data'),
    PORT: '0',
    EMBEDDED_DATABASE_PORT: String(databasePort),
    JWT_SECRET: TEST_JWT_SECRET,
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    DATABASE_TIMEOUT_SECONDS: '2',
    UPLOAD_SWEEP_SECONDS: '1',
    ...extra,
  };
  return { env, databasePort, postgresDir: join(env.DATA_DIR, 'postgres') };
}

/** The postmaster serving `postgresDir` and every process it started (backends, writers). */
function postgresProcesses(postgresDir: string): number[] {
  const tree = processesMentioning(postgresDir);
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The parent id is the 2nd field after the command name, which is in parentheses.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Gone while we looked.
    }
  }
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, parent] of parents) if (parent === tree[i] && !tree.includes(pid)) tree.push(pid);
  }
  return tree;
}

function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

const health = async (url: string) => {
  const response = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(HANG) });
  return { status: response.status, body: (await response.json()) as { database: { status: string; error?: string } } };
};

const me = (url: string, token: string) =>
  fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ me { id } }' }),
    signal: AbortSignal.timeout(HANG),
  }).then(async (response) => ({
    status: response.status,
    body: (await response.json()) as { data?: unknown; errors?: { message: string; extensions: { code: string } }[] },
  }));

/** Sends the rest of an upload from where the server says it stands; resolves with its sha256 once completed. */
async function finishUpload(url: string, token: string, id: string, data: Buffer) {
  const tus = new TusClient(url, token);
  const offset = Number((await tus.head(id)).headers['upload-offset']);
  expect((await tus.patch(id, offset, data.subarray(offset))).status).toBe(204);
  const upload = await waitFor(
    async () =>
      (
        await graphql<{ upload: { status: string; sha256: string | null } }>(
          url,
          token,
          'query($id: ID!) { upload(id: $id) { status sha256 } }',
          { id },
        )
      ).data?.upload,
    (found) => found?.status === 'COMPLETED',
  );
  return upload?.sha256;
}

/** Uploads the sample TIFF with an import target (auto-import queues its job); resolves with the job's id. */
async function importSample(url: string, token: string, name: string): Promise<string> {
  const sample = await readFile(SAMPLE);
  const { id } = await new TusClient(url, token).create(name, sample.length, await starterDataset(url, token), sample);
  const upload = await graphql<{ upload: { importJob: { id: string } } }>(
    url,
    token,
    'query($id: ID!) { upload(id: $id) { importJob { id } } }',
    { id },
  );
  return upload.data!.upload.importJob.id;
}

const jobStatus = async (url: string, token: string, id: string) =>
  (
    await graphql<{ importJob: { status: string } }>(url, token, 'query($id: ID!) { importJob(id: $id) { status } }', {
      id,
    })
  ).data?.importJob.status;

/** Waits for the job to end; resolves with its final status. */
const jobEnded = (url: string, token: string, id: string) =>
  waitFor(
    () => jobStatus(url, token, id),
    (status) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(status ?? ''),
    60_000,
  );

describe('the database going away', () => {
  const started: SpawnedApp[] = [];
  let frozen: number[] = [];
  let blocker: Server | undefined;
  const spawn = (env: Record<string, string>) => {
    const app = spawnApp(env);
    started.push(app);
    return app;
  };
  afterEach(async () => {
    signalAll(frozen, 'SIGCONT');
    frozen = [];
    blocker?.close();
    blocker = undefined;
    for (const app of started.splice(0)) {
      if (app.child.exitCode === null && app.child.signalCode === null) {
        app.child.kill('SIGTERM');
        await app.exited;
      }
    }
    for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
  });

  it('answers 503 with a message while PostgreSQL is frozen, reports it in health, and recovers by itself', async () => {
    const { env, postgresDir } = await appEnvironment();
    const app = spawn(env);
    const url = await waitUntilReady(app);
    const token = await accessToken(url);
    const data = tiffLike(512 * 1024);
    const half = data.length / 2;
    const tus = new TusClient(url, token);
    const { response: created, id } = await tus.create('frozen.tif', data.length, {}, data.subarray(0, half));
    expect(created.status).toBe(201);

    frozen = postgresProcesses(postgresDir);
    expect(frozen.length).toBeGreaterThan(1);
    signalAll(frozen, 'SIGSTOP');

    // GraphQL: the guard's user lookup cannot finish; the operation fails instead of hanging.
    const query = await me(url, token);
    expect(query.body.errors?.[0]).toMatchObject({
      message: DATABASE_DOWN,
      extensions: { code: 'SERVICE_UNAVAILABLE' },
    });
    // REST: the same, in the REST error shape.
    const signIn = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
      signal: AbortSignal.timeout(HANG),
    });
    expect(signIn.status).toBe(503);
    expect(await signIn.json()).toEqual({ statusCode: 503, code: 'SERVICE_UNAVAILABLE', message: DATABASE_DOWN });
    // tus: the rest of the upload is refused, not swallowed.
    const refused = await tus.patch(id, half, data.subarray(half));
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: DATABASE_DOWN });
    // WebSocket: closed as "try again later" (clients reconnect), not as unauthorised.
    const socket = wsClient(url, { authorization: `Bearer ${token}` });
    await waitFor(
      () => socket.closed.code,
      (code) => code !== undefined,
      HANG,
    );
    expect(socket.closed).toEqual({ code: 1013, reason: DATABASE_DOWN });
    await socket.client.dispose();
    // Health says so, and names no host or port.
    const down = await health(url);
    expect(down.status).toBe(503);
    expect(down.body.database.status).toBe('down');
    expect(down.body.database.error).not.toMatch(/127\.0\.0\.1|localhost|\d{4,5}/);

    signalAll(frozen, 'SIGCONT');
    frozen = [];

    // No restart: the same process serves again, and the upload resumes where it stopped.
    await waitFor(
      () => health(url),
      (result) => result.status === 200,
      30_000,
    );
    expect((await me(url, token)).body.errors).toBeUndefined();
    expect(await finishUpload(url, token, id, data)).toBe(sha256(data));
    // The queue (pg-boss, on its own connections) goes on too.
    expect(await jobEnded(url, token, await importSample(url, token, 'after-the-pause.tiff'))).toBe('SUCCEEDED');
    expect(app.child.exitCode).toBeNull();
  }, 120_000);

  it('restarts its embedded PostgreSQL when it is killed, losing no upload and no queued import', async () => {
    // A web-only instance: the import it queues waits, and a worker started later must find it.
    const { env, databasePort, postgresDir } = await appEnvironment({ APP_ROLE: 'web' });
    const app = spawn(env);
    const url = await waitUntilReady(app);
    const token = await accessToken(url);
    const tus = new TusClient(url, token);
    const jobId = await importSample(url, token, 'queued.tiff');
    expect(await jobStatus(url, token, jobId)).toBe('QUEUED');
    // A subscriber connected through the outage hears of the job once the listener is back.
    const { client } = wsClient(url, { authorization: `Bearer ${token}` });
    const heard: string[] = [];
    client.subscribe<{ importJobUpdated: { id: string; status: string } }>(
      { query: 'subscription { importJobUpdated { id status } }' },
      {
        next: ({ data }) => void (data && heard.push(data.importJobUpdated.status)),
        error: () => undefined,
        complete: () => undefined,
      },
    );
    const data = tiffLike(256 * 1024, 7);
    const half = data.length / 2;
    const { id } = await tus.create('killed.tif', data.length, {}, data.subarray(0, half));

    const [postmaster] = processesMentioning(postgresDir);
    process.kill(postmaster, 'SIGKILL');

    await waitFor(
      () => app.stdout(),
      (out) => out.includes('embedded PostgreSQL restarted'),
      60_000,
    );
    expect(app.stdout()).toContain('embedded PostgreSQL exited unexpectedly; restarting it on the same data and port');
    await waitFor(
      () => app.stdout(),
      (out) => out.includes('listener reconnected'),
      30_000,
    );
    await waitFor(
      () => health(url),
      (result) => result.status === 200,
      30_000,
    );
    expect(await finishUpload(url, token, id, data)).toBe(sha256(data));

    // The queued import is still there, and runs once a worker starts.
    const password = (JSON.parse(await readFile(join(env.DATA_DIR, 'postgres.json'), 'utf8')) as { password: string })
      .password;
    const worker = spawn({
      ...env,
      APP_ROLE: 'worker',
      DATABASE_URL: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${databasePort}/omero_uploader`,
    });
    await waitUntilWorkerReady(worker);
    expect(await jobEnded(url, token, jobId)).toBe('SUCCEEDED');
    await waitFor(
      () => heard,
      (statuses) => statuses.includes('SUCCEEDED'),
    );
    await client.dispose();
    expect(app.child.exitCode).toBeNull();
  }, 180_000);

  it('exits non-zero, saying why, when its killed PostgreSQL cannot be started again', async () => {
    const { env, databasePort, postgresDir } = await appEnvironment();
    const app = spawn(env);
    await waitUntilReady(app);
    const [postmaster] = processesMentioning(postgresDir);
    process.kill(postmaster, 'SIGKILL');
    // Something else takes the port as soon as it is free: PostgreSQL cannot listen again.
    blocker = await waitFor(
      () =>
        new Promise<Server | undefined>((resolve) => {
          const server = createServer();
          server.once('error', () => resolve(undefined));
          server.listen(databasePort, '127.0.0.1', () => resolve(server));
        }),
      (server) => server !== undefined,
      10_000,
      20,
    );
    expect(await app.exited).toBe(1);
    expect(app.stdout()).toContain('exiting so that a supervisor restarts the app');
  }, 120_000);
});

import { afterEach, describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import PgBoss from 'pg-boss';
import pg from 'pg';
import { accessToken, graphql, starterDataset, wsClient } from './support/clients.js';
import {
  hasLibraryLoaded,
  listeningPorts,
  type SpawnedApp,
  spawnApp,
  waitUntilReady,
  waitUntilWorkerReady,
} from './support/spawn-app.js';
import { ADMIN, createTestDatabase, TEST_JWT_SECRET } from './support/test-app.js';
import { TusClient } from './support/tus.js';
import { waitFor } from './support/wait-for.js';

const SAMPLE = join(dirname(new URL(import.meta.url).pathname), 'fixtures', 'samples', 'cells-uint16.tiff');
const JOB_FIELDS = 'id status attempts errorCode error omeroImageIds startedAt finishedAt';

interface Job {
  id: string;
  status: string;
  attempts: number;
  errorCode: string | null;
  error: string | null;
  omeroImageIds: string[];
}

/** The environment of app processes sharing one test database and one DATA_DIR. */
async function sharedEnvironment(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  return {
    DATABASE_URL: await createTestDatabase(),
    DATA_DIR: join(await mkdtemp(join(tmpdir(), 'omero-uploader-processes-')), 'data'),
    PORT: '0',
    JWT_SECRET: TEST_JWT_SECRET,
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    ...extra,
  };
}

/** Signs in as the administrator and finds their "My dataset" in the sandbox. */
async function signInWithTarget(url: string) {
  const token = await accessToken(url);
  return { token, target: await starterDataset(url, token) };
}

/** Completes an upload with import-target metadata (auto-import) and returns its job's id. */
async function uploadForImport(url: string, token: string, target: Record<string, string>, name: string) {
  const data = await readFile(SAMPLE);
  const { response, id } = await new TusClient(url, token).create(name, data.length, target, data);
  expect(response.status).toBe(201);
  const job = await graphql<{ upload: { importJob: { id: string } | null } }>(
    url,
    token,
    'query($id: ID!) { upload(id: $id) { importJob { id } } }',
    { id },
  );
  return job.data!.upload.importJob!.id;
}

function readJob(url: string, token: string, id: string): () => Promise<Job> {
  return async () =>
    (await graphql<{ importJob: Job }>(url, token, `query($id: ID!) { importJob(id: $id) { ${JOB_FIELDS} } }`, { id }))
      .data!.importJob;
}

const ended = (job: Job) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(job.status);

describe('import workers as real processes', () => {
  const started: SpawnedApp[] = [];
  const spawn = (env: Record<string, string>) => {
    const app = spawnApp(env);
    started.push(app);
    return app;
  };
  afterEach(async () => {
    for (const app of started.splice(0)) {
      if (app.child.exitCode === null && app.child.signalCode === null) app.child.kill('SIGKILL');
      await app.exited;
    }
  });

  describe('killed outright in the middle of an import, then restarted on the same database and DATA_DIR', () => {
    it.each([
      { maxAttempts: '3', outcome: 'SUCCEEDED', attempts: 2, images: 1 },
      { maxAttempts: '1', outcome: 'FAILED', attempts: 1, images: 0 },
    ])(
      'with IMPORT_MAX_ATTEMPTS=$maxAttempts the job ends $outcome after $attempts attempt(s), with $images image(s)',
      async ({ maxAttempts, outcome, attempts, images }) => {
        // Prepare: one heartbeat a second, so a dead worker is noticed within seconds.
        const env = await sharedEnvironment({ IMPORT_HEARTBEAT_SECONDS: '1', IMPORT_MAX_ATTEMPTS: maxAttempts });
        const first = spawn(env);
        const url = await waitUntilReady(first);
        const { token, target } = await signInWithTarget(url);

        // The sandbox keeps its datasets in PostgreSQL: while this transaction holds the
        // containers table, an import waits inside the sandbox (at its permission check, before
        // any file moves), as it would on a slow OMERO. No product code is changed for it.
        const blocker = new pg.Client({ connectionString: env.DATABASE_URL });
        await blocker.connect();
        try {
          await blocker.query('BEGIN');
          await blocker.query('LOCK TABLE sandbox_containers IN ACCESS EXCLUSIVE MODE');
          const jobId = await uploadForImport(url, token, target, 'interrupted.tiff');
          const running = await waitFor(readJob(url, token, jobId), (job) => job.status !== 'QUEUED');
          expect(running).toMatchObject({ status: 'RUNNING', attempts: 1 });
          // The import is under way: a connection of the app waits for the sandbox's table.
          await waitFor(
            async () =>
              (
                await blocker.query<{ waiting: number }>(
                  `SELECT count(*)::int AS waiting FROM pg_stat_activity
                   WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
                )
              ).rows[0].waiting,
            (waiting) => waiting > 0,
          );

          // Act: kill the process mid-import, let the sandbox go, start again on the same data.
          first.child.kill('SIGKILL');
          expect(await first.exited).toBe('SIGKILL');
          await blocker.query('ROLLBACK');
          const second = spawn(env);
          const secondUrl = await waitUntilReady(second);

          // Assert: the job ended (never stuck RUNNING), each attempt counted, no duplicate image.
          const done = await waitFor(readJob(secondUrl, token, jobId), ended);
          expect(done).toMatchObject({ status: outcome, attempts });
          expect(done.omeroImageIds).toHaveLength(images);
          if (outcome === 'FAILED') {
            expect(done).toMatchObject({ errorCode: 'WORKER_LOST', error: 'The worker running this import stopped.' });
          } else {
            expect(done).toMatchObject({ errorCode: null, error: null });
          }
          const stored = await blocker.query<{ id: string }>('SELECT id::text FROM sandbox_images');
          expect(stored.rows.map((row) => row.id)).toEqual(done.omeroImageIds);
          // Each attempt and the outcome are counted once, whichever process recorded them.
          const counted = await blocker.query<{ event_type: string; error_code: string | null }>(
            `SELECT event_type, error_code FROM analytics_events WHERE import_job_id = $1 AND event_type <> 'import_queued'
             ORDER BY id`,
            [jobId],
          );
          expect(counted.rows).toEqual([
            ...Array.from({ length: attempts }, () => ({ event_type: 'import_started', error_code: null })),
            outcome === 'FAILED'
              ? { event_type: 'import_failed', error_code: 'WORKER_LOST' }
              : { event_type: 'import_succeeded', error_code: null },
          ]);
        } finally {
          await blocker.end();
        }
      },
    );
  });

  describe("killed in the sandbox's crash window, then restarted: the retry finishes the import instead of failing or importing twice", () => {
    it.each([
      { window: 'after the file moved into the repository, before its image was recorded', recorded: false },
      { window: "after its image was recorded, before the job's outcome was", recorded: true },
    ])('killed $window', async ({ recorded }) => {
      // Prepare: one heartbeat a second, so the dead worker is noticed within seconds.
      const env = await sharedEnvironment({ IMPORT_HEARTBEAT_SECONDS: '1' });
      const first = spawn(env);
      const url = await waitUntilReady(first);
      const { token, target } = await signInWithTarget(url);
      // While this transaction holds the sandbox's image table, an import that moved its file
      // into the repository waits to record the image; reading it stays possible.
      const images = new pg.Client({ connectionString: env.DATABASE_URL });
      const jobRow = new pg.Client({ connectionString: env.DATABASE_URL });
      await images.connect();
      await jobRow.connect();
      const lockWaits = async () =>
        (
          await images.query<{ waiting: number }>(
            `SELECT count(*)::int AS waiting FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
          )
        ).rows[0].waiting;
      try {
        await images.query('BEGIN');
        await images.query('LOCK TABLE sandbox_images IN EXCLUSIVE MODE');
        const jobId = await uploadForImport(url, token, target, 'crash-window.tiff');
        await waitFor(lockWaits, (waiting) => waiting > 0);
        const [{ source_path: source }] = (
          await jobRow.query<{ source_path: string }>('SELECT source_path FROM import_jobs WHERE id = $1', [jobId])
        ).rows;
        // The file left the uploads for the repository; no image yet.
        expect(existsSync(join(env.DATA_DIR, source))).toBe(false);
        expect(readdirSync(join(env.DATA_DIR, 'sandbox-repository', jobId))).toEqual([basename(source)]);
        if (recorded) {
          // Hold the job's row instead: the image is recorded, the outcome waits.
          await jobRow.query('BEGIN');
          await jobRow.query('SELECT 1 FROM import_jobs WHERE id = $1 FOR UPDATE', [jobId]);
          await images.query('COMMIT');
          await waitFor(
            async () => (await images.query('SELECT id FROM sandbox_images')).rowCount,
            (count) => count === 1,
          );
          await waitFor(lockWaits, (waiting) => waiting > 0);
        }

        // Act: kill the process in that window, release the database, start again.
        first.child.kill('SIGKILL');
        expect(await first.exited).toBe('SIGKILL');
        await images.query('ROLLBACK');
        await jobRow.query('ROLLBACK');
        const second = spawn(env);
        const secondUrl = await waitUntilReady(second);

        // Assert: the second attempt finished the first one's import: SUCCEEDED, one image.
        const done = await waitFor(readJob(secondUrl, token, jobId), ended);
        expect(done).toMatchObject({ status: 'SUCCEEDED', attempts: 2, errorCode: null, error: null });
        const stored = await images.query<{ id: string; repository_path: string }>(
          'SELECT id::text, repository_path FROM sandbox_images',
        );
        expect(stored.rows.map((row) => row.id)).toEqual(done.omeroImageIds);
        expect(done.omeroImageIds).toHaveLength(1);
        expect(existsSync(stored.rows[0].repository_path)).toBe(true);
      } finally {
        await images.end();
        await jobRow.end();
      }
    });
  });

  it('runs a job again within a minute when the instance that took it from the queue died before starting it', async () => {
    // Prepare: a web process queues the job (it runs no workers, so the job stays QUEUED).
    const env = await sharedEnvironment({ IMPORT_HEARTBEAT_SECONDS: '1' });
    const web = spawn({ ...env, APP_ROLE: 'web' });
    const url = await waitUntilReady(web);
    const { token, target } = await signInWithTarget(url);
    const jobId = await uploadForImport(url, token, target, 'fetched-then-lost.tiff');
    // A worker instance takes the job's entry from the queue (a real pg-boss fetch), and dies
    // before claiming the job: its entry stays active, as pg-boss keeps it until it expires.
    const dying = new PgBoss({
      connectionString: env.DATABASE_URL,
      schema: 'pgboss',
      supervise: false,
      schedule: false,
    });
    await dying.start();
    const fetched = await dying.fetch<{ jobId: string }>('omero-import');
    await dying.stop({ graceful: false, wait: true });
    expect(fetched?.map((entry) => entry.data.jobId)).toEqual([jobId]);
    web.child.kill('SIGKILL');
    await web.exited;

    // Act: a fresh instance starts on the same database and DATA_DIR.
    const second = spawn(env);
    const secondUrl = await waitUntilReady(second);

    // Assert: the job runs once a dead fetcher's entry is 4.5 heartbeats old (4.5 s here), not
    // after the two minutes a QUEUED job used to wait; one image, one attempt.
    const done = await waitFor(readJob(secondUrl, token, jobId), ended, 60_000);
    expect(done).toMatchObject({
      status: 'SUCCEEDED',
      attempts: 1,
      errorCode: null,
      omeroImageIds: [expect.any(String)],
    });
    expect(second.stdout()).toContain(`import ${jobId} was queued but no worker took it; queued again`);
  }, 120_000);

  it('runs a job queued through an APP_ROLE=web process in an APP_ROLE=worker process, which serves no HTTP', async () => {
    // Prepare: the web process alone; a subscriber on it.
    const env = await sharedEnvironment();
    const web = spawn({ ...env, APP_ROLE: 'web' });
    const url = await waitUntilReady(web);
    const { token, target } = await signInWithTarget(url);
    const { client } = wsClient(url, { authorization: `Bearer ${token}` });
    const seen: Job[] = [];
    client.subscribe<{ importJobUpdated: Job }>(
      { query: `subscription { importJobUpdated { ${JOB_FIELDS} } }` },
      {
        next: ({ data }) => void (data && seen.push(data.importJobUpdated)),
        error: () => undefined,
        complete: () => undefined,
      },
    );
    try {
      const jobId = await uploadForImport(url, token, target, 'queued-on-web.tiff');
      // Three times the queue's polling interval: a worker in this process would have taken it.
      // The window is the thing under test (that nothing happens), so it stays a pause.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await readJob(url, token, jobId)()).toMatchObject({ status: 'QUEUED', attempts: 0 });

      // Act: a worker process starts beside it, on the same database and DATA_DIR.
      const worker = spawn({ ...env, APP_ROLE: 'worker' });
      await waitUntilWorkerReady(worker);
      expect(listeningPorts(worker.child.pid!)).toEqual([]);
      expect(listeningPorts(web.child.pid!)).toEqual([Number(new URL(url).port)]);

      // Assert: the worker ran it, and the web process's subscriber heard every change.
      const done = await waitFor(readJob(url, token, jobId), ended);
      expect(done).toMatchObject({ status: 'SUCCEEDED', attempts: 1, omeroImageIds: [expect.any(String)] });
      // Published by the worker process, delivered by the web process.
      await waitFor(
        async () => seen.filter((job) => job.id === jobId).map((job) => job.status),
        (statuses) => statuses.includes('SUCCEEDED'),
      );
      // libvips (sharp, ~20 MiB resident) is loaded by the first import, never by a process
      // that only receives uploads.
      expect(hasLibraryLoaded(web.child.pid!, 'libvips')).toBe(false);
      expect(hasLibraryLoaded(worker.child.pid!, 'libvips')).toBe(true);
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
    } finally {
      await client.dispose();
    }
  });
});

// The app killed (SIGKILL) at each step of an import, on the sandbox OMERO, and started again on
// the same DATA_DIR: every job must end SUCCEEDED within about a minute of the restart (the
// default heartbeat of 10 s: a dead worker is noticed after 45 s, by a sweep every 15 s), with
// exactly one image and its upload's bytes intact.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import PgBoss from 'pg-boss';
import pg from 'pg';
import { expect, ROOT, waitFor } from '../harness.mjs';

const SAMPLE = readFileSync(join(ROOT, 'test', 'fixtures', 'samples', 'cells-uint16.tiff'));
const SAMPLE_SHA256 = createHash('sha256').update(SAMPLE).digest('hex');
/** "Within a minute or so" of the restart: the 60 s bound plus a busy machine's slack. */
const WITHIN_MS = 90_000;
const JOB = 'id status attempts errorCode error omeroImageIds';

/** An app on its own embedded PostgreSQL at a known port, so the scenario can reach its database. */
async function startWithDatabase(harness, env = {}) {
  const { findFreePort } = await import(join(ROOT, 'dist', 'src', 'database', 'embedded-postgres.js'));
  const port = String(await findFreePort());
  const app = await harness.startApp({ env: { EMBEDDED_DATABASE_PORT: port, ...env } });
  const password = JSON.parse(readFileSync(join(app.dataDir, 'postgres.json'), 'utf8')).password;
  const databaseUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/omero_uploader`;
  const token = await app.token();
  return { app, token, databaseUrl, port, target: await starterDataset(app, token) };
}

async function starterDataset(app, token) {
  const groups = await app.gql('{ groups { id } }', { token });
  const groupId = groups.body.data.groups[0].id;
  const targets = await app.gql('query($g: ID!) { importTargets(groupId: $g) { id } }', {
    token,
    variables: { g: groupId },
  });
  return { targetType: 'DATASET', targetId: targets.body.data.importTargets[0].id, groupId };
}

/** A tus creation-with-upload of the whole sample; with a target, auto-import queues its job. */
async function upload(app, token, name, target) {
  const metadata = Object.entries({ filename: name, ...(target ?? {}) })
    .map(([key, value]) => `${key} ${Buffer.from(value).toString('base64')}`)
    .join(',');
  const response = await fetch(`${app.url}/api/uploads`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'tus-resumable': '1.0.0',
      'upload-length': String(SAMPLE.length),
      'upload-metadata': metadata,
      'content-type': 'application/offset+octet-stream',
    },
    body: SAMPLE,
  });
  expect(response.status === 201, `upload answered ${response.status}: ${await response.text()}`);
  expect(
    response.headers.get('upload-offset') === String(SAMPLE.length),
    `upload stopped at ${response.headers.get('upload-offset')}`,
  );
  return response.headers.get('location').split('/').pop();
}

async function uploadState(app, token, uploadId) {
  const answer = await app.gql(`query($id: ID!) { upload(id: $id) { status sha256 importJob { ${JOB} } } }`, {
    token,
    variables: { id: uploadId },
  });
  return answer.body.data?.upload;
}

/** Kills the app, runs `between` (the database is still up: its postgres outlives the kill), restarts it. */
async function killAndRestart(harness, started, between = async () => {}) {
  await started.app.kill('SIGKILL');
  const killedAt = Date.now();
  try {
    await between();
  } finally {
    // Also stops the postgres the killed app left behind, whatever `between` did.
    started.app = await harness.startApp({
      dataDir: started.app.dataDir,
      prepared: started.app.prepared,
      env: { EMBEDDED_DATABASE_PORT: started.port },
    });
  }
  return killedAt;
}

/** Waits for the upload's job to end, then checks: SUCCEEDED, one image, upload imported intact. */
async function expectImportedOnce(started, uploadId, killedAt) {
  const { app, token } = started;
  await waitFor(
    async () => {
      const found = await uploadState(app, token, uploadId);
      const status = found?.importJob?.status;
      return status && !['QUEUED', 'RUNNING'].includes(status) ? found : null;
    },
    { ms: WITHIN_MS, every: 250, message: 'the job to end after the restart' },
  );
  const tookMs = Date.now() - killedAt;
  // `upload` and its `importJob` are read by two queries: the job may have ended between them,
  // so the upload's own status is read again now that the job is known to have ended.
  const ended = await uploadState(app, token, uploadId);
  const job = ended.importJob;
  expect(job.status === 'SUCCEEDED', `job ended ${job.status}: ${job.errorCode} ${job.error}`);
  expect(job.omeroImageIds.length === 1, `images: ${JSON.stringify(job.omeroImageIds)}`);
  expect(ended.status === 'IMPORTED' && ended.sha256 === SAMPLE_SHA256, `upload: ${JSON.stringify(ended)}`);
  const db = new pg.Client({ connectionString: started.databaseUrl });
  await db.connect();
  try {
    const images = await db.query('SELECT id::text, repository_path FROM sandbox_images');
    expect(
      images.rows.length === 1 && images.rows[0].id === job.omeroImageIds[0],
      `sandbox images: ${JSON.stringify(images.rows)}`,
    );
    const stored = readFileSync(images.rows[0].repository_path);
    expect(
      createHash('sha256').update(stored).digest('hex') === SAMPLE_SHA256,
      'the repository copy differs from the upload',
    );
  } finally {
    await db.end();
  }
  return `SUCCEEDED ${(tookMs / 1000).toFixed(1)} s after the kill, attempt ${job.attempts}, one image`;
}

const lockWaiters = async (db) =>
  (
    await db.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
    )
  ).rows[0].n;

/**
 * Uploads a file for auto-import while a transaction holds `lock` (a table and its mode), so
 * that the import stops at that table; `reached` waits until it has. Then kills the app,
 * releases the lock and restarts it, and checks that the job ends imported once.
 */
async function killedWhileLocked(harness, lock, name, reached) {
  const started = await startWithDatabase(harness);
  const blocker = new pg.Client({ connectionString: started.databaseUrl });
  blocker.on('error', () => undefined);
  await blocker.connect();
  let uploadId;
  try {
    await blocker.query('BEGIN');
    await blocker.query(`LOCK TABLE ${lock}`);
    uploadId = await upload(started.app, started.token, name, started.target);
    await reached(started, uploadId, blocker);
  } catch (error) {
    await blocker.end().catch(() => undefined);
    throw error;
  }
  const killedAt = await killAndRestart(harness, started, () => blocker.end().catch(() => undefined));
  return expectImportedOnce(started, uploadId, killedAt);
}

export const scenarios = [
  {
    name: 'the app killed after an upload completed, before its import was taken: the job runs after the restart',
    timeoutMs: 240_000,
    async run(harness) {
      // A web-only instance queues the job (auto-import) and no worker takes it.
      const started = await startWithDatabase(harness, { APP_ROLE: 'web' });
      const uploadId = await upload(started.app, started.token, 'a-queued.tiff', started.target);
      const before = await uploadState(started.app, started.token, uploadId);
      expect(before.importJob?.status === 'QUEUED', `before the kill: ${JSON.stringify(before)}`);
      const killedAt = await killAndRestart(harness, started);
      return expectImportedOnce(started, uploadId, killedAt);
    },
  },
  {
    name: 'the app killed right after importUpload answered: the job runs after the restart',
    timeoutMs: 240_000,
    async run(harness) {
      const started = await startWithDatabase(harness);
      const uploadId = await upload(started.app, started.token, 'b-just-queued.tiff');
      const queued = await started.app.gql(
        `mutation($input: ImportUploadInput!) { importUpload(input: $input) { id } }`,
        {
          token: started.token,
          variables: { input: { uploadId, ...started.target } },
        },
      );
      expect(queued.body.data?.importUpload?.id, `importUpload: ${JSON.stringify(queued.body)}`);
      const killedAt = await killAndRestart(harness, started);
      return expectImportedOnce(started, uploadId, killedAt);
    },
  },
  {
    name: 'the app killed between taking the job from the queue and starting it: it runs within a minute',
    timeoutMs: 240_000,
    async run(harness) {
      const started = await startWithDatabase(harness, { APP_ROLE: 'web' });
      const uploadId = await upload(started.app, started.token, 'b-fetched.tiff', started.target);
      // A worker instance takes the entry (a real pg-boss fetch) and dies before claiming the job.
      const dying = new PgBoss({
        connectionString: started.databaseUrl,
        schema: 'pgboss',
        supervise: false,
        schedule: false,
      });
      await dying.start();
      const fetched = await dying.fetch('omero-import');
      await dying.stop({ graceful: false, wait: true });
      expect(fetched?.length === 1, `fetched ${JSON.stringify(fetched)}`);
      const killedAt = await killAndRestart(harness, started);
      return expectImportedOnce(started, uploadId, killedAt);
    },
  },
  {
    name: 'the app killed in the middle of an import: the job runs again within a minute',
    timeoutMs: 240_000,
    run: (harness) =>
      // While this transaction holds the sandbox's containers, an import waits at its
      // permission check inside the sandbox, as on a slow OMERO.
      killedWhileLocked(
        harness,
        'sandbox_containers IN ACCESS EXCLUSIVE MODE',
        'c-mid-import.tiff',
        async (started, uploadId, blocker) => {
          await waitFor(
            async () => (await uploadState(started.app, started.token, uploadId))?.importJob?.status === 'RUNNING',
            { message: 'the job to run' },
          );
          await waitFor(async () => (await lockWaiters(blocker)) > 0, { message: 'the import to wait in the sandbox' });
        },
      ),
  },
  {
    name: "the app killed in the sandbox's crash window (file moved in, image not recorded): the retry finishes it",
    timeoutMs: 240_000,
    run: (harness) =>
      killedWhileLocked(
        harness,
        'sandbox_images IN EXCLUSIVE MODE',
        'd-crash-window.tiff',
        async (started, uploadId, blocker) => {
          await waitFor(async () => (await lockWaiters(blocker)) > 0, { message: 'the import to record its image' });
          const job = (await uploadState(started.app, started.token, uploadId)).importJob;
          expect(
            existsSync(join(started.app.dataDir, 'sandbox-repository', job.id)),
            'the file is not in the repository yet',
          );
        },
      ),
  },
];

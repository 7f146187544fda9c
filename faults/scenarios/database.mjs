// The database going away: frozen (every postgres process stopped) and killed. Requests must
// answer 503 within DATABASE_TIMEOUT_SECONDS instead of hanging, health must say so, and the
// app must recover by itself, restarting its embedded PostgreSQL, losing no upload and no job.
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, ROOT, waitFor } from '../harness.mjs';

const TIMEOUT_SECONDS = 3;
const DATABASE_DOWN = 'The database is not answering; try again in a minute.';
/** Far above the app's bound: only a request that hangs gets here. */
const HANG_MS = 60_000;
const env = { DATABASE_TIMEOUT_SECONDS: String(TIMEOUT_SECONDS), UPLOAD_SWEEP_SECONDS: '1' };

/** The postmaster serving the app's data and every process it started. */
function postgresProcesses(dataDir) {
  const postgresDir = join(dataDir, 'postgres');
  const parents = new Map();
  const tree = [];
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(postgresDir)) tree.push(Number(entry));
    } catch {
      // Gone while we looked.
    }
  }
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, parent] of parents) if (parent === tree[i] && !tree.includes(pid)) tree.push(pid);
  }
  return tree;
}

function signalAll(pids, signal) {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/** Bytes that start like a TIFF, so the upload's content check accepts them. */
function tiffLike(size) {
  const data = randomBytes(size);
  data.set([0x49, 0x49, 0x2a, 0x00]);
  return data;
}

const sha256 = (data) => createHash('sha256').update(data).digest('hex');
const b64 = (text) => Buffer.from(text).toString('base64');

/** A tus upload: created with its first half, finished later from the server's offset. */
async function startUpload(app, token, data, metadata = {}) {
  const fields = { filename: 'outage.tif', ...metadata };
  const response = await fetch(`${app.url}/api/uploads`, {
    method: 'POST',
    headers: {
      'tus-resumable': '1.0.0',
      authorization: `Bearer ${token}`,
      'upload-length': String(data.length),
      'upload-metadata': Object.entries(fields)
        .map(([key, value]) => `${key} ${b64(value)}`)
        .join(','),
      'content-type': 'application/offset+octet-stream',
    },
    body: data.subarray(0, data.length / 2),
  });
  expect(response.status === 201, `creation answered ${response.status}: ${await response.text()}`);
  return response.headers.get('location').split('/').pop();
}

async function finishUpload(app, token, id, data) {
  const headers = { 'tus-resumable': '1.0.0', authorization: `Bearer ${token}` };
  const head = await fetch(`${app.url}/api/uploads/${id}`, { method: 'HEAD', headers });
  const offset = Number(head.headers.get('upload-offset'));
  const patch = await fetch(`${app.url}/api/uploads/${id}`, {
    method: 'PATCH',
    headers: { ...headers, 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' },
    body: data.subarray(offset),
  });
  expect(patch.status === 204, `the rest of the upload answered ${patch.status}: ${await patch.text()}`);
  const upload = await waitFor(
    async () => {
      const { body } = await app.gql('query($id: ID!) { upload(id: $id) { status sha256 } }', {
        token,
        variables: { id },
      });
      return body.data?.upload?.status === 'COMPLETED' && body.data.upload;
    },
    { message: 'the upload to complete' },
  );
  expect(upload.sha256 === sha256(data), `sha256 ${upload.sha256}, expected ${sha256(data)}`);
}

/** The administrator's starter dataset, as upload metadata that makes the upload's import. */
async function importTarget(app, token) {
  const { body: groups } = await app.gql('{ groups { id } }', { token });
  const groupId = groups.data.groups[0].id;
  const { body: targets } = await app.gql('query($g: ID!) { importTargets(groupId: $g) { id } }', {
    token,
    variables: { g: groupId },
  });
  return { targetType: 'DATASET', targetId: targets.data.importTargets[0].id, groupId };
}

/** Uploads the sample TIFF for import (auto-import queues it); resolves with its job. */
async function uploadForImport(app, token) {
  const data = readFileSync(join(ROOT, 'test', 'fixtures', 'samples', 'cells-uint16.tiff'));
  const id = await startUpload(app, token, data, await importTarget(app, token));
  await finishUpload(app, token, id, data);
  const { body } = await app.gql('query($id: ID!) { upload(id: $id) { importJob { id status } } }', {
    token,
    variables: { id },
  });
  return body.data.upload.importJob;
}

/** Waits for the job to end; resolves with its final status. */
function importEnded(app, token, id) {
  return waitFor(
    async () => {
      const { body } = await app.gql('query($id: ID!) { importJob(id: $id) { status } }', { token, variables: { id } });
      const found = body.data?.importJob?.status;
      return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(found) && found;
    },
    { ms: 60_000, message: 'the import to end' },
  );
}

async function health(app) {
  const response = await fetch(`${app.url}/api/health`, { signal: AbortSignal.timeout(HANG_MS) });
  return { status: response.status, body: await response.json() };
}

async function timed(promise) {
  const started = performance.now();
  const result = await promise;
  return { result, seconds: (performance.now() - started) / 1000 };
}

export const scenarios = [
  {
    name: 'database paused: 503 within the timeout, health down, recovers after resume, an upload started before completes',
    async run(harness) {
      const app = await harness.startApp({ env });
      const token = await app.token();
      const data = tiffLike(1024 * 1024);
      const id = await startUpload(app, token, data);
      const frozen = postgresProcesses(app.dataDir);
      expect(frozen.length > 1, `found ${frozen.length} postgres processes`);
      let graphqlSeconds;
      let healthSeconds;
      signalAll(frozen, 'SIGSTOP');
      try {
        const query = await timed(
          fetch(`${app.url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({ query: '{ me { id } uploads { id } }' }),
            signal: AbortSignal.timeout(HANG_MS),
          }).then((response) => response.json()),
        );
        graphqlSeconds = query.seconds;
        const error = query.result.errors?.[0];
        expect(
          error?.extensions?.code === 'SERVICE_UNAVAILABLE' && error.message === DATABASE_DOWN,
          `GraphQL answered ${JSON.stringify(query.result).slice(0, 300)}`,
        );
        const down = await timed(health(app));
        healthSeconds = down.seconds;
        expect(down.result.status === 503, `health answered ${down.result.status}`);
        expect(down.result.body.database?.status === 'down', `health said ${JSON.stringify(down.result.body)}`);
        // Within the bound (with room for a transaction's rollback after its statement timed out).
        expect(graphqlSeconds < 2 * TIMEOUT_SECONDS + 2, `GraphQL answered after ${graphqlSeconds.toFixed(1)} s`);
      } finally {
        signalAll(frozen, 'SIGCONT');
      }
      await waitFor(async () => (await health(app)).status === 200, { message: 'health to say up again' });
      await finishUpload(app, token, id, data);
      expect(app.exitCode === undefined, `the app exited with ${app.exitCode}`);
      return `GraphQL 503 after ${graphqlSeconds.toFixed(1)} s (DATABASE_TIMEOUT_SECONDS=${TIMEOUT_SECONDS}), health 503 after ${healthSeconds.toFixed(1)} s; recovered without restart, upload sha256 right`;
    },
  },
  {
    name: 'embedded database killed: the app restarts it and serves again, an upload started before completes',
    async run(harness) {
      const app = await harness.startApp({ env });
      const token = await app.token();
      const data = tiffLike(1024 * 1024);
      const id = await startUpload(app, token, data);
      const [postmaster] = postgresProcesses(app.dataDir);
      const killedAt = performance.now();
      process.kill(postmaster, 'SIGKILL');
      await waitFor(() => app.output.includes('embedded PostgreSQL restarted'), {
        ms: 60_000,
        message: 'the embedded PostgreSQL to be restarted',
      });
      await waitFor(async () => (await health(app)).status === 200, { message: 'health to say up again' });
      const seconds = (performance.now() - killedAt) / 1000;
      await finishUpload(app, token, id, data);
      // The same process's queue (pg-boss) runs a new import.
      const status = await importEnded(app, token, (await uploadForImport(app, token)).id);
      expect(status === 'SUCCEEDED', `an import after the restart ended ${status}`);
      expect(app.exitCode === undefined, `the app exited with ${app.exitCode}`);
      return `PostgreSQL restarted on the same data and port, health up ${seconds.toFixed(1)} s after the kill; upload sha256 right; a new import SUCCEEDED`;
    },
  },
  {
    name: 'queued import survives the embedded database being killed',
    async run(harness) {
      // A web-only instance queues the import and runs none, so the job is surely waiting.
      const web = await harness.startApp({ env: { ...env, APP_ROLE: 'web' } });
      const token = await web.token();
      const job = await uploadForImport(web, token);
      expect(job?.status === 'QUEUED', `the job is ${JSON.stringify(job)}`);

      const [postmaster] = postgresProcesses(web.dataDir);
      process.kill(postmaster, 'SIGKILL');
      await waitFor(() => web.output.includes('embedded PostgreSQL restarted'), {
        ms: 60_000,
        message: 'the embedded PostgreSQL to be restarted',
      });
      await web.stop();

      // The same data with workers: the job queued before the kill runs.
      const all = await harness.startApp({ env, dataDir: web.dataDir, prepared: web.prepared });
      const status = await importEnded(all, await all.token(), job.id);
      expect(status === 'SUCCEEDED', `the import ended ${status}`);
      return 'the job queued before the kill ran to SUCCEEDED after the restart';
    },
  },
];

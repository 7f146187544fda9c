import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { OmeroWebClient } from '../src/omero/adapters/omero-web.client.js';
import { accessToken, graphql } from './support/clients.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TusClient } from './support/tus.js';
import { omeroEnvFor } from './omero-double/app-env.js';
import { fakeCli } from './omero-double/fake-omero-cli-link.js';
import { FakeOmeroWeb } from './omero-double/fake-omero-web.js';
import { waitFor } from './support/wait-for.js';

/**
 * OMERO ends a session nobody joined for its idle timeout (10 minutes by default; a few
 * seconds here). Queued imports wait longer than that behind other imports, so the app keeps
 * the session of every user with queued or running imports alive, and fails their queued
 * imports early, saying what to do, when the session is gone all the same.
 */

const SAMPLE = join(dirname(new URL(import.meta.url).pathname), 'fixtures', 'samples', 'cells-uint8.tiff');
// Six keep-alive periods (1 s): room for a round delayed by a busy machine, where 3 s was not.
const IDLE_TIMEOUT_MS = 6_000;
const ALICE = { username: 'alice', password: 'alice-omero-password' };
const BOB = { username: 'bob', password: 'bob-omero-password' };
const JOB = 'id status errorCode error attempts omeroImageIds';

interface Job {
  id: string;
  status: string;
  errorCode: string | null;
  error: string | null;
  attempts: number;
  omeroImageIds: string[];
}

describe("OMERO's idle timeout, in the contract double", () => {
  let fake: FakeOmeroWeb;
  beforeAll(async () => {
    fake = await FakeOmeroWeb.start({ idleTimeoutMs: IDLE_TIMEOUT_MS });
    const lab = fake.addGroup('lab');
    fake.addUser({ name: ALICE.username, password: ALICE.password, groups: [lab] });
    fake.addDataset(lab, 'Day 1');
  });
  afterAll(() => fake?.close());

  it('keeps a session that keepalive_ping joins, and ends it once nobody joins it for the idle timeout', async () => {
    // Prepare: signed in through OMERO.web, as the app does.
    const web = new OmeroWebClient({ baseUrl: fake.url, timeoutMs: 5_000 });
    const session = web.newSession();
    await web.fetchCsrfToken(session);
    const context = (await web.login(session, { ...ALICE, serverId: 1 }))!;
    const key = context.sessionUuid;
    const ping = async () => {
      const response = await fetch(`${fake.url}/webclient/keepalive_ping/`, {
        headers: { cookie: `sessionid=${session.cookies.sessionid}` },
      });
      return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
    };

    // Act 1: ping every 300 ms for more than twice the idle timeout.
    const started = Date.now();
    const answers: { status: number; body: string }[] = [];
    await waitFor(
      async () => answers.push(await ping()),
      () => Date.now() - started > 2 * IDLE_TIMEOUT_MS,
      20_000,
      300,
    );
    // Assert 1: the session lived throughout, and each ping said so.
    expect(new Set(answers.map((answer) => JSON.stringify(answer)))).toEqual(
      new Set([JSON.stringify({ status: 200, type: 'text/plain', body: 'OK' })]),
    );
    expect(fake.isSessionLive(key)).toBe(true);

    // Act 2: nobody joins it any more.
    await waitFor(
      () => fake.isSessionLive(key),
      (live) => !live,
    );

    // Assert 2: gone for OMERO.web (still 200 for the keep-alive: the body says it) and for the importer.
    expect(await ping()).toEqual({ status: 200, type: 'text/plain', body: 'Connection Failed' });
    expect(await web.keepalivePing(session)).toBe(false);
    const listing = await fetch(`${fake.url}/api/v0/m/datasets/`, {
      headers: { cookie: `sessionid=${session.cookies.sessionid}` },
    });
    expect({ status: listing.status, body: await listing.json() }).toEqual({
      status: 403,
      body: { message: 'Not logged in' },
    });
    const { cliPath } = await fakeCli();
    const server = `${fake.host}:${fake.blitzPort}`;
    // Asynchronously: the double answering the importer runs in this process.
    const importer = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(
        cliPath,
        ['import', '-s', fake.host, '-p', String(fake.blitzPort), '-k', key, '-d', '1', SAMPLE],
        (_error, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
      );
    });
    expect(importer.code).toBe(11);
    expect(importer.stderr).toContain(`Bad session key. Cannot join ${key} on ${server}.`);
    expect(fake.imports).toEqual([]);
  });
});

describe('queued imports and the OMERO idle timeout (session mode, one import at a time)', () => {
  let fake: FakeOmeroWeb;
  let server: TestApp;
  let dataset: { id: number; groupId: number };

  const gql = <T>(token: string, query: string, variables?: Record<string, unknown>) =>
    graphql<T>(server.url, token, query, variables);
  const readJob = (token: string, id: string) => async () =>
    (await gql<{ importJob: Job }>(token, `query($id: ID!) { importJob(id: $id) { ${JOB} } }`, { id })).data!.importJob;

  /** Uploads the sample with a target: auto-import queues its job. */
  async function queueImport(token: string, name: string): Promise<string> {
    const data = await readFile(SAMPLE);
    const { id: uploadId } = await new TusClient(server.url, token).create(
      name,
      data.length,
      { targetType: 'DATASET', targetId: String(dataset.id), groupId: String(dataset.groupId) },
      data,
    );
    const job = await waitFor(
      async () =>
        (
          await gql<{ upload: { importJob: { id: string } | null } }>(
            token,
            'query($id: ID!) { upload(id: $id) { importJob { id } } }',
            { id: uploadId },
          )
        ).data?.upload.importJob,
      Boolean,
    );
    return job!.id;
  }

  /** Alice's import runs and takes the one import slot until `release` is called. */
  async function longImportOfAlice() {
    const release = fake.holdImports();
    const token = await accessToken(server.url, ALICE.username, ALICE.password);
    const id = await queueImport(token, 'long.tiff');
    await waitFor(readJob(token, id), (job) => job.status === 'RUNNING');
    return { release, token, id };
  }

  beforeAll(async () => {
    fake = await FakeOmeroWeb.start({ idleTimeoutMs: IDLE_TIMEOUT_MS });
    const lab = fake.addGroup('lab');
    fake.addUser({ name: ALICE.username, password: ALICE.password, groups: [lab] });
    fake.addUser({ name: BOB.username, password: BOB.password, groups: [lab] });
    dataset = { id: fake.addDataset(lab, 'Day 1'), groupId: lab };
    server = await startTestApp({
      env: {
        ...omeroEnvFor(fake, (await fakeCli()).cliPath),
        OMERO_IMPORT_MODE: 'session',
        IMPORT_CONCURRENCY: '1',
        OMERO_KEEPALIVE_SECONDS: '1',
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  it('keeps the session of a job queued behind a long import alive past the idle timeout, and imports it', async () => {
    // Prepare: alice's import holds the slot; bob's job waits behind it.
    const alice = await longImportOfAlice();
    const bob = await accessToken(server.url, BOB.username, BOB.password);
    const bobKey = fake.sessionKeysOf('bob').at(-1)!;
    const jobId = await queueImport(bob, 'waiting.tiff');
    const queuedAt = Date.now();

    // Act: more than twice the idle timeout passes with bob's job queued.
    await waitFor(
      () => Date.now() - queuedAt,
      (waited) => waited > 2 * IDLE_TIMEOUT_MS,
    );
    expect(await readJob(bob, jobId)()).toMatchObject({ status: 'QUEUED', attempts: 0 });
    expect(fake.isSessionLive(bobKey)).toBe(true);
    alice.release();

    // Assert: bob's job imports with the session he signed in with.
    const done = await waitFor(readJob(bob, jobId), (job) => !['QUEUED', 'RUNNING'].includes(job.status));
    expect(done).toMatchObject({ status: 'SUCCEEDED', errorCode: null, omeroImageIds: [expect.any(String)] });
    expect(fake.imports.at(-1)).toMatchObject({ username: 'bob', fileName: expect.stringMatching(/^waiting/) });
    expect(await waitFor(readJob(alice.token, alice.id), (job) => job.status !== 'RUNNING')).toMatchObject({
      status: 'SUCCEEDED',
    });
  });

  it('fails the queued imports of a user whose session ended all the same, at once, saying to sign in again and press Retry', async () => {
    // Prepare: bob's job waits behind alice's import.
    const alice = await longImportOfAlice();
    const bob = await accessToken(server.url, BOB.username, BOB.password);
    const jobId = await queueImport(bob, 'orphaned.tiff');

    // Act: OMERO ends bob's session (closed, or OMERO restarted without it).
    fake.expireSessions('bob');

    // Assert: his job fails while alice's import still runs, rather than when its turn comes.
    const failed = await waitFor(readJob(bob, jobId), (job) => job.status !== 'QUEUED');
    expect(failed).toMatchObject({
      status: 'FAILED',
      attempts: 0,
      errorCode: 'SESSION_EXPIRED',
      error: 'Your OMERO session ended; sign in again and press Retry.',
    });
    expect(await readJob(alice.token, alice.id)()).toMatchObject({ status: 'RUNNING' });
    alice.release();

    // Doing what it says works.
    const renewed = await accessToken(server.url, BOB.username, BOB.password);
    expect((await gql(renewed, 'mutation($id: ID!) { retryImport(id: $id) { id } }', { id: jobId })).errors).toBe(
      undefined,
    );
    const retried = await waitFor(readJob(renewed, jobId), (job) => !['QUEUED', 'RUNNING'].includes(job.status));
    expect(retried).toMatchObject({ status: 'SUCCEEDED', omeroImageIds: [expect.any(String)] });
  });
});

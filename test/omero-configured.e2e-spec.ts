import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { graphql, login, type GraphQLResponse } from './support/clients.js';
import { ADMIN, startTestApp, type TestApp } from './support/test-app.js';
import { TusClient } from './support/tus.js';
import { fakeCli, type CliCall } from './omero-double/fake-omero-cli-link.js';
import { FakeOmeroWeb } from './omero-double/fake-omero-web.js';
import { waitFor } from './support/wait-for.js';

/**
 * The app with OMERO_* naming a (fake) OMERO: sign-in with OMERO accounts, groups and targets
 * from OMERO.web as the signed-in user, and imports through (a fake) `omero import` with that
 * user's session. Runs against the contract double of OMERO (test/omero-double/, see docs/omero.md).
 */

const HERE = dirname(new URL(import.meta.url).pathname);
const SAMPLE = join(HERE, 'fixtures', 'samples', 'cells-uint8.tiff');
const ALICE = { username: 'alice', password: 'alice-omero-password' };
const BOB = { username: 'bob', password: 'bob-omero-password' };
const CAROL = { username: 'carol', password: 'carol-omero-password' };
const DAVE = { username: 'dave', password: 'dave-omero-password' };
const JOB = 'id status errorCode error omeroImageIds attempts';

interface Job {
  id: string;
  status: string;
  errorCode: string | null;
  error: string | null;
  omeroImageIds: string[];
  attempts: number;
}

describe('the app with an OMERO server configured', () => {
  let fake: FakeOmeroWeb;
  let server: TestApp;
  let cliCalls: () => CliCall[];
  let lab: number;
  let imaging: number;
  let day1: number;
  let readOnly: number;
  let scans: number;
  /** Every answer the app gave in these tests, to look for session keys in. */
  const answers: string[] = [];

  async function signIn(who: { username: string; password: string }, headers: Record<string, string> = {}) {
    const response = await login(server.url, who.username, who.password, headers);
    const body = (await response.json()) as { accessToken?: string; user?: { id: string; roles: string[] } };
    answers.push(JSON.stringify(body));
    return { status: response.status, body };
  }

  async function tokenOf(who: { username: string; password: string }): Promise<string> {
    const { status, body } = await signIn(who);
    expect(status).toBe(200);
    return body.accessToken!;
  }

  async function gql<T>(token: string, query: string, variables?: Record<string, unknown>) {
    const result: GraphQLResponse<T> = await graphql<T>(server.url, token, query, variables);
    answers.push(JSON.stringify(result));
    return result;
  }

  /** Uploads the sample with a target, so that auto-import queues its job, and waits for the job's end. */
  async function uploadAndImport(token: string, name: string, target: { id: number; groupId: number }) {
    const data = await readFile(SAMPLE);
    const { id: uploadId } = await new TusClient(server.url, token).create(
      name,
      data.length,
      { targetType: 'DATASET', targetId: String(target.id), groupId: String(target.groupId) },
      data,
    );
    const job = await waitFor(
      async () =>
        (
          await gql<{ upload: { importJob: Job | null } }>(
            token,
            `query($id: ID!) { upload(id: $id) { importJob { ${JOB} } } }`,
            { id: uploadId },
          )
        ).data?.upload.importJob,
      (found) => Boolean(found && ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(found.status)),
      30_000,
    );
    return { uploadId, job: job! };
  }

  beforeAll(async () => {
    fake = await FakeOmeroWeb.start();
    lab = fake.addGroup('lab');
    imaging = fake.addGroup('imaging');
    fake.addUser({ name: ALICE.username, password: ALICE.password, groups: [lab, imaging] });
    fake.addUser({ name: BOB.username, password: BOB.password, groups: [imaging] });
    fake.addUser({ name: CAROL.username, password: CAROL.password, groups: [lab], admin: true });
    fake.addUser({ name: DAVE.username, password: DAVE.password, groups: [lab] });
    const cells = fake.addProject(lab, 'Cells');
    day1 = fake.addDataset(lab, 'Day 1', { projects: [cells] });
    readOnly = fake.addDataset(lab, 'Read only', { owner: 'carol' });
    fake.setCanLink('alice', 'Dataset', readOnly, false);
    scans = fake.addDataset(imaging, 'Scans');

    const cli = await fakeCli();
    cliCalls = cli.calls;

    server = await startTestApp({
      env: {
        ...fake.appEnv(cli.cliPath),
        // A failure that may be temporary ends the job at once instead of after 30 s and 60 s.
        IMPORT_MAX_ATTEMPTS: '1',
        LOGIN_MAX_FAILURES_PER_USER: '3',
      },
    });
  });

  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  describe('sign-in with OMERO accounts', () => {
    it('signs in with OMERO credentials and answers the usual token, for an account made then', async () => {
      const { status, body } = await signIn(ALICE);

      expect(status).toBe(200);
      expect(body.user).toEqual({ id: expect.any(String), username: 'alice', roles: ['user'] });
      const me = await gql(body.accessToken!, '{ me { id username roles } }');
      expect(me.data).toEqual({ me: body.user });
      // No password of its own: OMERO checks it.
      const rows = await query('SELECT password_hash FROM users WHERE id = $1', [body.user!.id]);
      expect(rows).toEqual([{ password_hash: null }]);
      // Signing in again finds the same account.
      expect((await signIn(ALICE)).body.user!.id).toBe(body.user!.id);
    });

    it("gives OMERO's administrators the admin role, and takes it away when OMERO does", async () => {
      const first = await signIn(CAROL);
      expect(first.body.user!.roles).toEqual(['user', 'admin']);
      const asAdmin = await gql(
        first.body.accessToken!,
        'mutation { setFeatureFlag(key: "newUploader", enabled: true) { key } }',
      );
      expect(asAdmin.errors).toBeUndefined();

      fake.setAdmin('carol', false);
      const second = await signIn(CAROL);

      expect(second.body.user).toEqual({ ...first.body.user, roles: ['user'] });
      // The earlier token answers with the new roles too: every request reloads the user.
      for (const token of [first.body.accessToken!, second.body.accessToken!]) {
        const refused = await gql(token, 'mutation { setFeatureFlag(key: "newUploader", enabled: true) { key } }');
        expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      }

      fake.setAdmin('carol', true);
      expect((await signIn(CAROL)).body.user!.roles).toEqual(['user', 'admin']);
    });

    it('answers a wrong password or an unknown user with the same 401 as ever, and still throttles', async () => {
      const expected = { statusCode: 401, code: 'UNAUTHENTICATED', message: 'The username or password is incorrect.' };

      const wrong = await signIn({ ...DAVE, password: 'not-the-password' });
      const unknown = await signIn({ username: 'nobody', password: 'whatever-password' });

      expect(wrong).toEqual({ status: 401, body: expected });
      expect(unknown).toEqual({ status: 401, body: expected });
      await signIn({ ...DAVE, password: 'still-wrong' });
      await signIn({ ...DAVE, password: 'wrong-again' });
      const throttled = await signIn(DAVE);
      expect(throttled.status).toBe(429);
      expect(await query('SELECT 1 FROM users WHERE username = $1', ['nobody'])).toEqual([]);
    });

    it('lets no one in with a local password: no built-in administrator, and no accounts made here', async () => {
      expect((await signIn(ADMIN)).status).toBe(401);
      expect(await query('SELECT 1 FROM users WHERE username = $1', [ADMIN.username])).toEqual([]);

      const created = await gql(
        await tokenOf(CAROL),
        'mutation { createUser(input: { username: "eve", password: "eve-password" }) { id } }',
      );
      expect(created.errors?.[0]).toMatchObject({
        extensions: { code: 'BAD_USER_INPUT' },
        message: expect.stringContaining('OMERO accounts'),
      });
      const changed = await gql(
        await tokenOf(ALICE),
        'mutation { changePassword(input: { currentPassword: "alice-omero-password", newPassword: "another-password" }) }',
      );
      expect(changed.errors?.[0].message).toMatch(/change it in OMERO/);
    });
  });

  describe('groups, targets and imports as the signed-in user', () => {
    it("lists the user's groups and targets from OMERO.web, with OMERO's canLink", async () => {
      const alice = await tokenOf(ALICE);
      const bob = await tokenOf(BOB);

      const groups = await gql(alice, '{ groups { id name sandbox } }');
      const targets = await gql(
        alice,
        'query($g: ID!) { importTargets(groupId: $g) { id name projectName canLink sandbox } }',
        {
          g: String(lab),
        },
      );

      expect(groups.data).toEqual({
        groups: [
          { id: String(imaging), name: 'imaging', sandbox: false },
          { id: String(lab), name: 'lab', sandbox: false },
        ],
      });
      expect(targets.data).toEqual({
        importTargets: [
          { id: String(day1), name: 'Day 1', projectName: 'Cells', canLink: true, sandbox: false },
          { id: String(readOnly), name: 'Read only', projectName: null, canLink: false, sandbox: false },
        ],
      });
      expect((await gql(bob, '{ groups { name } }')).data).toEqual({ groups: [{ name: 'imaging' }] });
    });

    it('imports an upload completed with a target through omero import, as its owner, to SUCCEEDED', async () => {
      const token = await tokenOf(ALICE);
      const callsBefore = cliCalls().length;

      const { uploadId, job } = await uploadAndImport(token, 'scan-1.tiff', { id: scans, groupId: imaging });

      expect(job).toMatchObject({ status: 'SUCCEEDED', errorCode: null, attempts: 1 });
      const accepted = fake.imports.at(-1)!;
      expect(accepted).toMatchObject({ username: 'alice', groupId: imaging, targetId: scans, transfer: 'upload_rm' });
      expect(job.omeroImageIds).toEqual(accepted.imageIds.map(String));
      // With the session of alice's latest sign-in: switched to the target's group, then imported.
      const [switched, imported] = cliCalls().slice(callsBefore);
      const key = fake.sessionKeysOf('alice').at(-1)!;
      expect(switched.argv).toEqual(expect.arrayContaining(['sessions', '-k', key, 'group', String(imaging)]));
      expect(imported.argv).toEqual(expect.arrayContaining(['import', '-k', key, '-d', String(scans)]));
      const upload = await gql<{ upload: { status: string } }>(
        token,
        'query($id: ID!) { upload(id: $id) { status } }',
        {
          id: uploadId,
        },
      );
      expect(upload.data?.upload.status).toBe('IMPORTED');
    });

    it('answers UNAUTHENTICATED asking to sign in again, and fails imports with SESSION_EXPIRED, once OMERO ends the session', async () => {
      const token = await tokenOf(BOB);
      fake.expireSessions('bob');

      const groups = await gql(token, '{ groups { id } }');
      const targets = await gql(token, 'query($g: ID!) { importTargets(groupId: $g) { id } }', { g: String(imaging) });
      const { job } = await uploadAndImport(token, 'late.tiff', { id: scans, groupId: imaging });

      for (const answer of [groups, targets]) {
        expect(answer.data).toBeNull();
        expect(answer.errors?.[0]).toMatchObject({
          extensions: { code: 'UNAUTHENTICATED' },
          message: expect.stringMatching(/OMERO session has expired\. Sign in again/),
        });
      }
      expect(job).toMatchObject({
        status: 'FAILED',
        errorCode: 'SESSION_EXPIRED',
        error: expect.stringMatching(/Sign in again/),
      });
      // The app's own token still works: only OMERO's session ended.
      expect((await gql(token, '{ me { username } }')).data).toEqual({ me: { username: 'bob' } });

      // Signing in again gives a new session, which listings and a retried import use.
      const renewed = await tokenOf(BOB);
      expect((await gql(renewed, '{ groups { name } }')).data).toEqual({ groups: [{ name: 'imaging' }] });
      await gql(renewed, 'mutation($id: ID!) { retryImport(id: $id) { id } }', { id: job.id });
      const retried = await waitFor(
        async () =>
          (await gql<{ importJob: Job }>(renewed, `query($id: ID!) { importJob(id: $id) { ${JOB} } }`, { id: job.id }))
            .data?.importJob,
        (found) => found?.status === 'SUCCEEDED' || found?.status === 'FAILED',
        30_000,
      );
      expect(retried).toMatchObject({ status: 'SUCCEEDED', omeroImageIds: [expect.stringMatching(/^\d+$/)] });
    });

    it('keeps session keys out of every answer and log line, and encrypted in the database', async () => {
      const keys = ['alice', 'bob', 'carol'].flatMap((name) => fake.sessionKeysOf(name));
      expect(keys.length).toBeGreaterThan(5);
      expect(answers.length).toBeGreaterThan(20);

      const stored = await query('SELECT key_digest, sealed FROM omero_sessions');
      const everything = [...answers, JSON.stringify(server.logs), JSON.stringify(stored)].join('\n');
      for (const key of keys) expect(everything).not.toContain(key);
      // One session per user: their latest sign-in's.
      expect(await query('SELECT count(*)::int AS n FROM omero_sessions WHERE user_id IS NOT NULL')).toEqual([
        { n: 3 },
      ]);
    });
  });

  describe('an unreachable OMERO', () => {
    it('answers sign-in with 503 and a message that says so, without counting it as a failed attempt', async () => {
      const token = await tokenOf(ALICE);
      await fake.stopOmeroServer();

      // More attempts than LOGIN_MAX_FAILURES_PER_USER allows failures.
      const attempts = [];
      for (let n = 0; n < 4; n++) attempts.push(await signIn(ALICE));

      for (const attempt of attempts) {
        expect(attempt).toEqual({
          status: 503,
          body: {
            statusCode: 503,
            code: 'SERVICE_UNAVAILABLE',
            message: expect.stringMatching(/OMERO, which checks your password, cannot be reached\. Try again/),
          },
        });
      }
      // OMERO.web's address and what to check there are for the log, not for anyone at the sign-in page.
      expect(JSON.stringify(attempts)).not.toContain(fake.url);

      // OMERO.web itself gone as well: sign-in and listings say OMERO cannot be reached.
      const webUrl = fake.url;
      await fake.close();
      expect((await signIn(ALICE)).status).toBe(503);
      const groups = await gql(token, '{ groups { id } }');
      expect(groups.errors?.[0]).toMatchObject({
        extensions: { code: 'SERVICE_UNAVAILABLE' },
        message: expect.stringMatching(/^OMERO cannot be reached right now\. Try again/),
      });
      expect(JSON.stringify(groups)).not.toContain(webUrl);
      expect(server.logs.some((line) => String(line.msg).includes(`Cannot reach OMERO.web at ${webUrl}`))).toBe(true);
    });
  });

  async function query(sql: string, parameters: unknown[] = []): Promise<unknown[]> {
    const client = new pg.Client({ connectionString: server.databaseUrl });
    await client.connect();
    try {
      return (await client.query(sql, parameters)).rows;
    } finally {
      await client.end();
    }
  }
});

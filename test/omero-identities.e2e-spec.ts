import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { accessToken, createUser, graphql, login } from './support/clients.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TusClient } from './support/tus.js';
import { fakeCli, type CliCall } from './omero-double/fake-omero-cli-link.js';
import { FakeOmeroWeb } from './omero-double/fake-omero-web.js';
import { waitFor } from './support/wait-for.js';

/**
 * OMERO identities are exact: with OMERO's default, "Alice" and "alice" are two users, and here
 * two accounts, known by OMERO's user id, each with its own uploads, tokens and OMERO session.
 */

const HERE = dirname(new URL(import.meta.url).pathname);
const SAMPLE = join(HERE, 'fixtures', 'samples', 'cells-uint8.tiff');
const UPPER = { username: 'Alice', password: 'upper-alice-password' };
const LOWER = { username: 'alice', password: 'lower-alice-password' };

interface Job {
  status: string;
  errorCode: string | null;
}

describe('OMERO users whose names differ only in case', () => {
  let fake: FakeOmeroWeb;
  let server: TestApp;
  let cliCalls: () => CliCall[];
  const ids = { upper: 0, lower: 0 };
  const groups = { optics: 0, lab: 0 };
  const datasets = { optics: 0, lab: 0 };

  async function signIn(who: { username: string; password: string }) {
    const response = await login(server.url, who.username, who.password);
    const body = (await response.json()) as { accessToken?: string; user?: { id: string; username: string } };
    return { status: response.status, token: body.accessToken!, user: body.user! };
  }

  const query = (sql: string, parameters: unknown[] = []) => queryOf(server, sql, parameters);

  /** Uploads the sample into `datasetId` (auto-import queues its job) and waits for the job's end. */
  async function importAs(token: string, datasetId: number, groupId: number) {
    const data = await readFile(SAMPLE);
    const { id } = await new TusClient(server.url, token).create(
      `${randomBytes(4).toString('hex')}.tiff`,
      data.length,
      { targetType: 'DATASET', targetId: String(datasetId), groupId: String(groupId) },
      data,
    );
    const job = await waitFor(
      async () =>
        (
          await graphql<{ upload: { importJob: Job | null } }>(
            server.url,
            token,
            'query($id: ID!) { upload(id: $id) { importJob { status errorCode } } }',
            { id },
          )
        ).data?.upload.importJob,
      (found) => Boolean(found && ['SUCCEEDED', 'FAILED'].includes(found.status)),
      30_000,
    );
    return { uploadId: id, job: job! };
  }

  beforeAll(async () => {
    fake = await FakeOmeroWeb.start();
    groups.optics = fake.addGroup('optics');
    groups.lab = fake.addGroup('lab');
    ids.upper = fake.addUser({ name: UPPER.username, password: UPPER.password, groups: [groups.optics] });
    ids.lower = fake.addUser({ name: LOWER.username, password: LOWER.password, groups: [groups.lab] });
    datasets.optics = fake.addDataset(groups.optics, 'Optics bench', { owner: UPPER.username });
    datasets.lab = fake.addDataset(groups.lab, 'Lab bench', { owner: LOWER.username });
    const cli = await fakeCli();
    cliCalls = cli.calls;
    server = await startTestApp({
      env: { ...fake.appEnv(cli.cliPath), IMPORT_MAX_ATTEMPTS: '1' },
    });
  });

  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  it('gives them two accounts, keyed by OMERO user id, each listing its own groups', async () => {
    const upper = await signIn(UPPER);
    const lower = await signIn(LOWER);
    const crossed = await signIn({ username: 'alice', password: UPPER.password });

    expect([upper.status, lower.status, crossed.status]).toEqual([200, 200, 401]);
    expect(upper.user.username).toBe('Alice');
    expect(lower.user.username).toBe('alice');
    expect(upper.user.id).not.toBe(lower.user.id);
    expect(await query('SELECT username, omero_user_id::int AS omero FROM users ORDER BY omero_user_id')).toEqual([
      { username: 'Alice', omero: ids.upper },
      { username: 'alice', omero: ids.lower },
    ]);
    const upperGroups = await graphql(server.url, upper.token, '{ groups { id name } }');
    const lowerGroups = await graphql(server.url, lower.token, '{ groups { id name } }');
    expect(upperGroups.data).toEqual({ groups: [{ id: String(groups.optics), name: 'optics' }] });
    expect(lowerGroups.data).toEqual({ groups: [{ id: String(groups.lab), name: 'lab' }] });
    // Signing in again finds each one's own account.
    expect((await signIn(UPPER)).user.id).toBe(upper.user.id);
  });

  it('keeps their uploads and API tokens apart', async () => {
    const upper = await signIn(UPPER);
    const lower = await signIn(LOWER);
    const created = await graphql<{ createApiToken: { token: string } }>(
      server.url,
      upper.token,
      'mutation { createApiToken(name: "Alice\'s script") { token } }',
    );
    const { uploadId } = await importAs(upper.token, datasets.optics, groups.optics);

    const lowerTokens = await graphql(server.url, lower.token, '{ apiTokens { name } }');
    const lowerUploads = await graphql<{ uploads: { id: string }[] }>(server.url, lower.token, '{ uploads { id } }');
    const viaToken = await graphql(server.url, created.data!.createApiToken.token, '{ me { username } }');

    expect(lowerTokens.data).toEqual({ apiTokens: [] });
    expect(lowerUploads.data!.uploads.map((upload) => upload.id)).not.toContain(uploadId);
    expect((await new TusClient(server.url, lower.token).head(uploadId)).status).toBe(404);
    expect(viaToken.data).toEqual({ me: { username: 'Alice' } });
  });

  it("imports each one's uploads with their own OMERO session, whoever signed in last", async () => {
    const upper = await signIn(UPPER);
    const lower = await signIn(LOWER);
    const callsBefore = cliCalls().length;

    const upperImport = await importAs(upper.token, datasets.optics, groups.optics);
    const lowerImport = await importAs(lower.token, datasets.lab, groups.lab);

    expect(upperImport.job).toEqual({ status: 'SUCCEEDED', errorCode: null });
    expect(lowerImport.job).toEqual({ status: 'SUCCEEDED', errorCode: null });
    expect(fake.imports.slice(-2)).toMatchObject([
      { username: 'Alice', targetId: datasets.optics, groupId: groups.optics },
      { username: 'alice', targetId: datasets.lab, groupId: groups.lab },
    ]);
    const keysUsed = cliCalls()
      .slice(callsBefore)
      .flatMap((call) => (call.argv?.includes('import') ? [call.argv[call.argv.indexOf('-k') + 1]] : []));
    expect(keysUsed).toEqual([fake.sessionKeysOf('Alice').at(-1), fake.sessionKeysOf('alice').at(-1)]);
  });

  it('follows a rename in OMERO to the same account', async () => {
    fake.addUser({ name: 'erin', password: 'erin-password', groups: [groups.lab] });
    const before = await signIn({ username: 'erin', password: 'erin-password' });

    fake.renameUser('erin', 'erin.m');
    const after = await signIn({ username: 'erin.m', password: 'erin-password' });

    expect(after.status).toBe(200);
    expect(after.user).toEqual({ ...before.user, username: 'erin.m' });
    expect((await signIn({ username: 'erin', password: 'erin-password' })).status).toBe(401);
    expect((await graphql(server.url, before.token, '{ me { username } }')).data).toEqual({
      me: { username: 'erin.m' },
    });
  });

  it('gives an account made before OMERO ids to the exact name only, never its session to a lookalike', async () => {
    // As an account made by OMERO sign-in before ids were kept is left: a name, no id, and the
    // session of whichever case twin signed in last, with an API token to act through.
    const [legacy] = await query(`INSERT INTO users (username, role) VALUES ('Grace', 'user') RETURNING id`);
    const token = `omu_${randomBytes(32).toString('base64url')}`;
    await query(`INSERT INTO api_tokens (user_id, name, token_hash, token_prefix) VALUES ($1, 'old', $2, $3)`, [
      legacy.id,
      createHash('sha256').update(token).digest('hex'),
      token.slice(0, 12),
    ]);
    const graceLower = fake.addUser({ name: 'grace', password: 'lower-grace', groups: [groups.lab] });
    const graceUpper = fake.addUser({ name: 'Grace', password: 'upper-grace', groups: [groups.optics] });

    const lower = await signIn({ username: 'grace', password: 'lower-grace' });
    await query('UPDATE omero_sessions SET user_id = $1 WHERE user_id = $2', [legacy.id, lower.user.id]);
    const withLookalikeSession = await graphql(server.url, token, '{ groups { name } }');
    const upper = await signIn({ username: 'Grace', password: 'upper-grace' });
    const withOwnSession = await graphql(server.url, token, '{ groups { name } }');

    expect(lower.user.id).not.toBe(legacy.id);
    expect(withLookalikeSession.errors?.[0]).toMatchObject({
      extensions: { code: 'UNAUTHENTICATED' },
      message: expect.stringMatching(/Sign in again/),
    });
    expect(upper.user).toEqual({ id: legacy.id, username: 'Grace', roles: ['user'] });
    expect(withOwnSession.data).toEqual({ groups: [{ name: 'optics' }] });
    expect(
      await query(`SELECT id, omero_user_id::int AS omero FROM users WHERE lower(username) = 'grace' ORDER BY 2`),
    ).toEqual([
      { id: lower.user.id, omero: graceLower },
      { id: legacy.id, omero: graceUpper },
    ]);
  });
});

describe("the app's own accounts beside OMERO-made ones (sandbox)", () => {
  let server: TestApp;
  let adminToken: string;

  beforeAll(async () => {
    server = await startTestApp();
    adminToken = await accessToken(server.url);
  });
  afterAll(() => server.close());

  it('finds its own accounts regardless of case, and one OMERO made only by its exact name', async () => {
    const olga = await createUser(server.url, adminToken, 'Olga');
    // As OMERO sign-in leaves an account it claimed, before OMERO was unconfigured again.
    await queryOf(server, 'UPDATE users SET omero_user_id = 4242 WHERE id = $1', [olga.id]);

    const lookalike = await login(server.url, 'olga', olga.password);
    const exact = await login(server.url, 'Olga', olga.password);
    const own = await createUser(server.url, adminToken, 'olga', 'own-olga-password');
    const taken = await graphql(
      server.url,
      adminToken,
      'mutation { createUser(input: { username: "OLGA", password: "a-long-password" }) { id } }',
    );
    const ownAnyCase = await login(server.url, 'OLGA', 'own-olga-password');

    expect(lookalike.status).toBe(401);
    expect(exact.status).toBe(200);
    expect(own.id).not.toBe(olga.id);
    expect(taken.errors?.[0].extensions?.code).toBe('CONFLICT');
    expect(((await ownAnyCase.json()) as { user: { id: string } }).user.id).toBe(own.id);
  });
});

async function queryOf(server: TestApp, sql: string, parameters: unknown[] = []): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: server.databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql, parameters)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

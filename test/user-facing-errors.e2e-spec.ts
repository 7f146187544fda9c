import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { ScrubImportJobErrors1764500000000 } from '../src/database/migrations/1764500000000-scrub-import-job-errors.js';
import { graphql, login } from './support/clients.js';
import { internalsIn } from './support/internals.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TusClient } from './support/tus.js';
import { fakeCli, type CliCall } from './omero-double/fake-omero-cli-link.js';
import { FakeOmeroWeb } from './omero-double/fake-omero-web.js';
import { waitFor } from './support/wait-for.js';

/**
 * Users never read the inside of the system: the `error` of a failed import, and every other
 * message a user gets, names no server address, OMERO.web URL, server path or command line.
 * The detail goes to the log and to ImportJob.importerLog, which only administrators read.
 * And the `omero` child process gets an allow-listed environment: no secret of the app's.
 * Runs the app against the contract double of OMERO (test/omero-double/).
 */

const HERE = dirname(new URL(import.meta.url).pathname);
const SAMPLE = join(HERE, 'fixtures', 'samples', 'cells-uint8.tiff');
const ALICE = { username: 'alice', password: 'alice-omero-password' };
const CAROL = { username: 'carol', password: 'carol-omero-password' };
const JOB = 'id status errorCode error importerLog';
/** Variables the app's environment holds that the importer must never see. */
const SECRETS = {
  SOME_NEW_SECRET: 'new-secret-value-5d1e',
  JWT_SECRET: 'jwt-secret-in-the-environment-0c7b2',
  DATABASE_URL: 'postgres://app:db-password-93ab@db.internal:5432/uploader',
  OMERO_SUDO_PASSWORD: 'sudo-password-in-env-71f0',
  AWS_SECRET_ACCESS_KEY: 'aws-secret-42',
};
/** What the importer needs to run, which must get through. */
const NEEDED = { LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', TZ: 'Europe/Paris', JAVA_OPTS: '-Xmx2g', OMERO_USERDIR: '/tmp' };

interface Job {
  id: string;
  status: string;
  errorCode: string | null;
  error: string | null;
  importerLog: string | null;
}

describe('what users read when things fail', () => {
  let fake: FakeOmeroWeb;
  let webUrl: string;
  let server: TestApp;
  let cli: Awaited<ReturnType<typeof fakeCli>>;
  let importRoot: string;
  let day1: number;
  let lab: number;
  let alice: string;
  let carol: string;
  const saved: Record<string, string | undefined> = {};
  /** Everything a user was told, with where it came from. */
  const told: [string, string][] = [];

  async function tokenOf(who: { username: string; password: string }): Promise<string> {
    const response = await login(server.url, who.username, who.password);
    expect(response.status).toBe(200);
    return ((await response.json()) as { accessToken: string }).accessToken;
  }

  async function jobAs(token: string, id: string): Promise<Job> {
    const result = await graphql<{ importJob: Job }>(
      server.url,
      token,
      `query($id: ID!) { importJob(id: $id) { ${JOB} } }`,
      { id },
    );
    return result.data!.importJob;
  }

  /** Uploads the sample with a target (auto-import queues its job) and waits for the job's end. */
  async function uploadAndImport(name: string): Promise<Job> {
    const data = await readFile(SAMPLE);
    const { id: uploadId } = await new TusClient(server.url, alice).create(
      name,
      data.length,
      { targetType: 'DATASET', targetId: String(day1), groupId: String(lab) },
      data,
    );
    const job = await waitFor(
      async () =>
        (
          await graphql<{ upload: { importJob: Job | null } }>(
            server.url,
            alice,
            `query($id: ID!) { upload(id: $id) { importJob { ${JOB} } } }`,
            { id: uploadId },
          )
        ).data?.upload.importJob,
      (found) => Boolean(found && ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(found.status)),
      30_000,
    );
    return job!;
  }

  /** The user's view and the administrator's view of a failed job, and the app's log about it. */
  async function failedImport(name: string, code: string) {
    const asUser = await uploadAndImport(name);
    expect(asUser).toMatchObject({ status: 'FAILED', errorCode: code, importerLog: null });
    told.push([`${code} job error`, asUser.error!]);
    const asAdmin = await jobAs(carol, asUser.id);
    expect(asAdmin.error).toBe(asUser.error);
    expect(asAdmin.importerLog).toEqual(expect.any(String));
    const logged = server.logs.filter((line) => line.event === 'import_failed' && line.jobId === asUser.id);
    expect(logged).toHaveLength(1);
    return { asUser, asAdmin, logged: JSON.stringify(logged) };
  }

  beforeAll(async () => {
    // The app runs in this process: the importer is spawned from this environment.
    for (const [name, value] of Object.entries({ ...SECRETS, ...NEEDED })) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    fake = await FakeOmeroWeb.start();
    webUrl = fake.url;
    lab = fake.addGroup('lab');
    fake.addUser({ name: ALICE.username, password: ALICE.password, groups: [lab] });
    fake.addUser({ name: CAROL.username, password: CAROL.password, groups: [lab], admin: true });
    day1 = fake.addDataset(lab, 'Day 1');
    cli = await fakeCli();
    importRoot = await mkdtemp(join(tmpdir(), 'import-root-'));
    await writeFile(join(importRoot, 'cells.tif'), await readFile(SAMPLE));
    server = await startTestApp({
      env: {
        OMERO_WEB_URL: fake.url,
        OMERO_HOST: fake.host,
        OMERO_PORT: String(fake.blitzPort),
        OMERO_CLI: cli.cliPath,
        OMERO_TIMEOUT_SECONDS: '5',
        IMPORT_MAX_ATTEMPTS: '1',
        IMPORT_ROOT: importRoot,
      },
    });
    alice = await tokenOf(ALICE);
    carol = await tokenOf(CAROL);
  });

  afterAll(async () => {
    await server?.close();
    await fake?.close();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('gives the omero process only the allow-listed environment, and imports with it', async () => {
    const before = cli.calls().length;

    const job = await uploadAndImport('env.tiff');

    expect(job).toMatchObject({ status: 'SUCCEEDED', error: null });
    const calls: CliCall[] = cli.calls().slice(before);
    expect(calls.map((call) => call.argv?.[0])).toEqual(['sessions', 'import']);
    for (const call of calls) {
      const env = call.env!;
      for (const name of Object.keys(SECRETS)) expect({ name, value: env[name] }).toEqual({ name, value: undefined });
      expect(JSON.stringify(env)).not.toMatch(/secret|db-password/);
      expect(env).toMatchObject({ ...NEEDED, PATH: process.env.PATH, HOME: process.env.HOME });
      // The session store of this import alone.
      expect(env.OMERO_SESSIONDIR).toMatch(/omero-import-/);
      // Nothing else of the app's environment (jest's, npm's) came along.
      expect(Object.keys(env).filter((name) => /^(JEST|npm_|NODE_OPTIONS|TEST_DATABASE_URL)/.test(name))).toEqual([]);
    }
  });

  it("keeps the importer's words (paths, OMERO's address) for administrators when Bio-Formats cannot read a file", async () => {
    await cli.setScenario('unreadable');

    const { asUser, asAdmin, logged } = await failedImport('unreadable.tiff', 'UNREADABLE_FILE');

    expect(asUser.error).toMatch(/OMERO cannot read unreadable\.tiff: Bio-Formats does not recognise it/);
    // The importer named the stored file's path and the OMERO server: the administrator reads them.
    expect(asAdmin.importerLog).toMatch(/UnknownFormatException: Unknown file format: \/\S+\/unreadable\.tiff/);
    expect(asAdmin.importerLog).toContain(`${fake.host}:${fake.blitzPort}`);
    expect(logged).toContain('UnknownFormatException');
  });

  it("points users to the administrators' importer log when the importer fails", async () => {
    await cli.setScenario('exit2');

    const { asUser, asAdmin } = await failedImport('exit2.tiff', 'IMPORT_FAILED');

    expect(asUser.error).toMatch(/failed with exit code 2 while importing exit2\.tiff/);
    expect(asAdmin.importerLog).toMatch(/Failed to write pixels for \/\S+exit2\.tiff/);
    await cli.setScenario('normal');
  });

  it('names no OMERO address at sign-in or in listings when the OMERO server is down', async () => {
    await fake.stopOmeroServer();

    const signIn = await login(server.url, ALICE.username, ALICE.password);
    const groups = await graphql(server.url, carol, '{ groups { id } }');

    expect(signIn.status).toBe(503);
    expect(groups.errors).toHaveLength(1);
    told.push(['sign-in while OMERO is down', await signIn.text()]);
    told.push(['groups while OMERO is down', JSON.stringify(groups)]);
    // The administrator's detail is in the log.
    expect(JSON.stringify(server.logs)).toContain(`OMERO.web at ${webUrl} cannot reach the OMERO server`);
  });

  it('names no OMERO.web URL when OMERO.web is gone', async () => {
    await fake.close();

    const { asUser, asAdmin, logged } = await failedImport('web-gone.tiff', 'OMERO_UNAVAILABLE');

    // The job's owner still has a stored OMERO.web session: the target check meets OMERO.web gone.
    expect(asUser.error).toMatch(/^OMERO cannot be reached right now/);
    expect(asAdmin.importerLog).toContain(`Cannot reach OMERO.web at ${webUrl}`);
    expect(logged).toContain(webUrl);
    const groups = await graphql(server.url, alice, '{ groups { id } }');
    expect(groups.errors?.[0].extensions?.code).toBe('SERVICE_UNAVAILABLE');
    told.push(['groups while OMERO.web is gone', JSON.stringify(groups)]);
  });

  it('names no server path in the in-place importer, tus or REST errors', async () => {
    const ask = async (what: string, query: string, variables: Record<string, unknown>) => {
      const result = await graphql(server.url, alice, query, variables);
      expect({ what, errors: result.errors?.length }).toEqual({ what, errors: 1 });
      told.push([what, JSON.stringify(result.errors)]);
    };
    const files = 'query($p: String!) { serverFiles(path: $p) { name } }';
    await ask('serverFiles with an absolute path', files, { p: importRoot });
    await ask('serverFiles leaving the root', files, { p: '../../etc' });
    await ask('serverFiles of a missing folder', files, { p: 'nope/deeper' });
    await ask('serverFiles of a file', files, { p: 'cells.tif' });
    await ask(
      'importServerFiles with an absolute path',
      'mutation($i: ImportServerFilesInput!) { importServerFiles(input: $i) { id } }',
      { i: { paths: ['/etc/passwd'], targetType: 'DATASET', targetId: String(day1), groupId: String(lab) } },
    );
    const tus = new TusClient(server.url, alice);
    const refused = await tus.create('notes.exe', 10);
    told.push(['tus refusal', refused.response.body]);
    const badJson = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"username":',
    });
    told.push(['malformed sign-in body', await badJson.text()]);
  });

  it('moves the leaky errors of jobs written before into the importer log (migration)', async () => {
    const db = new pg.Client({ connectionString: server.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ id: string; error_message: string }>(
        "SELECT id, error_message FROM import_jobs WHERE status = 'FAILED' ORDER BY created_at LIMIT 2",
      );
      const [old, plain] = rows;
      const before =
        'The OMERO server omero.example.org:4064 cannot be reached. The import can be retried once it is back.';
      await db.query("UPDATE import_jobs SET error_message = $2, error_code = 'OMERO_UNAVAILABLE' WHERE id = $1", [
        old.id,
        before,
      ]);

      await new ScrubImportJobErrors1764500000000().up({ query: (sql: string) => db.query(sql) } as never);

      const asUser = await jobAs(alice, old.id);
      expect(asUser.error).toBe('OMERO could not be reached. The import can be retried once it is back.');
      told.push(['a job error written before', asUser.error!]);
      expect((await jobAs(carol, old.id)).importerLog).toMatch(
        new RegExp(`^Message shown before: ${before.replace(/\./g, '\\.')}\n`),
      );
      // A message that named nothing internal stays as it was.
      expect((await jobAs(alice, plain.id)).error).toBe(plain.error_message);
    } finally {
      await db.end();
    }
  });

  it('told users nothing that names a host, port, URL, server path or command line', () => {
    expect(told.length).toBeGreaterThanOrEqual(12);
    const forbidden = [webUrl, fake.host, String(fake.blitzPort), importRoot, tmpdir(), cli.cliPath, 'omero import'];
    const leaks = told.map(([where, text]) => [where, internalsIn(text, forbidden)]);
    expect(leaks).toEqual(told.map(([where]) => [where, []]));
  });
});

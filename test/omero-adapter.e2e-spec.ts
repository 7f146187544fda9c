import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OmeroWebClient, SessionExpiredError } from '../src/omero/adapters/omero-web.client.js';
import {
  OmeroConfigError,
  OmeroServerGateway,
  omeroOptionsFromEnv,
  type OmeroServerOptions,
} from '../src/omero/adapters/omero.gateway.js';
import {
  OmeroImportError,
  OmeroUnavailableError,
  type ImportErrorCode,
  type ImportRequest,
  type OmeroUser,
  type Transfer,
} from '../src/omero/omero-gateway.port.js';
import { pgSessionLock } from '../src/omero/sessions/session-lock.js';
import { fakeCli } from './omero-double/fake-omero-cli-link.js';
import { FakeOmeroWeb } from './omero-double/fake-omero-web.js';
import { createTestDatabase, serverAdmin } from './support/test-app.js';
import { internalsIn } from './support/internals.js';
import { waitFor } from './support/wait-for.js';

const SUDO_PASSWORD = 'sudo-secret-7f3a9';
const ALICE = { name: 'alice', password: 'alice-password' };
const BOB = { name: 'bob', password: 'bob-password' };

async function sourceFile(name = 'cells.tif'): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'omero-source-')), name);
  await writeFile(path, Buffer.from([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]));
  return path;
}

/** Whether a process runs: a zombie (killed, not yet reaped by its new parent) does not. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]);
  } catch {
    return false;
  }
}

/** How many connections wait for an advisory lock on the database of `databaseUrl`. */
async function ungrantedAdvisoryLocks(databaseUrl: string): Promise<number> {
  const { admin, database } = await serverAdmin(databaseUrl);
  try {
    const { rows } = await admin.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
        WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = $1`,
      [database],
    );
    return Number(rows[0].n);
  } finally {
    await admin.end();
  }
}

async function importError(promise: Promise<unknown>): Promise<OmeroImportError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OmeroImportError);
  return error as OmeroImportError;
}

describe('OMERO adapter against the contract double', () => {
  let fake: FakeOmeroWeb;
  let lab: number;
  let imaging: number;
  let bobsGroup: number;
  let big: number;
  let aliceId: number;
  const ids: Record<string, number> = {};
  const logged: string[] = [];
  const logger = {
    log: (message: unknown) => logged.push(String(message)),
    warn: (message: unknown) => logged.push(String(message)),
    debug: (message: unknown) => logged.push(String(message)),
  };

  let defaultCli: string;

  function gateway(overrides: Partial<OmeroServerOptions> = {}, server = fake): OmeroServerGateway {
    return new OmeroServerGateway({
      webUrl: server.url,
      host: server.host,
      port: server.blitzPort,
      cliPath: defaultCli,
      importMode: 'session',
      sudoUser: 'root',
      sudoPassword: SUDO_PASSWORD,
      requestTimeoutMs: 5000,
      killGraceMs: 300,
      logger,
      ...overrides,
    });
  }

  /** An import on a fresh OMERO whose server (not OMERO.web) stopped after the sign-in. */
  async function importWhileOmeroIsDown(importMode: 'session' | 'sudo'): Promise<OmeroImportError> {
    const down = await FakeOmeroWeb.start();
    try {
      const group = down.addGroup('g');
      down.addUser({ ...ALICE, groups: [group] });
      down.addUser({ name: 'root', password: SUDO_PASSWORD, groups: [], admin: true });
      const datasetId = down.addDataset(group, 'D');
      const omero = gateway({ importMode }, down);
      const alice = await signedIn(omero);
      await down.stopOmeroServer();
      const target = { type: 'DATASET' as const, id: String(datasetId), groupId: String(group) };
      return await importError(omero.importFile(request(alice, await sourceFile(), target)));
    } finally {
      await down.close();
    }
  }

  async function signedIn(omero: OmeroServerGateway, who = ALICE): Promise<OmeroUser> {
    const signIn = await omero.signIn(who.name, who.password);
    return { id: `app-${who.name}`, username: signIn!.username, sessionKey: signIn!.sessionKey };
  }

  function request(
    user: OmeroUser,
    path: string,
    target: ImportRequest['target'],
    extra: Partial<ImportRequest> = {},
  ): ImportRequest {
    return {
      user,
      path,
      transfer: 'upload_rm' as Transfer,
      target,
      signal: new AbortController().signal,
      timeoutMs: 30_000,
      ...extra,
    };
  }

  const dataset = (name: string, groupId = imaging) => ({
    type: 'DATASET' as const,
    id: String(ids[name]),
    groupId: String(groupId),
  });

  beforeAll(async () => {
    // Through a link in a temporary folder, so that the fake's record file lands there.
    defaultCli = (await fakeCli()).cliPath;
    fake = await FakeOmeroWeb.start();
    lab = fake.addGroup('lab');
    imaging = fake.addGroup('imaging');
    bobsGroup = fake.addGroup('bobs-lab');
    big = fake.addGroup('big');
    aliceId = fake.addUser({ ...ALICE, groups: [lab, imaging, big] });
    fake.addUser({ ...BOB, groups: [imaging, bobsGroup] });
    fake.addUser({ name: 'root', password: SUDO_PASSWORD, groups: [], admin: true });
    const cells = fake.addProject(lab, 'Cells');
    const tissue = fake.addProject(lab, 'Tissue');
    ids.day1 = fake.addDataset(lab, 'Day 1', { projects: [cells] });
    ids.day2 = fake.addDataset(lab, 'Day 2', { projects: [cells] });
    ids.shared = fake.addDataset(lab, 'Shared', { projects: [cells, tissue] });
    ids.loose = fake.addDataset(lab, 'Loose ends');
    ids.readOnly = fake.addDataset(lab, 'Read only', { owner: 'bob' });
    fake.setCanLink('alice', 'Dataset', ids.readOnly, false);
    ids.scans = fake.addDataset(imaging, 'Scans');
    ids.locked = fake.addDataset(imaging, 'Locked');
    fake.setCanLink('alice', 'Dataset', ids.locked, false);
    ids.bobsDataset = fake.addDataset(bobsGroup, 'Bob only');
    ids.screen = fake.addScreen(imaging, 'Plate screen');
    for (let n = 0; n < 1203; n++) fake.addDataset(big, `Run ${String(n).padStart(4, '0')}`);
  });

  afterAll(() => fake.close());

  describe('sign-in', () => {
    it('signs in through the JSON API with the CSRF token, and returns the named groups', async () => {
      const signIn = await gateway().signIn(ALICE.name, ALICE.password);

      expect(signIn).toEqual({
        userId: aliceId,
        username: 'alice',
        isAdmin: false,
        sessionKey: expect.stringMatching(/^[0-9a-f-]{36}$/),
        groups: [
          { id: String(big), name: 'big' },
          { id: String(imaging), name: 'imaging' },
          { id: String(lab), name: 'lab' },
        ],
      });
    });

    it('reports administrators, and leaves out the built-in system groups', async () => {
      const signIn = await gateway().signIn('root', SUDO_PASSWORD);
      expect(signIn).toMatchObject({ username: 'root', isAdmin: true, groups: [] });
    });

    it('answers null for a wrong password (OMERO.web: 403 with a message)', async () => {
      expect(await gateway().signIn(ALICE.name, 'wrong')).toBeNull();
      expect(await gateway().signIn('nobody', 'whatever')).toBeNull();
    });

    it('is refused without the CSRF token, with a detail (for administrators) that names the cause', async () => {
      // Prepare: a session that never fetched the token.
      const client = new OmeroWebClient({ baseUrl: fake.url, timeoutMs: 5000 });
      const session = client.newSession();

      const attempt = client.login(session, { username: ALICE.name, password: ALICE.password, serverId: 1 });

      await expect(attempt).rejects.toThrow(OmeroUnavailableError);
      await expect(attempt).rejects.toMatchObject({ detail: expect.stringMatching(/CSRF verification failed/) });
      const raw = await fetch(`${fake.url}/api/v0/login/`, { method: 'POST', body: new URLSearchParams(ALICE) });
      expect(raw.status).toBe(403);
    });
  });

  describe('groups and targets', () => {
    it('lists datasets with their project names and canLink, projects first', async () => {
      const omero = gateway();
      const alice = await signedIn(omero);

      const targets = await omero.listTargets(alice, String(lab), 'DATASET');

      const base = { type: 'DATASET', groupId: String(lab) };
      expect(targets).toEqual([
        { ...base, id: String(ids.day1), name: 'Day 1', projectName: 'Cells', canLink: true },
        { ...base, id: String(ids.day2), name: 'Day 2', projectName: 'Cells', canLink: true },
        { ...base, id: String(ids.shared), name: 'Shared', projectName: 'Cells, Tissue', canLink: true },
        { ...base, id: String(ids.loose), name: 'Loose ends', projectName: null, canLink: true },
        { ...base, id: String(ids.readOnly), name: 'Read only', projectName: null, canLink: false },
      ]);
      expect(await omero.listGroups(alice)).toEqual(expect.arrayContaining([{ id: String(lab), name: 'lab' }]));
    });

    it('lists screens of a group', async () => {
      const omero = gateway();
      const bob = await signedIn(omero, BOB);

      expect(await omero.listTargets(bob, String(imaging), 'SCREEN')).toEqual([
        {
          id: String(ids.screen),
          name: 'Plate screen',
          type: 'SCREEN',
          groupId: String(imaging),
          projectName: null,
          canLink: true,
        },
      ]);
    });

    it('follows paging to the last page, never asking for more than 500', async () => {
      const omero = gateway();
      const alice = await signedIn(omero);
      const before = fake.requests.length;

      const targets = await omero.listTargets(alice, String(big), 'DATASET');

      expect(targets).toHaveLength(1203);
      expect(new Set(targets.map((target) => target.id)).size).toBe(1203);
      const pages = fake.requests.slice(before).filter((r) => r.path === '/api/v0/m/datasets/');
      expect(pages.map((r) => [r.query.offset, r.query.limit, r.query.group])).toEqual([
        ['0', '500', String(big)],
        ['500', '500', String(big)],
        ['1000', '500', String(big)],
      ]);
    });

    it("follows a server's smaller maxLimit", async () => {
      const small = await FakeOmeroWeb.start({ maxLimit: 20 });
      try {
        const group = small.addGroup('g');
        small.addUser({ ...ALICE, groups: [group] });
        for (let n = 0; n < 45; n++) small.addDataset(group, `D${n}`);
        const omero = gateway({}, small);
        const alice = await signedIn(omero);

        expect(await omero.listTargets(alice, String(group), 'DATASET')).toHaveLength(45);
        const limits = small.requests.filter((r) => r.path === '/api/v0/m/datasets/').map((r) => r.query.limit);
        expect(limits).toEqual(['500', '20', '20']);
      } finally {
        await small.close();
      }
    });

    it('surfaces an expired OMERO session as SessionExpiredError, not as OMERO being down', async () => {
      const omero = gateway();
      const bob = await signedIn(omero, BOB);
      fake.expireSessions('bob');

      const listing = omero.listTargets(bob, String(imaging), 'DATASET');

      await expect(listing).rejects.toThrow(SessionExpiredError);
      await expect(listing).rejects.not.toThrow(OmeroUnavailableError);
      await expect(omero.listGroups(bob)).rejects.toThrow(SessionExpiredError);
    });

    it("treats a missing or someone else's session key as expired", async () => {
      const omero = gateway();
      const alice = await signedIn(omero);

      await expect(omero.listGroups({ id: 'x', username: 'alice' })).rejects.toThrow(SessionExpiredError);
      await expect(omero.listGroups({ ...alice, username: 'bob' })).rejects.toThrow(SessionExpiredError);
    });
  });

  describe('an unreachable OMERO', () => {
    it('says so when OMERO.web cannot reach the OMERO server', async () => {
      const down = await FakeOmeroWeb.start();
      down.addUser({ ...ALICE, groups: [down.addGroup('g')] });
      await down.stopOmeroServer();
      try {
        const error = await importError(gateway({}, down).signIn(ALICE.name, ALICE.password));
        expect(error).toBeInstanceOf(OmeroUnavailableError);
        expect((error as OmeroUnavailableError).detail).toMatch(/not responding/);
        expect(internalsIn(error.message, [down.url])).toEqual([]);
      } finally {
        await down.close();
      }
    });

    it('turns a closed OMERO.web into OmeroUnavailableError with a message a person can act on', async () => {
      const gone = await FakeOmeroWeb.start();
      const goneUrl = gone.url;
      const group = gone.addGroup('g');
      gone.addUser({ ...ALICE, groups: [group] });
      const omero = gateway({}, gone);
      const alice = await signedIn(omero);
      await gone.close();

      await expect(omero.listTargets(alice, String(group), 'DATASET')).rejects.toThrow(OmeroUnavailableError);
      const error = (await importError(omero.signIn(ALICE.name, ALICE.password))) as OmeroUnavailableError;
      // The address and what to check are for administrators (detail, log); users read neither.
      expect(error.detail).toMatch(
        /Cannot reach OMERO\.web at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)\. Check that OMERO\.web is running/,
      );
      expect(error.log).toBe(error.detail);
      expect(error.message).toMatch(/^OMERO cannot be reached right now/);
      expect(internalsIn(error.message, [goneUrl])).toEqual([]);
    });
  });

  describe('imports in session mode', () => {
    it('switches the session to the target group, imports with -k, and reads the yaml ids', async () => {
      const { cliPath, calls } = await fakeCli();
      const omero = gateway({ cliPath });
      const alice = await signedIn(omero);
      const path = await sourceFile();
      expect(fake.sessionGroup(alice.sessionKey!)).toBe(lab);

      const result = await omero.importFile(request(alice, path, dataset('scans')));

      const accepted = fake.imports.at(-1)!;
      expect(accepted).toMatchObject({
        username: 'alice',
        groupId: imaging,
        targetType: 'Dataset',
        targetId: ids.scans,
      });
      expect(result).toEqual({
        imageIds: accepted.imageIds.map(String),
        plateIds: [],
        filesetIds: [expect.stringMatching(/^\d+$/)],
        filesetId: expect.stringMatching(/^\d+$/),
        log: expect.stringContaining('0 errors in'),
      });
      expect(fake.sessionGroup(alice.sessionKey!)).toBe(imaging);
      const [switched, imported] = calls();
      const server = ['-s', '127.0.0.1', '-p', String(fake.blitzPort)];
      expect(switched.argv).toEqual(['sessions', ...server, '-k', alice.sessionKey, 'group', String(imaging)]);
      expect(imported.argv).toEqual([
        'import',
        ...server,
        '-k',
        alice.sessionKey,
        '-d',
        String(ids.scans),
        '--transfer=upload_rm',
        '--skip',
        'upgrade',
        '--output',
        'yaml',
        '--file',
        expect.stringMatching(/out\.yml$/),
        '--errs',
        expect.stringMatching(/errs\.log$/),
        path,
      ]);
      // upload_rm: OMERO removed the uploaded copy; the temporary files and session store are gone.
      expect(existsSync(path)).toBe(false);
      for (const leftover of [imported.argv![14], imported.argv![16], imported.sessionDir!]) {
        expect(existsSync(leftover)).toBe(false);
      }
      expect(result.log).not.toContain(alice.sessionKey);
    });

    it('leaves the source of an in-place (ln_s) import alone', async () => {
      const { cliPath, calls } = await fakeCli();
      const omero = gateway({ cliPath });
      const alice = await signedIn(omero);
      const path = await sourceFile();

      await omero.importFile(request(alice, path, dataset('day1', lab), { transfer: 'ln_s' }));

      expect(existsSync(path)).toBe(true);
      expect(calls()[1].argv).toContain('--transfer=ln_s');
    });

    it('imports a plate into a screen with -r', async () => {
      const { cliPath, calls } = await fakeCli();
      const omero = gateway({ cliPath });
      const bob = await signedIn(omero, BOB);
      const path = await sourceFile('plate.ome.tiff');

      const result = await omero.importFile(
        request(bob, path, { type: 'SCREEN', id: String(ids.screen), groupId: String(imaging) }),
      );

      const accepted = fake.imports.at(-1)!;
      expect(result.plateIds).toEqual(accepted.plateIds.map(String));
      expect(result.imageIds).toEqual(accepted.imageIds.map(String));
      expect(result.plateIds).toHaveLength(1);
      expect(calls()[1].argv).toEqual(expect.arrayContaining(['-r', String(ids.screen)]));
      expect(calls()[1].argv).not.toContain('-d');
    });

    it('runs imports of one session one at a time, and a queued import can be cancelled', async () => {
      const { cliPath, calls } = await fakeCli('hang');
      const omero = gateway({ cliPath });
      const alice = await signedIn(omero);
      const first = new AbortController();
      const second = new AbortController();
      const running = omero.importFile(request(alice, await sourceFile(), dataset('scans'), { signal: first.signal }));
      const hanging = (await waitFor(() => calls().find((call) => call.event === 'hanging'), Boolean, 10_000, 25))!;

      const queued = omero.importFile(request(alice, await sourceFile(), dataset('scans'), { signal: second.signal }));
      // Kept as a pause: waiting behind another import of the session shows nowhere outside the
      // importer. The assertions hold wherever the cancel lands before the CLI starts; the
      // pause makes it land in the queue.
      await new Promise((resolve) => setTimeout(resolve, 200));
      second.abort();

      expect((await importError(queued)).code).toBe('CANCELLED');
      expect(calls().filter((call) => call.argv?.[0] === 'import')).toHaveLength(1);
      first.abort();
      expect((await importError(running)).code).toBe('CANCELLED');
      expect(isRunning(hanging.pid)).toBe(false);
    });
  });

  describe('imports of one session on two instances', () => {
    it('wait for each other through the database, and a waiting import can be cancelled', async () => {
      const lockDatabase = await createTestDatabase();
      const sessionLock = pgSessionLock(lockDatabase);
      const { cliPath, calls } = await fakeCli('hang');
      const [one, two] = [gateway({ cliPath, sessionLock }), gateway({ cliPath, sessionLock })];
      const alice = await signedIn(one);
      const [first, second, third] = [new AbortController(), new AbortController(), new AbortController()];
      const imports = () => calls().filter((call) => call.argv?.[0] === 'import');

      const running = one.importFile(request(alice, await sourceFile(), dataset('scans'), { signal: first.signal }));
      await waitFor(() => calls().find((call) => call.event === 'hanging'), Boolean, 10_000, 25);
      const waiting = two.importFile(request(alice, await sourceFile(), dataset('scans'), { signal: second.signal }));
      const cancelledWhileWaiting = two.importFile(
        request(alice, await sourceFile(), dataset('scans'), { signal: third.signal }),
      );
      // The other instance's import waits for the session's lock in PostgreSQL.
      await waitFor(
        () => ungrantedAdvisoryLocks(lockDatabase),
        (waiters) => waiters > 0,
        10_000,
        25,
      );
      expect(imports()).toHaveLength(1);
      third.abort();
      expect((await importError(cancelledWhileWaiting)).code).toBe('CANCELLED');

      // The first import ends: the other instance's import starts (and hangs in turn).
      first.abort();
      expect((await importError(running)).code).toBe('CANCELLED');
      await waitFor(imports, (list) => list.length === 2, 10_000, 25);
      second.abort();
      expect((await importError(waiting)).code).toBe('CANCELLED');
      expect(imports()).toHaveLength(2);
    });
  });

  describe('import failures', () => {
    const cases: [string, string | undefined, ImportErrorCode, boolean, RegExp][] = [
      ['"No imports due to errors!" with exit 0', 'no-imports', 'IMPORT_FAILED', false, /No imports due to errors!/],
      [
        'a failed fileset under -c: exit 0, ids, "1 errors" (not retried: the images may exist)',
        'fileset-errors',
        'INCOMPLETE_IMPORT',
        true,
        /reported 1 error.*may already be in OMERO/,
      ],
      ['exit code 2', 'exit2', 'IMPORT_FAILED', false, /exit code 2/],
      ['exit code 3, a cleanup failure', 'exit3', 'CLEANUP_FAILED', true, /may already be in OMERO/],
      ['a file Bio-Formats cannot read', 'unreadable', 'UNREADABLE_FILE', true, /cannot read cells\.tif/],
      ['a file nothing can import ("No imports found", exit 1)', 'unsupported', 'UNREADABLE_FILE', true, /Bio-Formats/],
    ];

    it.each(cases)('%s', async (_title, scenario, code, permanent, message) => {
      const { cliPath } = await fakeCli(scenario);
      const omero = gateway({ cliPath });
      const alice = await signedIn(omero);
      const path = await sourceFile();

      const error = await importError(omero.importFile(request(alice, path, dataset('scans'))));

      expect({ code: error.code, permanent: error.permanent }).toEqual({ code, permanent });
      expect(error.message).toMatch(message);
      expect(error.log.length).toBeGreaterThan(0);
      expect(error.log.length).toBeLessThanOrEqual(21 * 1024);
      // The importer's words name the file's path and the server: they stay in the log.
      expect(error.log).toContain(fake.host);
      expect(internalsIn(error.message, [path, fake.host, String(fake.blitzPort)])).toEqual([]);
      // A failed upload_rm import keeps the source, so the import can be retried.
      expect(existsSync(path)).toBe(true);
    });

    it('names the images an exit-3 import created, and is never retried, so nobody imports them twice', async () => {
      const { cliPath } = await fakeCli('exit3');
      const omero = gateway({ cliPath });
      const alice = await signedIn(omero);
      const before = fake.imports.length;

      const error = await importError(omero.importFile(request(alice, await sourceFile(), dataset('scans'))));

      // The fake OMERO did create the images: a retry would create them again.
      expect(fake.imports.length).toBe(before + 1);
      expect(error).toMatchObject({ code: 'CLEANUP_FAILED', permanent: true });
      expect(error.message).toContain(`image ${fake.imports.at(-1)!.imageIds.join(', ')}`);
      expect(error.message).toMatch(/Check the target in OMERO before importing this file again/);
    });

    it('maps a target the user cannot link to NO_PERMISSION (permanent)', async () => {
      const omero = gateway();
      const alice = await signedIn(omero);

      const error = await importError(omero.importFile(request(alice, await sourceFile(), dataset('locked'))));

      expect({ code: error.code, permanent: error.permanent }).toEqual({ code: 'NO_PERMISSION', permanent: true });
      expect(error.log).toContain('SecurityViolation');
    });

    it('maps a group the user is not in to NO_PERMISSION, before anything is imported', async () => {
      const { cliPath, calls } = await fakeCli();
      const omero = gateway({ cliPath });
      const alice = await signedIn(omero);

      const error = await importError(
        omero.importFile(request(alice, await sourceFile(), dataset('bobsDataset', bobsGroup))),
      );

      expect(error.code).toBe('NO_PERMISSION');
      expect(calls().map((call) => call.argv?.[0])).toEqual(['sessions']);
    });

    it('maps a missing target to TARGET_NOT_FOUND', async () => {
      const omero = gateway();
      const alice = await signedIn(omero);

      const error = await importError(
        omero.importFile(
          request(alice, await sourceFile(), { type: 'DATASET', id: '99999', groupId: String(imaging) }),
        ),
      );

      expect({ code: error.code, permanent: error.permanent }).toEqual({ code: 'TARGET_NOT_FOUND', permanent: true });
    });

    it('maps an expired session key to SESSION_EXPIRED (retryable), without the key in the log', async () => {
      const omero = gateway();
      const bob = await signedIn(omero, BOB);
      fake.expireSessions('bob');

      const error = await importError(omero.importFile(request(bob, await sourceFile(), dataset('scans'))));

      expect({ code: error.code, permanent: error.permanent }).toEqual({ code: 'SESSION_EXPIRED', permanent: false });
      expect(error.message).toMatch(/Sign in again/);
      expect(error.log).toContain('Bad session key. Cannot join *** on');
      expect(error.log).not.toContain(bob.sessionKey);
    });

    it('maps a refused connection to OMERO_UNAVAILABLE, although omero-py calls it a bad session key', async () => {
      const error = await importWhileOmeroIsDown('session');

      expect({ code: error.code, permanent: error.permanent }).toEqual({ code: 'OMERO_UNAVAILABLE', permanent: false });
      expect(error.message).toMatch(/cannot be reached/);
      expect(error.log).toMatch(/The OMERO server 127\.0\.0\.1:\d+ cannot be reached/);
      expect(internalsIn(error.message)).toEqual([]);
    });

    it('refuses a file that is not there without running the importer', async () => {
      const { cliPath, calls } = await fakeCli();
      const omero = gateway({ cliPath });
      const alice = await signedIn(omero);

      const error = await importError(omero.importFile(request(alice, '/nonexistent/cells.tif', dataset('scans'))));

      expect({ code: error.code, permanent: error.permanent }).toEqual({ code: 'UNREADABLE_FILE', permanent: true });
      expect(calls()).toEqual([]);
    });

    it('says what to do when the omero command cannot be started', async () => {
      const omero = gateway({ cliPath: '/nonexistent/bin/omero' });
      const alice = await signedIn(omero);

      const error = await importError(omero.importFile(request(alice, await sourceFile(), dataset('scans'))));

      expect(error.code).toBe('IMPORT_FAILED');
      expect(error.message).toMatch(/could not be started.*Tell an administrator/);
      expect(error.log).toMatch(/"\/nonexistent\/bin\/omero" could not be started \(ENOENT\).*OMERO_CLI/);
      expect(internalsIn(error.message, ['/nonexistent'])).toEqual([]);
    });
  });

  describe('stopping an import', () => {
    it('on abort, kills the whole process group, even a child that ignores SIGTERM', async () => {
      const { cliPath, calls } = await fakeCli('hang');
      const omero = gateway({ cliPath });
      const alice = await signedIn(omero);
      const controller = new AbortController();
      const importing = omero.importFile(
        request(alice, await sourceFile(), dataset('scans'), { signal: controller.signal }),
      );
      const hanging = (await waitFor(() => calls().find((call) => call.event === 'hanging'), Boolean, 10_000, 25))!;
      expect([isRunning(hanging.pid), isRunning(hanging.childPid!)]).toEqual([true, true]);

      controller.abort();

      const error = await importError(importing);
      expect({ code: error.code, permanent: error.permanent }).toEqual({ code: 'CANCELLED', permanent: true });
      expect([isRunning(hanging.pid), isRunning(hanging.childPid!)]).toEqual([false, false]);
      expect(logged.some((line) => line.includes('sending SIGKILL'))).toBe(true);
      const started = calls().find((call) => call.argv?.[0] === 'import')!;
      expect(existsSync(started.sessionDir!)).toBe(false);
    });

    it('on timeout, kills the whole process group and says TIMEOUT', async () => {
      const { cliPath, calls } = await fakeCli('hang');
      const omero = gateway({ cliPath });
      const alice = await signedIn(omero);
      const startedAt = Date.now();

      const error = await importError(
        omero.importFile(request(alice, await sourceFile(), dataset('scans'), { timeoutMs: 1500 })),
      );

      expect({ code: error.code, permanent: error.permanent }).toEqual({ code: 'TIMEOUT', permanent: false });
      expect(error.message).toMatch(/took longer than 1\.5 s/);
      expect(Date.now() - startedAt).toBeLessThan(10_000);
      const hanging = calls().find((call) => call.event === 'hanging')!;
      expect([isRunning(hanging.pid), isRunning(hanging.childPid!)]).toEqual([false, false]);
    });

    it('does not start an import whose signal is already aborted', async () => {
      const { cliPath, calls } = await fakeCli();
      const omero = gateway({ cliPath });
      const alice = await signedIn(omero);
      const controller = new AbortController();
      controller.abort();

      const error = await importError(
        omero.importFile(request(alice, await sourceFile(), dataset('scans'), { signal: controller.signal })),
      );

      expect(error.code).toBe('CANCELLED');
      expect(calls()).toEqual([]);
    });
  });

  describe('imports in sudo mode', () => {
    it('imports as the user through the administrator, with -g and the password kept off argv', async () => {
      const { cliPath, calls } = await fakeCli();
      const omero = gateway({ cliPath, importMode: 'sudo' });
      const path = await sourceFile();
      const before = logged.length;

      const result = await omero.importFile(request({ id: 'app-bob', username: 'bob' }, path, dataset('scans')));

      expect(result.imageIds).toEqual(fake.imports.at(-1)!.imageIds.map(String));
      expect(fake.imports.at(-1)).toMatchObject({ username: 'bob', groupId: imaging, targetId: ids.scans });
      const [imported] = calls();
      expect(calls()).toHaveLength(1);
      expect(imported.argv).toEqual([
        'import',
        ...['-s', '127.0.0.1', '-p', String(fake.blitzPort)],
        ...['--sudo', 'root', '-u', 'bob', '-g', 'imaging'],
        ...['-d', String(ids.scans), '--transfer=upload_rm', '--skip', 'upgrade', '--output', 'yaml'],
        ...['--file', expect.any(String), '--errs', expect.any(String), path],
      ]);
      expect(imported.passwordFromEnv).toBe(true);
      expect(JSON.stringify(calls())).not.toContain(SUDO_PASSWORD);
      expect(result.log + logged.slice(before).join('\n')).not.toContain(SUDO_PASSWORD);
    });

    it('reports a wrong administrator password without repeating it, from the web and from the importer', async () => {
      const wrong = 'wrong-sudo-password-31';
      const { cliPath } = await fakeCli();
      const before = logged.length;

      // The group name lookup signs in to OMERO.web as the administrator first.
      const fromWeb = await importError(
        gateway({ cliPath, importMode: 'sudo', sudoPassword: wrong }).importFile(
          request({ id: 'app-bob', username: 'bob' }, await sourceFile(), dataset('scans')),
        ),
      );
      // With the group name known (listed at sign-in), the importer itself is refused.
      const omero = gateway({ cliPath, importMode: 'sudo', sudoPassword: wrong });
      const bob = await signedIn(omero, BOB);
      const fromCli = await importError(omero.importFile(request(bob, await sourceFile(), dataset('scans'))));

      for (const error of [fromWeb, fromCli]) {
        expect(error.code).toBe('IMPORT_FAILED');
        expect(error.message).toMatch(/OMERO_SUDO_USER and OMERO_SUDO_PASSWORD/);
        expect(error.message + error.log).not.toContain(wrong);
      }
      expect(fromCli.log).toContain("Password check failed for 'root'");
      expect(logged.slice(before).join('\n')).not.toContain(wrong);
    });

    it('maps a refused connection to OMERO_UNAVAILABLE', async () => {
      const error = await importWhileOmeroIsDown('sudo');

      expect(error.code).toBe('OMERO_UNAVAILABLE');
      expect(error.log).toContain('Ice.ConnectionRefusedException');
    });
  });
});

describe('omeroOptionsFromEnv', () => {
  it('is null without OMERO_WEB_URL (no OMERO: the sandbox)', () => {
    expect(omeroOptionsFromEnv({})).toBeNull();
    expect(omeroOptionsFromEnv({ OMERO_WEB_URL: '  ', OMERO_HOST: 'omero' })).toBeNull();
  });

  it('applies the defaults', () => {
    expect(omeroOptionsFromEnv({ OMERO_WEB_URL: 'https://omero.example.org/' })).toEqual({
      webUrl: 'https://omero.example.org/',
      host: 'omero.example.org',
      port: 4064,
      cliPath: 'omero',
      importMode: 'session',
      sudoUser: undefined,
      sudoPassword: undefined,
      requestTimeoutMs: 30_000,
    });
  });

  it('reads every variable', () => {
    expect(
      omeroOptionsFromEnv({
        OMERO_WEB_URL: 'http://web.internal:4080',
        OMERO_HOST: 'blitz.internal',
        OMERO_PORT: '14064',
        OMERO_CLI: '/opt/omero/venv/bin/omero',
        OMERO_IMPORT_MODE: 'sudo',
        OMERO_SUDO_USER: 'importer',
        OMERO_SUDO_PASSWORD: 's3cret',
        OMERO_TIMEOUT_SECONDS: '12',
      }),
    ).toEqual({
      webUrl: 'http://web.internal:4080',
      host: 'blitz.internal',
      port: 14064,
      cliPath: '/opt/omero/venv/bin/omero',
      importMode: 'sudo',
      sudoUser: 'importer',
      sudoPassword: 's3cret',
      requestTimeoutMs: 12_000,
    });
  });

  it('lists every problem in one error, without echoing the password', () => {
    let error: unknown;
    try {
      omeroOptionsFromEnv({
        OMERO_WEB_URL: 'omero.example.org',
        OMERO_PORT: 'abc',
        OMERO_TIMEOUT_SECONDS: '0',
        OMERO_IMPORT_MODE: 'magic',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(OmeroConfigError);
    expect((error as OmeroConfigError).problems).toEqual([
      'OMERO_WEB_URL must be an http or https URL such as https://omero.example.org (got "omero.example.org")',
      'OMERO_PORT must be a whole number from 1 to 65535 (got "abc")',
      'OMERO_TIMEOUT_SECONDS must be a whole number from 1 to 3600 (got "0")',
      'OMERO_IMPORT_MODE must be "session" or "sudo" (got "magic")',
    ]);
  });

  it('requires the administrator credentials in sudo mode', () => {
    const attempt = () =>
      omeroOptionsFromEnv({
        OMERO_WEB_URL: 'https://omero.example.org',
        OMERO_IMPORT_MODE: 'sudo',
        OMERO_SUDO_PASSWORD: 'pw-9x',
      });
    expect(attempt).toThrow('OMERO_SUDO_USER is required when OMERO_IMPORT_MODE=sudo');
    expect(attempt).not.toThrow(/pw-9x/);
    expect(() => omeroOptionsFromEnv({ OMERO_WEB_URL: 'https://o.example.org', OMERO_IMPORT_MODE: 'sudo' })).toThrow(
      /OMERO_SUDO_USER is required[\s\S]*OMERO_SUDO_PASSWORD is required/,
    );
  });
});

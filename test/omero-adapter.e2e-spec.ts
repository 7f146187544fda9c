import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { OmeroWebClient, SessionExpiredError } from '../src/omero/adapters/omero-web.client.js';
import { OmeroConfigError, omeroOptionsFromEnv } from '../src/environment/omero-environment.js';
import { OmeroUnavailableError } from '../src/omero/omero-gateway.port.js';
import { FakeOmeroWeb } from './omero-double/fake-omero-web.js';
import { internalsIn } from './support/internals.js';
import {
  adapterHelpers,
  startOmeroWorld,
  type OmeroWorld,
  SUDO_PASSWORD,
  ALICE,
  BOB,
  importError,
} from './support/omero-adapter-world.js';

describe('OMERO adapter against the contract double', () => {
  let world: OmeroWorld;
  let fake: FakeOmeroWeb;
  let lab: number;
  let imaging: number;
  let big: number;
  let aliceId: number;
  let ids: Record<string, number>;
  const { gateway, signedIn } = adapterHelpers(() => world);

  beforeAll(async () => {
    world = await startOmeroWorld();
    ({ fake, lab, imaging, big, aliceId, ids } = world);
  });

  afterAll(() => world.fake.close());

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

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { pgSessionLock } from '../src/omero/sessions/session-lock.js';
import { fakeCli } from './omero-double/fake-omero-cli-link.js';
import type { FakeOmeroWeb } from './omero-double/fake-omero-web.js';
import { createTestDatabase, serverAdmin } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';
import {
  adapterHelpers,
  startOmeroWorld,
  type OmeroWorld,
  SUDO_PASSWORD,
  BOB,
  sourceFile,
  isRunning,
  importError,
} from './support/omero-adapter-world.js';

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

describe('OMERO adapter imports against the contract double', () => {
  let world: OmeroWorld;
  let fake: FakeOmeroWeb;
  let lab: number;
  let imaging: number;
  let ids: Record<string, number>;
  let logged: string[];
  const { gateway, importWhileOmeroIsDown, signedIn, request, dataset } = adapterHelpers(() => world);

  beforeAll(async () => {
    world = await startOmeroWorld();
    ({ fake, lab, imaging, ids, logged } = world);
  });

  afterAll(() => world.fake.close());

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

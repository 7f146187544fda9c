import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import type { ImportErrorCode } from '../src/omero/omero-gateway.port.js';
import { fakeCli } from './omero-double/fake-omero-cli-link.js';
import type { FakeOmeroWeb } from './omero-double/fake-omero-web.js';
import { internalsIn } from './support/internals.js';
import {
  adapterHelpers,
  startOmeroWorld,
  type OmeroWorld,
  BOB,
  sourceFile,
  importError,
} from './support/omero-adapter-world.js';

describe('OMERO adapter import failures against the contract double', () => {
  let world: OmeroWorld;
  let fake: FakeOmeroWeb;
  let imaging: number;
  let bobsGroup: number;
  const { gateway, importWhileOmeroIsDown, signedIn, request, dataset } = adapterHelpers(() => world);

  beforeAll(async () => {
    world = await startOmeroWorld();
    ({ fake, imaging, bobsGroup } = world);
  });

  afterAll(() => world.fake.close());

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
});

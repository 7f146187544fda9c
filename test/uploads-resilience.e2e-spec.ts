import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmod, mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accessToken, createUser, graphql } from './support/clients.js';
import { spawnApp, waitUntilReady } from './support/spawn-app.js';
import { killConnections, startTestApp, type TestApp } from './support/test-app.js';
import { sha256, tiffLike, TusClient } from './support/tus.js';
import { waitFor } from './support/wait-for.js';

const UPLOAD = 'query($id: ID!) { upload(id: $id) { status sha256 sizeBytes storedName } }';

async function uploadView(url: string, token: string, id: string) {
  return (
    await graphql<{ upload: { status: string; sha256: string | null; storedName: string | null } }>(
      url,
      token,
      UPLOAD,
      { id },
    )
  ).data?.upload;
}

describe('uploads that survive failures', () => {
  describe('two instances sharing the database and the upload folder', () => {
    let first: TestApp;
    let second: TestApp;
    let token: string;

    beforeAll(async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'omero-uploader-shared-'));
      first = await startTestApp({ env: { DATA_DIR: dataDir } });
      second = await startTestApp({ databaseUrl: first.databaseUrl, env: { DATA_DIR: dataDir } });
      token = (await createUser(first.url, await accessToken(first.url), 'roaming')).token;
    });
    afterAll(async () => {
      await first.close();
      await second.close();
    });

    it('resumes on the other instance after an interrupted PATCH, to an identical sha256', async () => {
      const data = tiffLike(3 * 1024 * 1024);
      const onFirst = new TusClient(first.url, token);
      const onSecond = new TusClient(second.url, token);
      const { id } = await onFirst.create('roaming.tif', data.length);

      // The network drops part-way through a PATCH to the first instance.
      await onFirst.patchInterrupted(id, 0, data, 1024 * 1024 + 123);
      const offset = Number((await onSecond.head(id)).headers['upload-offset']);
      expect(offset).toBeGreaterThan(0);
      expect(offset).toBeLessThan(data.length);

      // The rest goes to the second instance, which never saw the first bytes.
      expect((await onSecond.patch(id, offset, data.subarray(offset))).status).toBe(204);
      expect(await uploadView(first.url, token, id)).toMatchObject({ status: 'COMPLETED', sha256: sha256(data) });
    });

    it('survives losing its lock connections mid-upload, and the upload still completes', async () => {
      const data = tiffLike(2 * 1024 * 1024, 5);
      const tus = new TusClient(first.url, token);
      const { id } = await tus.create('lock-lost.tif', data.length);
      expect((await tus.patch(id, 0, data.subarray(0, 1024 * 1024))).status).toBe(204);
      // The instance still leases the upload's lock on that connection; the database drops it.
      expect(await killConnections(first.databaseUrl, 'omero-uploader-locks')).toBeGreaterThan(0);

      expect((await tus.patch(id, 1024 * 1024, data.subarray(1024 * 1024))).status).toBe(204);
      expect(await uploadView(first.url, token, id)).toMatchObject({ status: 'COMPLETED', sha256: sha256(data) });
    });

    it('never interleaves two PATCHes of one upload sent to both instances at once', async () => {
      const size = 8 * 1024 * 1024;
      const fromA = tiffLike(size, 11);
      const fromB = tiffLike(size, 22);
      const { id } = await new TusClient(first.url, token).create('contested.tif', size);

      const [a, b] = await Promise.all([
        new TusClient(first.url, token).patch(id, 0, fromA),
        new TusClient(second.url, token).patch(id, 0, fromB),
      ]);
      // One PATCH wins the lock and writes; the other then finds the offset moved and changes nothing.
      expect([a.status, b.status].sort()).toEqual([204, 409]);
      const winner = a.status === 204 ? fromA : fromB;
      const upload = await uploadView(first.url, token, id);
      expect(upload).toMatchObject({ status: 'COMPLETED', sha256: sha256(winner) });
    });
  });

  describe('the app killed with SIGKILL in the middle of a PATCH', () => {
    it('resumes after a restart to an identical sha256', async () => {
      const root = await mkdtemp(join(tmpdir(), 'omero-uploader-kill-'));
      await chmod(root, 0o711);
      const env = {
        DATA_DIR: join(root, 'data'),
        PORT: '0',
        JWT_SECRET: 'resilience-test-secret-long-enough-1234567890',
        ADMIN_PASSWORD: 'admin-password-for-tests',
      };
      const data = tiffLike(6 * 1024 * 1024, 7);

      const before = spawnApp(env);
      const url = await waitUntilReady(before);
      const token = await accessToken(url, 'admin', 'admin-password-for-tests');
      const { id } = await new TusClient(url, token).create('killed.tif', data.length);
      // Two MiB arrive, then the process dies with the PATCH still open.
      const interrupted = new TusClient(url, token).patchInterrupted(id, 0, data, 2 * 1024 * 1024);
      const incoming = join(env.DATA_DIR, 'uploads', 'incoming', id);
      await waitFor(
        () =>
          stat(incoming).then(
            ({ size }) => size,
            () => 0,
          ),
        (size) => size > 0,
        10_000,
        10,
      );
      before.child.kill('SIGKILL');
      await before.exited;
      await interrupted;

      const after = spawnApp(env);
      const urlAfter = await waitUntilReady(after);
      try {
        const tus = new TusClient(urlAfter, token);
        const offset = Number((await tus.head(id)).headers['upload-offset']);
        expect(offset).toBeGreaterThan(0);
        expect(offset).toBeLessThanOrEqual(2 * 1024 * 1024);
        expect((await tus.patch(id, offset, data.subarray(offset))).status).toBe(204);
        const upload = await uploadView(urlAfter, token, id);
        expect(upload).toMatchObject({ status: 'COMPLETED', sha256: sha256(data), storedName: 'killed.tif' });
        const [owner] = await readdir(join(env.DATA_DIR, 'uploads', 'files'));
        expect(sha256(await readFile(join(env.DATA_DIR, 'uploads', 'files', owner, 'killed.tif')))).toBe(sha256(data));
      } finally {
        after.child.kill('SIGTERM');
        await after.exited;
      }
    });
  });
});

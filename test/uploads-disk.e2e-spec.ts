import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Upload, type DetailedError } from 'tus-js-client';
import { accessToken, createUser, graphql } from './support/clients.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { sha256, tiffLike, TusClient } from './support/tus.js';
import { waitFor } from './support/wait-for.js';
import { mountSmallDisk, type SmallDisk } from './support/small-disk.mjs';

const MIB = 1024 * 1024;
/** The uploads volume: a tmpfs this small, so the test can fill it. */
const VOLUME_MIB = 64;
const RESERVE_MIB = 8;
/** Files the volume may hold: a few dozen for the app, the rest for the test to use up. */
const VOLUME_INODES = 400;

const isRoot = process.getuid?.() === 0;
if (!isRoot) {
  console.warn(
    'uploads-disk.e2e-spec.ts skipped: mounting a small tmpfs needs root (CI runs as root, so it runs there).',
  );
}

/** A full disk, met for real on a small tmpfs mounted as DATA_DIR. */
(isRoot ? describe : describe.skip)('uploads on a full disk', () => {
  let mountPoint: string;
  let disk: SmallDisk;
  let server: TestApp;
  let user: { id: string; token: string };
  let tus: TusClient;

  const incoming = () => readdirSync(join(mountPoint, 'uploads', 'incoming'));
  const health = async () => {
    const response = await fetch(`${server.url}/api/health`);
    return {
      status: response.status,
      body: (await response.json()) as { status: string; storage: { freeBytes: number } },
    };
  };
  const uploadCount = async () =>
    (await graphql<{ uploadCount: number }>(server.url, user.token, '{ uploadCount }')).data?.uploadCount;
  const logsWith = (text: string) => server.logs.filter((line) => JSON.stringify(line).includes(text));

  beforeAll(async () => {
    mountPoint = await mkdtemp(join(tmpdir(), 'omero-uploader-small-disk-'));
    disk = mountSmallDisk(mountPoint, { sizeMib: VOLUME_MIB, inodes: VOLUME_INODES });
    server = await startTestApp({ env: { DATA_DIR: mountPoint, UPLOAD_DISK_RESERVE_MB: String(RESERVE_MIB) } });
    user = await createUser(server.url, await accessToken(server.url), 'disk-filler');
    tus = new TusClient(server.url, user.token);
  });
  afterEach(() => disk?.empty());
  afterAll(async () => {
    await server?.close();
    disk?.unmount();
    if (mountPoint) await rm(mountPoint, { recursive: true, force: true });
  });

  it('answers 507 when the disk fills during a PATCH, logs ENOSPC, keeps the bytes and resumes to the right sha256', async () => {
    const data = tiffLike(24 * MIB, 7);
    // Created while there is room (64 MiB less the app's own files, minus 24 MiB, is above the
    // reserve); then the disk fills, leaving room for part of the file only.
    const { response, id } = await tus.create('big.tif', data.length);
    expect(response.status).toBe(201);
    await disk.fillLeaving(6 * MIB);
    const uploadUrl = `${server.url}/api/uploads/${id}`;
    const options = {
      headers: { authorization: `Bearer ${user.token}` },
      chunkSize: 4 * MIB,
      retryDelays: [],
      uploadUrl,
    };
    const first = new Promise<DetailedError>((resolve, reject) => {
      new Upload(data, {
        ...options,
        onError: (error) => resolve(error as DetailedError),
        onSuccess: () => reject(new Error('the upload should have met the full disk')),
      }).start();
    });
    const error = await first;
    expect(error.originalResponse?.getStatus()).toBe(507);
    const message = error.originalResponse?.getBody() ?? '';
    expect(message).toMatch(/storage is full/);
    expect(message).toMatch(/received so far is kept/);
    expect(message).toMatch(/administrator/);
    expect(message).not.toMatch(new RegExp(mountPoint.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    expect(message).not.toMatch(/incoming|\/tmp\//);
    await waitFor(
      () => logsWith('ENOSPC').filter((line) => line.event === 'upload_storage_full' && line.uploadId === id).length,
      (count) => count > 0,
    );

    const kept = Number((await tus.head(id)).headers['upload-offset']);
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(data.length);

    // Health reports it, but stays 200: every instance shares this volume.
    const low = await health();
    expect(low.status).toBe(200);
    expect(low.body).toMatchObject({ status: 'degraded', storage: { status: 'low', reserveBytes: RESERVE_MIB * MIB } });
    expect(low.body.storage.freeBytes).toBeLessThan(RESERVE_MIB * MIB);

    disk.empty();
    expect((await health()).body).toMatchObject({ status: 'ok', storage: { status: 'ok' } });
    await new Promise<void>((resolve, reject) => {
      new Upload(data, { ...options, onError: reject, onSuccess: () => resolve() }).start();
    });
    const { data: done } = await graphql<{ upload: { status: string; sha256: string; sizeBytes: number } }>(
      server.url,
      user.token,
      'query($id: ID!) { upload(id: $id) { status sha256 sizeBytes } }',
      { id },
    );
    expect(done?.upload).toEqual({ status: 'COMPLETED', sha256: sha256(data), sizeBytes: data.length });
  });

  it('refuses with 507 a creation that would leave less than the reserve free, recording nothing', async () => {
    const before = { uploads: await uploadCount(), files: incoming().length };
    const size = disk.free() - RESERVE_MIB * MIB + MIB;
    const refused = await tus.create('too-big.tif', size);
    expect(refused.response.status).toBe(507);
    expect(refused.response.body).toMatch(/larger than the space the server can give it now/);
    expect(refused.response.body).toMatch(/Nothing was stored/);
    expect(refused.response.headers.location).toBeUndefined();
    expect({ uploads: await uploadCount(), files: incoming().length }).toEqual(before);

    const fits = await tus.create('fits.tif', size - 2 * MIB);
    expect(fits.response.status).toBe(201);
  });

  it('refuses uploads of undeclared size once the reserve is reached, keeping what arrived', async () => {
    const { response, id } = await tus.create('streamed.tif', 'deferred');
    expect(response.status).toBe(201);
    await disk.fillLeaving((RESERVE_MIB + 3) * MIB);
    const data = tiffLike(8 * MIB, 3);
    const patch = await tus.patch(id, 0, data);
    expect(patch.status).toBe(507);
    expect(patch.body).toMatch(/received so far is kept/);
    const kept = Number((await tus.head(id)).headers['upload-offset']);
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(data.length);
    // The reserve held: the write stopped before eating into it (give or take the last batch).
    expect(disk.free()).toBeGreaterThan((RESERVE_MIB - 2) * MIB);

    // Declaring a length that would eat into the reserve is refused the same way; with room again, it is taken.
    const tooLong = await tus.patch(id, kept, Buffer.alloc(0), { 'Upload-Length': String(kept + 4 * MIB) });
    expect(tooLong.status).toBe(507);
    expect((await tus.head(id)).headers['upload-defer-length']).toBe('1');
    disk.empty();
    const fits = await tus.patch(id, kept, Buffer.alloc(0), { 'Upload-Length': String(kept + MIB) });
    expect(fits.status).toBe(204);
    expect((await tus.head(id)).headers['upload-length']).toBe(String(kept + MIB));

    await disk.fillLeaving(RESERVE_MIB * MIB - MIB);
    const nearlyFull = await tus.create('late.tif', 'deferred');
    expect(nearlyFull.response.status).toBe(507);
    expect(nearlyFull.response.body).toMatch(/nearly full/);
  });

  it('undoes a creation whose first bytes (creation-with-upload) meet a full disk: its client cannot resume it', async () => {
    await disk.fillLeaving((RESERVE_MIB + 3) * MIB);
    const before = { uploads: await uploadCount(), files: incoming() };
    const { response } = await tus.create('with-body.tif', 'deferred', {}, tiffLike(8 * MIB, 5));
    expect(response.status).toBe(507);
    expect(response.headers.location).toBeUndefined();
    expect(response.body).toMatch(/could not start. Nothing was stored/);
    expect({ uploads: await uploadCount(), files: incoming() }).toEqual(before);
  });

  it('leaves no row and no files when a creation fails on a full disk', async () => {
    // Out of inodes: bytes are free, but no file can be made, as when the disk is full.
    disk.exhaustInodes();
    const before = { uploads: await uploadCount(), files: incoming() };
    const failed = await tus.create('no-room.tif', 1000);
    expect(failed.response.status).toBe(507);
    expect(failed.response.body).toMatch(/could not start/);
    expect(failed.response.body).not.toMatch(/\/tmp\/|incoming/);
    expect({ uploads: await uploadCount(), files: incoming() }).toEqual(before);
    await waitFor(
      () => logsWith('ENOSPC').filter((line) => line.during === 'creation').length,
      (count) => count > 0,
    );

    disk.empty();
    const afterwards = await tus.create('room-again.tif', 1000);
    expect(afterwards.response.status).toBe(201);
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Environment } from '../src/environment/environment.js';
import { accessToken, createUser, graphql } from './support/clients.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { sha256, tiffLike, TusClient, tusJsUpload } from './support/tus.js';

interface Stored {
  status: string;
  storedName: string | null;
  detectedFormat: string | null;
  errorMessage: string | null;
}

/** `size` bytes of pseudo-random filler that start with `start` instead of a TIFF header. */
function fileStartingWith(start: number[], size: number, seed: number): Buffer {
  const data = tiffLike(size, seed);
  data.fill(0, 0, 4);
  data.set(start);
  return data;
}

async function uploadView(server: TestApp, token: string, id: string) {
  const result = await graphql<{ upload: Stored | null }>(
    server.url,
    token,
    'query($id: ID!) { upload(id: $id) { status storedName detectedFormat errorMessage } }',
    { id },
  );
  return result.data?.upload;
}

describe('naming policies, through real tus uploads', () => {
  let server: TestApp;
  let adminToken: string;
  let user: { id: string; token: string };
  let dataDir: string;

  const stored = (id: string, token = user.token) => uploadView(server, token, id);
  const folder = (userId = user.id) => join(dataDir, 'uploads', 'files', userId);
  const bytesOf = async (name: string, userId = user.id) => sha256(await readFile(join(folder(userId), name)));
  const setSettings = async (input: Record<string, unknown>) => {
    const result = await graphql(
      server.url,
      adminToken,
      'mutation($input: UploaderSettingsInput!) { updateUploaderSettings(input: $input) { namingPolicy collisionPolicy } }',
      { input },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.updateUploaderSettings).toMatchObject(input);
  };
  /** Uploads with tus-js-client in 16 KiB chunks; resolves with the name the file was stored under. */
  const upload = async (name: string, data: Buffer, token = user.token) => {
    const id = await tusJsUpload(server.url, token, data, name);
    const view = await stored(id, token);
    expect(view?.status).toBe('COMPLETED');
    return view!.storedName!;
  };

  beforeAll(async () => {
    server = await startTestApp();
    dataDir = server.app.get(Environment).dataDir;
    adminToken = await accessToken(server.url);
    user = await createUser(server.url, adminToken, 'namer');
  });
  afterEach(() => setSettings({ namingPolicy: 'KEEP', collisionPolicy: 'RENAME' }));
  afterAll(() => server.close());

  describe('INCREMENT', () => {
    it('numbers every file from -0001, before the whole extension, and each owner on their own', async () => {
      await setSettings({ namingPolicy: 'INCREMENT' });
      const first = tiffLike(40_000, 1);
      const second = tiffLike(40_000, 2);
      const ome = tiffLike(20_000, 3);
      expect(await upload('scan.tif', first)).toBe('scan-0001.tif');
      expect(await upload('scan.tif', second)).toBe('scan-0002.tif');
      expect(await upload('cells.ome.tiff', ome)).toBe('cells-0001.ome.tiff');
      expect(await bytesOf('scan-0001.tif')).toBe(sha256(first));
      expect(await bytesOf('scan-0002.tif')).toBe(sha256(second));
      expect(await bytesOf('cells-0001.ome.tiff')).toBe(sha256(ome));

      const other = await createUser(server.url, adminToken, 'other-namer');
      expect(await upload('scan.tif', tiffLike(1000, 4), other.token)).toBe('scan-0001.tif');
    });

    it('skips numbers already taken, by files stored under another policy too', async () => {
      const kept = tiffLike(1000, 5);
      expect(await upload('plate.tif', kept)).toBe('plate.tif');
      expect(await upload('plate-0001.tif', tiffLike(1000, 6))).toBe('plate-0001.tif');
      await setSettings({ namingPolicy: 'INCREMENT' });
      const next = tiffLike(1000, 7);
      expect(await upload('plate.tif', next)).toBe('plate-0002.tif');
      expect(await bytesOf('plate.tif')).toBe(sha256(kept));
      expect(await bytesOf('plate-0002.tif')).toBe(sha256(next));
    });

    it('gives uploads of one name that complete together a number each, losing none', async () => {
      await setSettings({ namingPolicy: 'INCREMENT' });
      const files = [11, 12, 13, 14, 15].map((seed) => tiffLike(48_000, seed));
      const names = await Promise.all(files.map((data) => upload('burst.tif', data)));
      expect([...names].sort()).toEqual([
        'burst-0001.tif',
        'burst-0002.tif',
        'burst-0003.tif',
        'burst-0004.tif',
        'burst-0005.tif',
      ]);
      for (const [i, name] of names.entries()) expect(await bytesOf(name)).toBe(sha256(files[i]));
    });

    it('never refuses a name under the ERROR collision policy, since it never reuses one', async () => {
      await setSettings({ namingPolicy: 'INCREMENT', collisionPolicy: 'ERROR' });
      expect(await upload('strict.tif', tiffLike(1000, 21))).toBe('strict-0001.tif');
      expect(await upload('strict.tif', tiffLike(1000, 22))).toBe('strict-0002.tif');
    });
  });

  describe('RANDOM_SUFFIX', () => {
    it('adds eight hex digits before the extension, different for each file of one name', async () => {
      await setSettings({ namingPolicy: 'RANDOM_SUFFIX' });
      const files = [31, 32, 33].map((seed) => tiffLike(40_000, seed));
      const names = [];
      for (const data of files) names.push(await upload('field.ome.tif', data));
      for (const name of names) expect(name).toMatch(/^field-[0-9a-f]{8}\.ome\.tif$/);
      expect(new Set(names).size).toBe(3);
      for (const [i, name] of names.entries()) expect(await bytesOf(name)).toBe(sha256(files[i]));
    });

    it('keeps every file of a burst with one name, under the ERROR collision policy too', async () => {
      await setSettings({ namingPolicy: 'RANDOM_SUFFIX', collisionPolicy: 'ERROR' });
      const files = [41, 42, 43, 44].map((seed) => tiffLike(48_000, seed));
      const names = await Promise.all(files.map((data) => upload('well.tif', data)));
      expect(new Set(names).size).toBe(4);
      for (const [i, name] of names.entries()) {
        expect(name).toMatch(/^well-[0-9a-f]{8}\.tif$/);
        expect(await bytesOf(name)).toBe(sha256(files[i]));
      }
      expect(readdirSync(folder()).filter((name) => name.startsWith('well'))).toHaveLength(4);
    });
  });
});

describe('format detection, through real tus uploads', () => {
  let server: TestApp;
  let token: string;
  let tus: TusClient;

  beforeAll(async () => {
    server = await startTestApp();
    token = (await createUser(server.url, await accessToken(server.url), 'detector')).token;
    tus = new TusClient(server.url, token);
  });
  afterAll(() => server.close());

  const view = (id: string) => uploadView(server, token, id);

  it('records an ND2 in its JPEG 2000 form as ND2', async () => {
    const data = fileStartingWith([0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20], 20_000, 51);
    const { response, id } = await tus.create('stack.nd2', data.length, {}, data);
    expect(response.status).toBe(201);
    expect(await view(id)).toMatchObject({ status: 'COMPLETED', detectedFormat: 'ND2' });
  });

  it('refuses LIF bytes under a .tif name, saying what the content is', async () => {
    const data = fileStartingWith([0x70, 0x11, 0x11, 0x11], 20_000, 52);
    data[8] = 0x2a;
    const { response } = await tus.create('disguised.tif', data.length, {}, data);
    expect(response.status).toBe(415);
    expect(response.body).toContain('disguised.tif is not an image we can import: its content is of an unknown kind.');

    const named = await tus.create('genuine.lif', data.length, {}, data);
    expect(named.response.status).toBe(201);
    expect(await view(named.id)).toMatchObject({ status: 'COMPLETED', detectedFormat: 'LIF' });
  });
});

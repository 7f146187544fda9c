import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync } from 'node:fs';
import { appendFile, link, readFile, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { Environment } from '../src/environment/environment.js';
import { UploadMaintenanceJob } from '../src/upload/upload-maintenance.job.js';
import { UploadsService } from '../src/upload/uploads.service.js';
import { accessToken, createUser, graphql } from './support/clients.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { raw, sha256, tiffLike, TUS, TusClient, tusJsUpload } from './support/tus.js';

const SAMPLES = join(dirname(new URL(import.meta.url).pathname), 'fixtures', 'samples');
const UPLOAD = `query($id: ID!) { upload(id: $id) {
  id fileName storedName sizeBytes offsetBytes status detectedFormat sha256 errorMessage completedAt } }`;

interface UploadView {
  id: string;
  fileName: string;
  storedName: string | null;
  sizeBytes: number | null;
  offsetBytes: number;
  status: string;
  detectedFormat: string | null;
  sha256: string | null;
  errorMessage: string | null;
}

describe('uploads over tus', () => {
  let server: TestApp;
  let adminToken: string;
  let user: { id: string; token: string };
  let tus: TusClient;
  let db: pg.Client;
  let dataDir: string;

  const view = async (id: string, token = user.token) =>
    (await graphql<{ upload: UploadView | null }>(server.url, token, UPLOAD, { id })).data?.upload;
  const incomingFiles = () => readdirSync(join(dataDir, 'uploads', 'incoming'));
  const events = async (uploadId: string) =>
    (
      await db.query<{ event_type: string; error_code: string | null; size_bytes: string | null }>(
        'SELECT event_type, error_code, size_bytes, duration_ms, bytes_per_second FROM analytics_events WHERE upload_id = $1 ORDER BY id',
        [uploadId],
      )
    ).rows;
  const setSettings = (input: Record<string, unknown>) =>
    graphql(
      server.url,
      adminToken,
      'mutation($input: UploaderSettingsInput!) { updateUploaderSettings(input: $input) { maxFileSizeBytes } }',
      { input },
    );
  const setFlag = (enabled: boolean) =>
    graphql(
      server.url,
      adminToken,
      'mutation($enabled: Boolean!) { setFeatureFlag(key: "newUploader", enabled: $enabled) { enabled } }',
      { enabled },
    );

  beforeAll(async () => {
    server = await startTestApp();
    dataDir = server.app.get(Environment).dataDir;
    adminToken = await accessToken(server.url);
    user = await createUser(server.url, adminToken, 'uploader');
    tus = new TusClient(server.url, user.token);
    db = new pg.Client({ connectionString: server.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await server.close();
  });

  describe('every sample file, with tus-js-client in 16 KiB chunks', () => {
    const expected: [string, string][] = [
      ['cells-uint8.tiff', 'TIFF'],
      ['cells-uint16.tiff', 'TIFF'],
      ['bfconvert.ome.tiff', 'OME-TIFF'],
      ['labels.png', 'PNG'],
      ['camera.jpg', 'PNG'],
      ['ct_image.dcm', 'DICOM'],
    ];
    it.each(expected)('%s is stored with format %s and its sha256', async (file, format) => {
      const data = await readFile(join(SAMPLES, file));
      const id = await tusJsUpload(server.url, user.token, data, file);
      const upload = await view(id);
      expect(upload).toMatchObject({
        fileName: file,
        status: 'COMPLETED',
        detectedFormat: format,
        sha256: sha256(data),
        sizeBytes: data.length,
        offsetBytes: data.length,
      });
      const stored = await readFile(join(dataDir, 'uploads', 'files', user.id, upload!.storedName!));
      expect(sha256(stored)).toBe(sha256(data));
      expect(incomingFiles().filter((name) => name.startsWith(id))).toEqual([`${id}.json`]);
      expect((await events(id)).map((e) => e.event_type)).toEqual(['upload_started', 'upload_completed']);
    });
  });

  describe('the tus protocol, as the specification says', () => {
    it('answers OPTIONS without credentials, listing the extensions', async () => {
      const response = await raw(`${server.url}/api/uploads`, 'OPTIONS', {});
      expect(response.status).toBe(204);
      expect(response.headers['tus-version']).toBe('1.0.0');
      expect(String(response.headers['tus-extension']).split(',').sort()).toEqual(
        ['creation', 'creation-defer-length', 'creation-with-upload', 'expiration', 'termination'].sort(),
      );
    });

    it('answers 412 with Tus-Version for an unsupported or missing Tus-Resumable', async () => {
      for (const version of ['0.2.2', undefined]) {
        const headers: Record<string, string> = { authorization: `Bearer ${user.token}`, 'Upload-Length': '10' };
        if (version) headers['Tus-Resumable'] = version;
        const response = await raw(`${server.url}/api/uploads`, 'POST', headers);
        expect(response.status).toBe(412);
        expect(response.headers['tus-version']).toBe('1.0.0');
      }
    });

    it('answers 415 to a PATCH that is not application/offset+octet-stream', async () => {
      const { id } = await tus.create('a.tif', 10);
      const response = await tus.patch(id, 0, tiffLike(10), { 'Content-Type': 'application/json' });
      expect(response.status).toBe(415);
      expect((await tus.head(id)).headers['upload-offset']).toBe('0');
    });

    it('refuses unauthenticated requests with 401 that a browser on another origin can read', async () => {
      const response = await raw(`${server.url}/api/uploads`, 'POST', {
        ...TUS,
        'Upload-Length': '10',
        Origin: 'https://portal.example.org',
      });
      expect(response.status).toBe(401);
      expect(response.body).toContain('Authorization: Bearer');
      expect(response.headers['access-control-allow-origin']).toBe('*');
      expect(response.headers['tus-resumable']).toBe('1.0.0');
    });

    it('answers 413 to a body longer than the upload, and keeps the bytes that fit', async () => {
      const data = tiffLike(1000);
      const { id } = await tus.create('overlong.tif', data.length);
      // Sent without Content-Length (chunked), so the excess shows only while streaming.
      const response = await raw(
        `${server.url}/api/uploads/${id}`,
        'PATCH',
        {
          ...TUS,
          authorization: `Bearer ${user.token}`,
          'Content-Type': 'application/offset+octet-stream',
          'Upload-Offset': '0',
          'Transfer-Encoding': 'chunked',
        },
        Buffer.concat([data, data]),
      );
      expect(response.status).toBe(413);
      expect((await view(id))?.status).toBe('UPLOADING');
    });

    it('does not cut long requests short (a large chunk on a slow link)', () => {
      const http = server.app.getHttpServer() as { requestTimeout: number; timeout: number };
      expect(http.requestTimeout).toBe(0);
      expect(http.timeout).toBeGreaterThan(0);
    });

    it('creates with a Location whose id is the GraphQL Upload.id, and exposes tus headers to browsers', async () => {
      const { response, id } = await tus.create('located.tif', 100);
      expect(response.status).toBe(201);
      expect(response.headers.location).toBe(`/api/uploads/${id}`);
      expect(response.headers['upload-expires']).toBeDefined();
      expect(String(response.headers['access-control-expose-headers'])).toMatch(
        /Upload-Offset.*Location|Location.*Upload-Offset/,
      );
      expect(await view(id)).toMatchObject({ id, status: 'UPLOADING', offsetBytes: 0, sizeBytes: 100 });
      const times = await graphql<{ upload: { createdAt: string; expiresAt: string } }>(
        server.url,
        user.token,
        'query($id: ID!) { upload(id: $id) { createdAt expiresAt } }',
        { id },
      );
      const { createdAt, expiresAt } = times.data!.upload;
      expect(Date.parse(expiresAt) - Date.parse(createdAt)).toBe(72 * 3600 * 1000);
      expect(Math.abs(Date.parse(expiresAt) - Date.parse(String(response.headers['upload-expires'])))).toBeLessThan(
        2000,
      );
    });

    it('supports creation-with-upload and creation-defer-length', async () => {
      const data = tiffLike(5000);
      const withBody = await tus.create('with-body.tif', data.length, {}, data);
      expect(withBody.response.status).toBe(201);
      expect(withBody.response.headers['upload-offset']).toBe('5000');
      expect(await view(withBody.id)).toMatchObject({ status: 'COMPLETED', sha256: sha256(data) });

      const deferred = await tus.create('deferred.tif', 'deferred');
      expect((await tus.head(deferred.id)).headers['upload-defer-length']).toBe('1');
      expect((await tus.patch(deferred.id, 0, data.subarray(0, 2000))).status).toBe(204);
      const declaring = await tus.patch(deferred.id, 2000, data.subarray(2000, 3000), { 'Upload-Length': '5000' });
      expect(declaring.status).toBe(204);
      expect(await view(deferred.id)).toMatchObject({ status: 'UPLOADING', sizeBytes: 5000, offsetBytes: 3000 });
      const last = await tus.patch(deferred.id, 3000, data.subarray(3000));
      expect(last.status).toBe(204);
      expect(await view(deferred.id)).toMatchObject({ status: 'COMPLETED', sha256: sha256(data), sizeBytes: 5000 });
    });

    it('answers 409 to a PATCH at the wrong offset, changing nothing', async () => {
      const data = tiffLike(1000);
      const { id } = await tus.create('offset.tif', data.length);
      expect((await tus.patch(id, 0, data.subarray(0, 400))).status).toBe(204);
      expect((await tus.patch(id, 200, data.subarray(200))).status).toBe(409);
      expect((await tus.head(id)).headers['upload-offset']).toBe('400');
      expect((await tus.patch(id, 400, data.subarray(400))).status).toBe(204);
      expect((await view(id))?.sha256).toBe(sha256(data));
    });

    it('terminates an unfinished upload with DELETE, and refuses to terminate a finished one', async () => {
      const data = tiffLike(1000);
      const { id } = await tus.create('terminated.tif', data.length);
      await tus.patch(id, 0, data.subarray(0, 500));
      expect((await tus.delete(id)).status).toBe(204);
      expect(incomingFiles().filter((name) => name.startsWith(id))).toEqual([]);
      expect((await view(id))?.status).toBe('CANCELLED');
      expect((await tus.head(id)).status).toBe(410);

      const done = await tus.create('finished.tif', data.length, {}, data);
      expect((await tus.delete(done.id)).status).toBe(400);
      const head = await tus.head(done.id);
      expect(head.status).toBe(200);
      expect(head.headers['upload-offset']).toBe('1000');
    });
  });

  describe('validation', () => {
    it('requires a file name', async () => {
      const response = await raw(`${server.url}/api/uploads`, 'POST', {
        ...TUS,
        authorization: `Bearer ${user.token}`,
        'Upload-Length': '10',
      });
      expect(response.status).toBe(400);
      expect(response.body).toContain('filename');
    });

    it('refuses an extension outside the allowed list with 415, listing what is accepted', async () => {
      const { response } = await tus.create('setup.exe', 100);
      expect(response.status).toBe(415);
      expect(response.body).toContain('.exe');
      expect(response.body).toContain('.ome.tiff');
    });

    it('rejects an archive renamed .tif on its first bytes, and keeps none of them', async () => {
      const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), tiffLike(300_000).subarray(4)]);
      const { id } = await tus.create('not-really.tif', zip.length);
      const response = await tus.patch(id, 0, zip);
      expect(response.status).toBe(415);
      expect(response.body).toContain('ZIP archive');
      expect(incomingFiles().filter((name) => name.startsWith(id))).toEqual([]);
      expect(await view(id)).toMatchObject({
        status: 'REJECTED',
        errorMessage: expect.stringContaining('ZIP archive'),
      });
      expect((await events(id)).map((e) => [e.event_type, e.error_code])).toEqual([
        ['upload_started', null],
        ['upload_rejected', 'unsupported_content'],
      ]);
      expect((await tus.head(id)).status).toBe(410);
    });

    it('refuses an oversized file before a byte is written, naming both sizes', async () => {
      await setSettings({ maxFileSizeBytes: 1_000_000 });
      try {
        const { response } = await tus.create('huge.czi', 12_400_000_000, {}, tiffLike(1024));
        expect(response.status).toBe(413);
        expect(response.body).toContain('huge.czi is 12.4 GB; the limit is 1 MB');
        const { rows } = await db.query("SELECT count(*)::int AS n FROM uploads WHERE file_name = 'huge.czi'");
        expect(rows[0].n).toBe(0);
      } finally {
        await setSettings({ maxFileSizeBytes: 536870912000 });
      }
    });

    it.each([
      ['../../x.tif', 'x.tif'],
      ['..\\..\\windows\\system32\\evil.tif', 'evil.tif'],
      ['nul\u0000byte.tif', 'nulbyte.tif'],
      ['CON.tif', '_CON.tif'],
      ['.hidden.tif', 'hidden.tif'],
      [`${'a'.repeat(300)}.tif`, `${'a'.repeat(196)}.tif`],
    ])('stores %j safely inside the owner folder, as %j', async (name, storedAs) => {
      const data = tiffLike(2000);
      const { id } = await tus.create(name, data.length, {}, data);
      const upload = await view(id);
      expect(upload?.status).toBe('COMPLETED');
      expect(upload?.storedName?.replace(/ \(\d+\)(?=\.tif$)/, '')).toBe(storedAs);
      const { rows } = await db.query<{ storage_path: string }>('SELECT storage_path FROM uploads WHERE id = $1', [id]);
      expect(dirname(rows[0].storage_path)).toBe(join('uploads', 'files', user.id));
      expect(existsSync(join(dataDir, rows[0].storage_path))).toBe(true);
    });

    it('never overwrites: a second file of the same name gets a new name', async () => {
      const first = tiffLike(1000, 1);
      const second = tiffLike(1000, 2);
      const a = await tus.create('twin.tif', 1000, {}, first);
      const b = await tus.create('twin.tif', 1000, {}, second);
      const [viewA, viewB] = [await view(a.id), await view(b.id)];
      expect(viewA?.storedName).toBe('twin.tif');
      expect(viewB?.storedName).toBe('twin (1).tif');
      const folder = join(dataDir, 'uploads', 'files', user.id);
      expect(sha256(await readFile(join(folder, 'twin.tif')))).toBe(sha256(first));
      expect(sha256(await readFile(join(folder, 'twin (1).tif')))).toBe(sha256(second));
    });

    it('applies the error collision policy at creation', async () => {
      await setSettings({ collisionPolicy: 'ERROR' });
      try {
        await tus.create('unique.tif', 1000, {}, tiffLike(1000));
        const { response } = await tus.create('unique.tif', 1000);
        expect(response.status).toBe(409);
        expect(response.body).toContain('unique.tif is already in your upload folder');
      } finally {
        await setSettings({ collisionPolicy: 'RENAME' });
      }
    });

    it('validates the import target metadata', async () => {
      const { response } = await tus.create('target.tif', 100, { targetType: 'PROJECT', targetId: '1', groupId: '2' });
      expect(response.status).toBe(400);
      expect(response.body).toContain('DATASET or SCREEN');
      const longGroup = await tus.create('target.tif', 100, { groupId: 'g'.repeat(65) });
      expect(longGroup.response.status).toBe(400);
      expect(longGroup.response.body).toContain('groupId');
      const oddType = await tus.create('target.tif', 100, { filetype: 'image/tiff\u0000' });
      expect(oddType.response.status).toBe(201);
      const ok = await tus.create('target.tif', 100, { targetType: 'DATASET', targetId: '51', groupId: '3' });
      expect(ok.response.status).toBe(201);
      const { rows } = await db.query('SELECT target_type, target_id, group_id FROM uploads WHERE id = $1', [ok.id]);
      expect(rows[0]).toEqual({ target_type: 'DATASET', target_id: '51', group_id: '3' });
    });
  });

  describe('ownership', () => {
    it("answers 404 to another user's HEAD, PATCH and DELETE, and hides the upload from their lists", async () => {
      const data = tiffLike(1000);
      const { id } = await tus.create('private.tif', data.length);
      await tus.patch(id, 0, data.subarray(0, 100));
      const intruder = await createUser(server.url, adminToken, 'intruder');
      const other = new TusClient(server.url, intruder.token);
      expect((await other.head(id)).status).toBe(404);
      expect((await other.patch(id, 100, data.subarray(100))).status).toBe(404);
      expect((await other.delete(id)).status).toBe(404);
      expect(await view(id, intruder.token)).toBeNull();
      const list = await graphql<{ uploads: unknown[] }>(server.url, intruder.token, '{ uploads { id } }');
      expect(list.data?.uploads).toEqual([]);
      const cancel = await graphql(server.url, intruder.token, 'mutation($id: ID!) { cancelUpload(id: $id) { id } }', {
        id,
      });
      expect(cancel.errors?.[0].extensions?.code).toBe('NOT_FOUND');
      expect((await tus.head(id)).headers['upload-offset']).toBe('100');
    });
  });

  describe('GraphQL', () => {
    it('lists unfinished uploads with their progress, and cancels one', async () => {
      const data = tiffLike(10_000);
      const { id } = await tus.create('progress.tif', data.length);
      await tus.patch(id, 0, data.subarray(0, 4096));
      const list = await graphql<{ uploads: UploadView[] }>(
        server.url,
        user.token,
        '{ uploads(status: UPLOADING) { id offsetBytes sizeBytes } }',
      );
      expect(list.data?.uploads.find((u) => u.id === id)).toEqual({ id, offsetBytes: 4096, sizeBytes: 10_000 });

      const cancelled = await graphql<{ cancelUpload: UploadView }>(
        server.url,
        user.token,
        'mutation($id: ID!) { cancelUpload(id: $id) { status offsetBytes } }',
        { id },
      );
      expect(cancelled.data?.cancelUpload).toEqual({ status: 'CANCELLED', offsetBytes: 0 });
      expect(incomingFiles().filter((name) => name.startsWith(id))).toEqual([]);
      const again = await graphql(server.url, user.token, 'mutation($id: ID!) { cancelUpload(id: $id) { status } }', {
        id,
      });
      expect(again.errors?.[0].extensions?.code).toBe('CONFLICT');
    });

    it('lets every user read the flags and settings, and only admins change them', async () => {
      const read = await graphql<{
        featureFlags: { key: string; enabled: boolean }[];
        uploaderSettings: Record<string, unknown>;
      }>(
        server.url,
        user.token,
        '{ featureFlags { key enabled description updatedAt } uploaderSettings { maxFileSizeBytes allowedExtensions chunkSizeBytes autoImport uploadExpiryHours namingPolicy collisionPolicy } }',
      );
      expect(read.data?.featureFlags).toContainEqual(expect.objectContaining({ key: 'newUploader', enabled: true }));
      expect(read.data?.uploaderSettings).toMatchObject({
        maxFileSizeBytes: 536870912000,
        namingPolicy: 'KEEP',
        collisionPolicy: 'RENAME',
      });

      const flag = await graphql(
        server.url,
        user.token,
        'mutation { setFeatureFlag(key: "newUploader", enabled: false) { enabled } }',
      );
      expect(flag.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      const settings = await graphql(
        server.url,
        user.token,
        'mutation { updateUploaderSettings(input: { autoImport: false }) { autoImport } }',
      );
      expect(settings.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      const unknown = await graphql(
        server.url,
        adminToken,
        'mutation { setFeatureFlag(key: "noSuchFlag", enabled: true) { enabled } }',
      );
      expect(unknown.errors?.[0]).toMatchObject({
        extensions: { code: 'NOT_FOUND' },
        message: expect.stringContaining('newUploader'),
      });
      const invalid = await setSettings({ chunkSizeBytes: 10, allowedExtensions: ['../etc'] });
      expect(invalid.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(invalid.errors?.[0].message).toContain('chunkSizeBytes must be at least 1 MiB');
      expect(invalid.errors?.[0].message).toContain('each allowed extension must be like "tif"');
    });
  });

  describe('the newUploader flag', () => {
    it('off refuses new uploads with 403 and lets started ones finish', async () => {
      const data = tiffLike(2000);
      const { id } = await tus.create('started.tif', data.length);
      await tus.patch(id, 0, data.subarray(0, 1000));
      expect((await setFlag(false)).data).toEqual({ setFeatureFlag: { enabled: false } });
      try {
        const refused = await tus.create('refused.tif', 100);
        expect(refused.response.status).toBe(403);
        expect(refused.response.body).toContain('switched off');
        expect((await tus.patch(id, 1000, data.subarray(1000))).status).toBe(204);
        expect((await view(id))?.sha256).toBe(sha256(data));
      } finally {
        await setFlag(true);
      }
    });
  });

  describe('expiry', () => {
    it('deletes the bytes of expired unfinished uploads and marks them expired', async () => {
      const data = tiffLike(2000);
      const { id } = await tus.create('abandoned.tif', data.length);
      await tus.patch(id, 0, data.subarray(0, 1000));
      const kept = await tus.create('recent.tif', data.length);
      await tus.patch(kept.id, 0, data.subarray(0, 1000));
      await db.query("UPDATE uploads SET created_at = now() - interval '73 hours' WHERE id = $1", [id]);

      await server.app.get(UploadMaintenanceJob).runOnce();

      expect((await view(id))?.status).toBe('EXPIRED');
      expect(incomingFiles().filter((name) => name.startsWith(id))).toEqual([]);
      expect((await events(id)).map((e) => e.event_type)).toContain('upload_expired');
      expect((await view(kept.id))?.status).toBe('UPLOADING');
      expect((await tus.head(id)).status).toBe(410);
    });

    it('never expires an upload whose bytes have all arrived: it completes it instead', async () => {
      const data = tiffLike(2000);
      const { id } = await tus.create('last-minute.tif', data.length);
      await tus.patch(id, 0, data.subarray(0, 1000));
      // The last bytes arrive, but the process stops before completing (simulated by writing
      // the rest straight to the incoming file).
      const { appendFile } = await import('node:fs/promises');
      await appendFile(join(dataDir, 'uploads', 'incoming', id), data.subarray(1000));
      await db.query("UPDATE uploads SET created_at = now() - interval '73 hours' WHERE id = $1", [id]);

      await server.app.get(UploadMaintenanceJob).runOnce();

      expect(await view(id)).toMatchObject({ status: 'COMPLETED', sha256: sha256(data) });
    });
  });

  describe('completion and the import hand-over', () => {
    it('runs completion listeners inside the transaction that marks the upload completed', async () => {
      const seen: { status: string; targetId: string | null; rowStatus: string }[] = [];
      const remove = server.app.get(UploadsService).onCompleted(async (upload, manager) => {
        const [row] = (await manager.query('SELECT status FROM uploads WHERE id = $1', [upload.id])) as {
          status: string;
        }[];
        seen.push({ status: upload.status, targetId: upload.targetId, rowStatus: row.status });
      });
      try {
        const data = tiffLike(3000);
        const { id } = await tus.create(
          'handed-over.tif',
          data.length,
          { targetType: 'DATASET', targetId: '51', groupId: '3' },
          data,
        );
        expect((await view(id))?.status).toBe('COMPLETED');
        expect(seen).toEqual([{ status: 'completed', targetId: '51', rowStatus: 'completed' }]);
      } finally {
        remove();
      }
    });

    it('keeps the bytes and the upload unfinished when the hand-over fails, and completes it later', async () => {
      const remove = server.app.get(UploadsService).onCompleted(async () => {
        throw new Error('import queue unavailable');
      });
      const data = tiffLike(3000);
      const { id } = await tus.create('retried.tif', data.length);
      try {
        expect((await tus.patch(id, 0, data)).status).toBe(500);
        expect((await view(id))?.status).toBe('UPLOADING');
        expect(incomingFiles()).toContain(id);
        expect(readdirSync(join(dataDir, 'uploads', 'files', user.id))).not.toContain('retried.tif');
      } finally {
        remove();
      }
      await server.app.get(UploadMaintenanceJob).runOnce();
      expect(await view(id)).toMatchObject({ status: 'COMPLETED', storedName: 'retried.tif', sha256: sha256(data) });
      expect(incomingFiles()).not.toContain(id);
    });

    it('replaces an older file under the overwrite collision policy', async () => {
      await setSettings({ collisionPolicy: 'OVERWRITE' });
      try {
        const newer = tiffLike(1500, 9);
        await tus.create('replaced.tif', 1500, {}, tiffLike(1500, 8));
        const { id } = await tus.create('replaced.tif', 1500, {}, newer);
        expect((await view(id))?.storedName).toBe('replaced.tif');
        const folder = join(dataDir, 'uploads', 'files', user.id);
        expect(sha256(await readFile(join(folder, 'replaced.tif')))).toBe(sha256(newer));
        expect(readdirSync(folder).filter((name) => name.startsWith('.'))).toEqual([]);
      } finally {
        await setSettings({ collisionPolicy: 'RENAME' });
      }
    });
  });

  describe('the file is in place before the import is handed over', () => {
    const folder = () => join(dataDir, 'uploads', 'files', user.id);
    const hiddenFiles = () => readdirSync(folder()).filter((name) => name.startsWith('.'));

    it('lets completion listeners find the file under its final name under every collision policy', async () => {
      for (const policy of ['RENAME', 'OVERWRITE']) {
        await setSettings({ collisionPolicy: policy });
        const seen: { storagePath: string | null; sha256: string | null }[] = [];
        const remove = server.app.get(UploadsService).onCompleted(async (upload) => {
          const placed = join(dataDir, upload.storagePath!);
          seen.push({
            storagePath: upload.storagePath,
            sha256: existsSync(placed) ? sha256(await readFile(placed)) : null,
          });
        });
        try {
          const older = tiffLike(1800, 3);
          const newer = tiffLike(1800, 4);
          await tus.create(`placed-${policy}.tif`, older.length, {}, older);
          const { id } = await tus.create(`placed-${policy}.tif`, newer.length, {}, newer);
          expect(seen).toHaveLength(2);
          const storedName = (await view(id))!.storedName!;
          expect(seen[1]).toEqual({
            storagePath: join('uploads', 'files', user.id, storedName),
            sha256: sha256(newer),
          });
        } finally {
          remove();
          await setSettings({ collisionPolicy: 'RENAME' });
        }
      }
    });

    it('puts the replaced file back when the transaction fails under the overwrite policy, and completes later', async () => {
      await setSettings({ collisionPolicy: 'OVERWRITE' });
      const older = tiffLike(1700, 5);
      const newer = tiffLike(1700, 6);
      try {
        await tus.create('restored.tif', older.length, {}, older);
        let placedWhenFailing: string | undefined;
        const remove = server.app.get(UploadsService).onCompleted(async () => {
          placedWhenFailing = sha256(await readFile(join(folder(), 'restored.tif')));
          throw new Error('import queue unavailable');
        });
        const { id } = await tus.create('restored.tif', newer.length);
        try {
          expect((await tus.patch(id, 0, newer)).status).toBe(500);
        } finally {
          remove();
        }
        // The failing listener saw the new bytes in place; the rollback put the old ones back.
        expect(placedWhenFailing).toBe(sha256(newer));
        expect(sha256(await readFile(join(folder(), 'restored.tif')))).toBe(sha256(older));
        expect(hiddenFiles()).toEqual([]);
        expect((await view(id))?.status).toBe('UPLOADING');
        expect(incomingFiles()).toContain(id);

        await server.app.get(UploadMaintenanceJob).runOnce();
        expect(await view(id)).toMatchObject({ status: 'COMPLETED', storedName: 'restored.tif' });
        expect(sha256(await readFile(join(folder(), 'restored.tif')))).toBe(sha256(newer));
        expect(hiddenFiles()).toEqual([]);
      } finally {
        await setSettings({ collisionPolicy: 'RENAME' });
      }
    });

    it('completes an upload whose completion stopped after placing its file, keeping the replaced file until it commits', async () => {
      await setSettings({ collisionPolicy: 'OVERWRITE' });
      try {
        const older = tiffLike(1600, 7);
        const newer = tiffLike(1600, 8);
        await tus.create('interrupted.tif', older.length, {}, older);
        const { id } = await tus.create('interrupted.tif', newer.length);
        await tus.patch(id, 0, newer.subarray(0, 800));
        // The last bytes arrive, and the process stops inside the completion's transaction,
        // after the new file took the name and before the commit: the replaced file is aside.
        const incoming = join(dataDir, 'uploads', 'incoming', id);
        const placed = join(folder(), 'interrupted.tif');
        await appendFile(incoming, newer.subarray(800));
        await link(placed, join(folder(), `.replaced-${id}`));
        await unlink(placed);
        await link(incoming, placed);

        // The completion runs again and fails once more: the file it replaced is back.
        const remove = server.app.get(UploadsService).onCompleted(async () => {
          throw new Error('import queue unavailable');
        });
        try {
          await server.app.get(UploadMaintenanceJob).runOnce();
        } finally {
          remove();
        }
        expect((await view(id))?.status).toBe('UPLOADING');
        expect(sha256(await readFile(placed))).toBe(sha256(older));
        expect(hiddenFiles()).toEqual([]);

        await server.app.get(UploadsService).completeLocked(id);
        expect(await view(id)).toMatchObject({
          status: 'COMPLETED',
          storedName: 'interrupted.tif',
          sha256: sha256(newer),
        });
        expect(sha256(await readFile(placed))).toBe(sha256(newer));
        expect(hiddenFiles()).toEqual([]);
        expect(incomingFiles()).not.toContain(id);
      } finally {
        await setSettings({ collisionPolicy: 'RENAME' });
      }
    });
  });

  describe('analytics', () => {
    it('records completions with size, duration and throughput, and never a file name', async () => {
      const data = tiffLike(50_000);
      const { id } = await tus.create('analytics-secret-name.tif', data.length, {}, data);
      const completed = (await events(id)).find((e) => e.event_type === 'upload_completed') as Record<string, unknown>;
      expect(completed).toMatchObject({ size_bytes: '50000' });
      expect(Number(completed.duration_ms)).toBeGreaterThan(0);
      expect(Number(completed.bytes_per_second)).toBeGreaterThan(0);
      const dump = await db.query('SELECT * FROM analytics_events');
      expect(JSON.stringify(dump.rows)).not.toContain('analytics-secret-name');
    });
  });
});

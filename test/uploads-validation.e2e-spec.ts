import { describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { graphql } from './support/clients.js';
import { raw, sha256, tiffLike, TUS } from './support/tus.js';
import { events, incomingFiles, setFlag, setSettings, view, type UploadView } from './support/uploads-queries.js';
import { adminToken, dataDir, db, server, tus, user, useUploadsApp } from './support/uploads-world.js';

describe('uploads over tus', () => {
  useUploadsApp();

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
});

import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync } from 'node:fs';
import { appendFile, link, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { UploadMaintenanceJob } from '../src/upload/upload-maintenance.job.js';
import { UploadsService } from '../src/upload/uploads.service.js';
import { sha256, tiffLike } from './support/tus.js';
import { events, incomingFiles, setSettings, view } from './support/uploads-queries.js';
import { dataDir, db, server, tus, user, useUploadsApp } from './support/uploads-world.js';

describe('uploads over tus', () => {
  useUploadsApp();

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

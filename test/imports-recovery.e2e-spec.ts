import { describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { Environment } from '../src/environment/environment.js';
import { accessToken, graphql, starterDataset } from './support/clients.js';
import { JOB_FIELDS, type Job } from './support/imports-world.js';
import { SAMPLES } from './support/samples.js';
import { startTestApp } from './support/test-app.js';
import { TusClient } from './support/tus.js';
import { waitFor } from './support/wait-for.js';

describe('import jobs without a worker, then with one', () => {
  it('waits in the queue, can be cancelled and retried, and runs when a worker starts', async () => {
    const web = await startTestApp({ env: { APP_ROLE: 'web' } });
    try {
      const token = await accessToken(web.url);
      const target = await starterDataset(web.url, token);
      const data = await readFile(join(SAMPLES, 'camera.jpg'));
      const tus = new TusClient(web.url, token);
      const first = await tus.create('first.jpg', data.length, target, data);
      const second = await tus.create('second.jpg', data.length, target, data);
      const jobOf = async (uploadId: string) =>
        (
          await graphql<{ upload: { importJob: Job } }>(
            web.url,
            token,
            `query($id: ID!) { upload(id: $id) { importJob { ${JOB_FIELDS} } } }`,
            { id: uploadId },
          )
        ).data!.upload.importJob;
      const [a, b] = [await jobOf(first.id), await jobOf(second.id)];
      // The window is the thing under test: that nothing takes the job needs time to show, here
      // three times the queue's polling interval.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect((await jobOf(first.id)).status).toBe('QUEUED');

      const cancelled = await graphql<{ cancelImport: Job }>(
        web.url,
        token,
        `mutation($id: ID!) { cancelImport(id: $id) { ${JOB_FIELDS} } }`,
        { id: b.id },
      );
      expect(cancelled.data?.cancelImport).toMatchObject({ status: 'CANCELLED' });
      const cancelAgain = await graphql(web.url, token, 'mutation($id: ID!) { cancelImport(id: $id) { id } }', {
        id: b.id,
      });
      expect(cancelAgain.errors?.[0].extensions?.code).toBe('CONFLICT');
      const retried = await graphql<{ retryImport: Job }>(
        web.url,
        token,
        `mutation($id: ID!) { retryImport(id: $id) { ${JOB_FIELDS} } }`,
        { id: b.id },
      );
      expect(retried.data?.retryImport).toMatchObject({ status: 'QUEUED', attempts: 0 });

      // A third job's queue entry is lost (dropped from the queue's table), minutes ago.
      const third = await tus.create('third.jpg', data.length, target, data);
      const c = await jobOf(third.id);
      const db = web.app.get(DataSource);
      const [, dropped] = (await db.query(`DELETE FROM pgboss.job WHERE name = 'omero-import' AND singleton_key = $1`, [
        c.id,
      ])) as [unknown, number];
      expect(dropped).toBe(1);
      await db.query(`UPDATE import_jobs SET queued_at = now() - interval '3 minutes' WHERE id = $1`, [c.id]);

      // A worker starts: all three queued jobs run (the third sent again by its first sweep).
      const worker = await startTestApp({
        databaseUrl: web.databaseUrl,
        env: { APP_ROLE: 'worker', DATA_DIR: web.app.get(Environment).dataDir },
      });
      try {
        for (const id of [a.id, b.id, c.id]) {
          const done = await waitFor(
            async () =>
              (
                await graphql<{ importJob: Job }>(
                  web.url,
                  token,
                  `query($id: ID!) { importJob(id: $id) { ${JOB_FIELDS} } }`,
                  { id },
                )
              ).data!.importJob,
            (j) => j.status === 'SUCCEEDED' || j.status === 'FAILED',
          );
          expect(done.status).toBe('SUCCEEDED');
        }
      } finally {
        await worker.close();
      }
    } finally {
      await web.close();
    }
  });
});

describe('a job taken for lost while its import runs', () => {
  it('stops the import and leaves the job to the attempt that took it over', async () => {
    const server = await startTestApp({ env: { IMPORT_HEARTBEAT_SECONDS: '1' } });
    const blocker = new pg.Client({ connectionString: server.databaseUrl });
    await blocker.connect();
    try {
      const token = await accessToken(server.url);
      const target = await starterDataset(server.url, token);

      // While this transaction holds the sandbox's containers, an import waits at its permission check.
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE sandbox_containers IN ACCESS EXCLUSIVE MODE');
      const data = await readFile(join(SAMPLES, 'camera.jpg'));
      const upload = await new TusClient(server.url, token).create('stalled.jpg', data.length, target, data);
      const readJob = async () =>
        (
          await graphql<{ upload: { importJob: Job } }>(
            server.url,
            token,
            `query($id: ID!) { upload(id: $id) { importJob { ${JOB_FIELDS} } } }`,
            { id: upload.id },
          )
        ).data!.upload.importJob;
      const running = await waitFor(readJob, (j) => j?.status === 'RUNNING');

      // As if the sweep had taken it for lost, the user had retried it (the attempt count starts
      // again) and another worker had claimed it: attempt 1 again, but another claim.
      const db = server.app.get(DataSource);
      await db.query(
        `UPDATE import_jobs SET attempts = 1, started_at = now() + interval '1 second', heartbeat_at = now()
         WHERE id = $1`,
        [running.id],
      );
      await waitFor(
        async () => server.logs.some((line) => String(line.msg).includes(`import ${running.id} stopped`)),
        Boolean,
      );
      await blocker.query('ROLLBACK');

      // The stale worker changed nothing: the job is the new attempt's, no image was made, and
      // the uploaded file is still there for that attempt.
      // The window is the thing under test: that the released worker changes nothing can only
      // show as nothing changing for a while.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await readJob()).toMatchObject({ status: 'RUNNING', attempts: 1, omeroImageIds: [] });
      const images = (await db.query(`SELECT id FROM sandbox_images WHERE name = 'stalled.jpg'`)) as unknown[];
      expect(images).toEqual([]);
      const stored = join(server.app.get(Environment).dataDir, 'uploads', 'files');
      const owner = (await db.query('SELECT owner_id FROM uploads WHERE id = $1', [upload.id])) as {
        owner_id: string;
      }[];
      expect(existsSync(join(stored, owner[0].owner_id, 'stalled.jpg'))).toBe(true);
    } finally {
      await blocker.end();
      await server.close();
    }
  });
});

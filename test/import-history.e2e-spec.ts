import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { accessToken, createUser, graphql, starterDataset } from './support/clients.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { tiffLike, tusJsUpload } from './support/tus.js';
import { waitFor } from './support/wait-for.js';

const SAMPLES = join(dirname(new URL(import.meta.url).pathname), 'fixtures', 'samples');

/** A history list pages through importJobs with importJobCount, as through uploads with uploadCount. */
describe('importJobCount', () => {
  let server: TestApp;
  let adminToken: string;
  let user: { token: string };
  let other: { token: string };

  const count = async (token: string, status?: string) =>
    (
      await graphql<{ importJobCount: number }>(
        server.url,
        token,
        'query($s: ImportStatus) { importJobCount(status: $s) }',
        {
          s: status,
        },
      )
    ).data!.importJobCount;

  beforeAll(async () => {
    server = await startTestApp();
    adminToken = await accessToken(server.url);
    user = await createUser(server.url, adminToken, 'historian');
    other = await createUser(server.url, adminToken, 'bystander');
  });
  afterAll(() => server.close());

  it('counts the jobs importJobs lists, per status, for their owner; administrators count everyone', async () => {
    expect(await count(user.token)).toBe(0);
    const target = await starterDataset(server.url, user.token);
    const good = await readFile(join(SAMPLES, 'cells-uint8.tiff'));
    // A TIFF header over noise: accepted as an upload, then unreadable for the importer.
    await tusJsUpload(server.url, user.token, good, 'cells.tif', { metadata: { filename: 'cells.tif', ...target } });
    await tusJsUpload(server.url, user.token, tiffLike(4096), 'noise.tif', {
      metadata: { filename: 'noise.tif', ...target },
    });
    const finished = await waitFor(
      async () =>
        (await graphql<{ importJobs: { status: string }[] }>(server.url, user.token, '{ importJobs { status } }')).data!
          .importJobs,
      (jobs) => jobs.length === 2 && jobs.every((job) => job.status === 'SUCCEEDED' || job.status === 'FAILED'),
      60_000,
      200,
    );
    expect(finished.map((job) => job.status).sort()).toEqual(['FAILED', 'SUCCEEDED']);
    expect(await count(user.token)).toBe(2);
    expect(await count(user.token, 'SUCCEEDED')).toBe(1);
    expect(await count(user.token, 'FAILED')).toBe(1);
    expect(await count(user.token, 'QUEUED')).toBe(0);
    expect(await count(other.token)).toBe(0);
    expect(await count(adminToken)).toBe(2);
    const page = await graphql<{ importJobs: unknown[] }>(
      server.url,
      user.token,
      '{ importJobs(limit: 1, offset: 1) { id } }',
    );
    expect(page.data!.importJobs).toHaveLength(1);
  });

  it('needs a signed-in caller', async () => {
    const result = await graphql(server.url, undefined, '{ importJobCount }');
    expect(result.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});

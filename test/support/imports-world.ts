import { afterAll, beforeAll, expect } from '@jest/globals';
import { chmod, mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { accessToken, createUser, graphql } from './clients.js';
import { SAMPLES } from './samples.js';
import { startTestApp, type TestApp } from './test-app.js';
import { TusClient } from './tus.js';
import { waitFor } from './wait-for.js';

export const JOB_FIELDS =
  'id status fileName targetType targetId groupId uploadId omeroImageIds error errorCode attempts createdAt startedAt finishedAt';

export interface Job {
  id: string;
  status: string;
  omeroImageIds: string[];
  error: string | null;
  errorCode: string | null;
  attempts: number;
  uploadId: string | null;
}

/*
 * The world of the sandbox import tests: an app whose import folder holds one plate and two
 * links that leave it, and Alice with the starter dataset of her sandbox group. Set by
 * `useSandboxImportApp()` in a file's outer describe; read through these (live) bindings.
 */
export let server: TestApp;
export let adminToken: string;
export let alice: { id: string; token: string };
export let importRoot: string;
export let dataset: { id: string; groupId: string };

/** Starts the app before the describe's tests and closes it after them. */
export function useSandboxImportApp(): void {
  beforeAll(async () => {
    const base = await mkdtemp(join(tmpdir(), 'omero-uploader-import-'));
    importRoot = join(base, 'root');
    const outside = join(base, 'outside');
    await mkdir(join(importRoot, 'plate-1'), { recursive: true });
    await mkdir(outside);
    await writeFile(join(importRoot, 'plate-1', 'cells.tiff'), await readFile(join(SAMPLES, 'cells-uint8.tiff')));
    await writeFile(join(outside, 'secret.tif'), 'not yours');
    await symlink(join(outside, 'secret.tif'), join(importRoot, 'escape.tif'));
    await symlink(outside, join(importRoot, 'escape-dir'));
    await chmod(base, 0o755);

    server = await startTestApp({ env: { IMPORT_ROOT: importRoot } });
    adminToken = await accessToken(server.url);
    alice = await createUser(server.url, adminToken, 'alice');
    const groups = await graphql<{ groups: { id: string; name: string; sandbox: boolean }[] }>(
      server.url,
      alice.token,
      '{ groups { id name sandbox } }',
    );
    expect(groups.data?.groups).toEqual([{ id: expect.any(String), name: "alice's group", sandbox: true }]);
    const groupId = groups.data!.groups[0].id;
    const targets = await graphql<{
      importTargets: { id: string; name: string; projectName: string; canLink: boolean }[];
    }>(
      server.url,
      alice.token,
      'query($g: ID!) { importTargets(groupId: $g) { id name type groupId projectName canLink sandbox } }',
      { g: groupId },
    );
    expect(targets.data?.importTargets).toEqual([
      expect.objectContaining({
        name: 'My dataset',
        projectName: 'My project',
        canLink: true,
        sandbox: true,
        type: 'DATASET',
      }),
    ]);
    dataset = { id: targets.data!.importTargets[0].id, groupId };
  });
  afterAll(() => server.close());
}

export const job = async (id: string, token = alice.token) =>
  (
    await graphql<{ importJob: Job | null }>(
      server.url,
      token,
      `query($id: ID!) { importJob(id: $id) { ${JOB_FIELDS} } }`,
      { id },
    )
  ).data?.importJob;
export const finished = (id: string, token = alice.token) =>
  waitFor(
    () => job(id, token),
    (j) => Boolean(j && ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(j.status)),
  );

/** Uploads a file of Alice's with her dataset as its target; returns the job it queued. */
export const autoImported = async (name: string, data: Buffer) => {
  const target = { targetType: 'DATASET', targetId: dataset.id, groupId: dataset.groupId };
  const { id: uploadId } = await new TusClient(server.url, alice.token).create(name, data.length, target, data);
  const [{ id }] = (await server.app
    .get(DataSource)
    .query('SELECT id FROM import_jobs WHERE upload_id = $1', [uploadId])) as { id: string }[];
  return id;
};

/** The analytics rows of a job, oldest first. */
export const events = async (jobId: string) =>
  (await server.app
    .get(DataSource)
    .query('SELECT * FROM analytics_events WHERE import_job_id = $1 ORDER BY id', [jobId])) as Record<
    string,
    unknown
  >[];

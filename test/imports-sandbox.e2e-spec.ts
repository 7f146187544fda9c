import { describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { Environment } from '../src/environment/environment.js';
import { createUser, graphql, wsClient } from './support/clients.js';
import {
  adminToken,
  alice,
  autoImported,
  dataset,
  events,
  finished,
  importRoot,
  job,
  JOB_FIELDS,
  server,
  useSandboxImportApp,
  type Job,
} from './support/imports-world.js';
import { internalsIn } from './support/internals.js';
import { SAMPLES } from './support/samples.js';
import { sha256, TusClient } from './support/tus.js';
import { waitFor } from './support/wait-for.js';

describe('imports through the sandbox OMERO', () => {
  useSandboxImportApp();

  it('imports an upload with a target automatically, and streams QUEUED, RUNNING, SUCCEEDED over a subscription', async () => {
    const { client } = wsClient(server.url, { authorization: `Bearer ${alice.token}` });
    const seen: Job[] = [];
    const unsubscribe = client.subscribe<{ importJobUpdated: Job }>(
      { query: `subscription { importJobUpdated { ${JOB_FIELDS} } }` },
      {
        next: ({ data }) => data && seen.push(data.importJobUpdated),
        error: () => undefined,
        complete: () => undefined,
      },
    );
    const data = await readFile(join(SAMPLES, 'cells-uint16.tiff'));
    // graphql-ws acknowledges no subscription: a probe import's first event says it is in place.
    const probe = await autoImported('probe.tiff', data);
    await waitFor(async () => seen.some((j) => j.id === probe), Boolean);
    const tus = new TusClient(server.url, alice.token);
    const { id: uploadId } = await tus.create(
      'auto.tiff',
      data.length,
      { targetType: 'DATASET', targetId: dataset.id, groupId: dataset.groupId },
      data,
    );

    const ofUpload = () => seen.filter((j) => j.uploadId === uploadId);
    // One event per status change (QUEUED, RUNNING, SUCCEEDED), each carrying the job as it is
    // when delivered: on a busy machine the job may have moved on already, never back.
    await waitFor(
      async () => ofUpload().map((j) => j.status),
      (statuses) => statuses.length >= 3 && statuses.includes('SUCCEEDED'),
    );
    unsubscribe();
    await client.dispose();
    const order = ['QUEUED', 'RUNNING', 'SUCCEEDED'];
    const statuses = ofUpload().map((j) => order.indexOf(j.status));
    expect(statuses).toHaveLength(3);
    expect(statuses).toEqual([...statuses].sort());
    expect(statuses.at(-1)).toBe(2);
    const done = ofUpload().at(-1)!;
    expect(done).toMatchObject({
      uploadId,
      status: 'SUCCEEDED',
      attempts: 1,
      omeroImageIds: [expect.stringMatching(/^\d+$/)],
    });

    const upload = await graphql<{ upload: { status: string; importJob: { id: string } } }>(
      server.url,
      alice.token,
      'query($id: ID!) { upload(id: $id) { status importJob { id } } }',
      { id: uploadId },
    );
    expect(upload.data?.upload).toEqual({ status: 'IMPORTED', importJob: { id: done.id } });
    expect(await events(done.id)).toEqual([
      expect.objectContaining({ event_type: 'import_queued', size_bytes: String(data.length), outcome: null }),
      expect.objectContaining({ event_type: 'import_started', user_id: alice.id, group_id: dataset.groupId }),
      expect.objectContaining({
        event_type: 'import_succeeded',
        upload_id: uploadId,
        size_bytes: String(data.length),
        duration_ms: expect.stringMatching(/^\d+$/),
        image_count: 1,
        outcome: 'success',
      }),
    ]);
    // The stored copy went into the sandbox's repository; importUpload returns the same job.
    expect(existsSync(join(server.app.get(Environment).dataDir, 'uploads', 'files', alice.id, 'auto.tiff'))).toBe(
      false,
    );
    const again = await graphql<{ importUpload: Job }>(
      server.url,
      alice.token,
      'mutation($input: ImportUploadInput!) { importUpload(input: $input) { id } }',
      { input: { uploadId, targetType: 'DATASET', targetId: dataset.id, groupId: dataset.groupId } },
    );
    expect(again.data?.importUpload.id).toBe(done.id);
  });

  it('finds every auto-imported file in place under the overwrite policy, in a burst of uploads', async () => {
    const setCollisionPolicy = (policy: string) =>
      graphql(
        server.url,
        adminToken,
        'mutation($input: UploaderSettingsInput!) { updateUploaderSettings(input: $input) { collisionPolicy } }',
        { input: { collisionPolicy: policy } },
      );
    await setCollisionPolicy('OVERWRITE');
    try {
      const data = await readFile(join(SAMPLES, 'labels.png'));
      // The completion renames each file into place; its job may run the moment it is queued.
      const ids = await Promise.all(Array.from({ length: 8 }, (_, i) => autoImported(`burst-${i}.png`, data)));
      const outcomes = await Promise.all(ids.map((id) => finished(id)));
      expect(outcomes.map((j) => [j?.status, j?.errorCode])).toEqual(ids.map(() => ['SUCCEEDED', null]));
    } finally {
      await setCollisionPolicy('RENAME');
    }
  });

  it('fails an unreadable file permanently, saying why, with what the reader said for administrators only', async () => {
    const fake = Buffer.concat([Buffer.from([0x49, 0x49, 0x2a, 0x00]), Buffer.alloc(4000, 7)]);
    const tus = new TusClient(server.url, alice.token);
    const { id: uploadId } = await tus.create('broken.tif', fake.length, {}, fake);
    const queued = await graphql<{ importUpload: Job }>(
      server.url,
      alice.token,
      `mutation($input: ImportUploadInput!) { importUpload(input: $input) { ${JOB_FIELDS} } }`,
      { input: { uploadId, targetType: 'DATASET', targetId: dataset.id, groupId: dataset.groupId } },
    );
    expect(queued.errors).toBeUndefined();
    expect(queued.data?.importUpload.status).toBe('QUEUED');
    const failed = await finished(queued.data!.importUpload.id);
    expect(failed).toMatchObject({
      status: 'FAILED',
      errorCode: 'UNREADABLE_FILE',
      attempts: 1,
      error: expect.stringContaining('broken.tif'),
    });
    expect((await events(queued.data!.importUpload.id)).map((e) => [e.event_type, e.error_code, e.outcome])).toEqual([
      ['import_queued', null, null],
      ['import_started', null, null],
      ['import_failed', 'UNREADABLE_FILE', 'failure'],
    ]);

    // libvips's own words name the stored file's path: administrators read them in importerLog.
    expect(internalsIn(failed!.error!, [server.databaseUrl])).toEqual([]);
    const logOf = async (token: string) =>
      (
        await graphql<{ importJob: { importerLog: string | null } }>(
          server.url,
          token,
          'query($id: ID!) { importJob(id: $id) { importerLog } }',
          { id: queued.data!.importUpload.id },
        )
      ).data!.importJob.importerLog;
    expect(await logOf(alice.token)).toBeNull();
    expect(await logOf(adminToken)).toMatch(/damaged or truncated[\s\S]*\n.+[\s\S]*No imports due to errors!/);
  });

  it('gives an upload its bytes back when the import fails after taking them, so a retry succeeds', async () => {
    const db = server.app.get(DataSource);
    // The image row cannot be written: the import fails after the file moved to the repository.
    await db.query(`CREATE FUNCTION refuse_images() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'repository database unavailable'; END $$`);
    await db.query(
      'CREATE TRIGGER refuse_images BEFORE INSERT ON sandbox_images FOR EACH ROW EXECUTE FUNCTION refuse_images()',
    );
    const stored = join(server.app.get(Environment).dataDir, 'uploads', 'files', alice.id, 'comeback.png');
    let jobId: string;
    try {
      const data = await readFile(join(SAMPLES, 'labels.png'));
      jobId = await autoImported('comeback.png', data);
      // A temporary failure: queued again, with a delay, and the bytes back where they were.
      const waiting = await waitFor(
        () => job(jobId),
        (j) => j?.errorCode === 'IMPORT_FAILED',
      );
      expect(waiting).toMatchObject({ status: 'QUEUED', attempts: 1, error: expect.stringContaining('Retrying') });
      expect(sha256(await readFile(stored))).toBe(sha256(data));
    } finally {
      await db.query('DROP TRIGGER refuse_images ON sandbox_images');
      await db.query('DROP FUNCTION refuse_images()');
    }
    // Cancelled during its retry delay and retried: it runs now, not when the delay is over.
    for (const mutation of ['cancelImport', 'retryImport']) {
      const answer = await graphql(server.url, alice.token, `mutation($id: ID!) { ${mutation}(id: $id) { id } }`, {
        id: jobId,
      });
      expect(answer.errors).toBeUndefined();
    }
    expect(await finished(jobId)).toMatchObject({ status: 'SUCCEEDED', omeroImageIds: [expect.any(String)] });
    expect(existsSync(stored)).toBe(false);
  });

  it('records a successful import again when recording it fails, instead of importing the file twice', async () => {
    const db = server.app.get(DataSource);
    // The first attempt at writing SUCCEEDED fails, as if the database had restarted just then
    // (a sequence: it counts outside the transaction that the exception rolls back).
    await db.query('CREATE SEQUENCE record_hiccups');
    await db.query(`CREATE FUNCTION record_hiccup() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF nextval('record_hiccups') = 1 THEN RAISE EXCEPTION 'the database restarted'; END IF; RETURN NEW; END $$`);
    await db.query(`CREATE TRIGGER record_hiccup BEFORE UPDATE ON import_jobs FOR EACH ROW
      WHEN (NEW.status = 'SUCCEEDED') EXECUTE FUNCTION record_hiccup()`);
    try {
      const id = await autoImported('hiccup.png', await readFile(join(SAMPLES, 'labels.png')));
      const done = await finished(id);
      expect(done).toMatchObject({ status: 'SUCCEEDED', attempts: 1, omeroImageIds: [expect.any(String)] });
      const images = (await db.query(`SELECT id FROM sandbox_images WHERE name = 'hiccup.png'`)) as unknown[];
      expect(images).toHaveLength(1);
      expect(server.logs.some((line) => String(line.msg).includes(`could not record import ${id}`))).toBe(true);
    } finally {
      await db.query('DROP TRIGGER record_hiccup ON import_jobs');
      await db.query('DROP FUNCTION record_hiccup()');
      await db.query('DROP SEQUENCE record_hiccups');
    }
  });

  it('refuses a target the user may not link into with FORBIDDEN', async () => {
    const bob = await createUser(server.url, adminToken, 'bob');
    const group = await graphql<{ createSandboxGroup: { id: string } }>(
      server.url,
      adminToken,
      'mutation { createSandboxGroup(input: { name: "Shared lab", members: ["alice", "bob"] }) { id } }',
    );
    const groupId = group.data!.createSandboxGroup.id;
    const bobs = await graphql<{ createSandboxContainer: { id: string; canLink: boolean } }>(
      server.url,
      adminToken,
      'mutation($g: ID!) { createSandboxContainer(input: { groupId: $g, type: DATASET, name: "Bob only", owner: "bob" }) { id canLink } }',
      { g: groupId },
    );
    expect(bobs.errors).toBeUndefined();
    const targets = await graphql<{ importTargets: { id: string; canLink: boolean }[] }>(
      server.url,
      alice.token,
      'query($g: ID!) { importTargets(groupId: $g) { id canLink } }',
      { g: groupId },
    );
    expect(targets.data?.importTargets).toEqual([{ id: bobs.data!.createSandboxContainer.id, canLink: false }]);

    const data = await readFile(join(SAMPLES, 'labels.png'));
    const { id: uploadId } = await new TusClient(server.url, alice.token).create('labels.png', data.length, {}, data);
    const refused = await graphql(
      server.url,
      alice.token,
      'mutation($input: ImportUploadInput!) { importUpload(input: $input) { id } }',
      {
        input: { uploadId, targetType: 'DATASET', targetId: bobs.data!.createSandboxContainer.id, groupId },
      },
    );
    expect(refused.errors?.[0]).toMatchObject({
      extensions: { code: 'FORBIDDEN' },
      message: expect.stringContaining('Bob only'),
    });
    expect(bob.id).toBeDefined();
  });

  it('keeps jobs private to their owner, and shows administrators all of them', async () => {
    const mallory = await createUser(server.url, adminToken, 'mallory');
    const mine = await graphql<{ importJobs: Job[] }>(server.url, alice.token, '{ importJobs { id } }');
    expect(mine.data!.importJobs.length).toBeGreaterThan(0);
    const theirs = await graphql<{ importJobs: Job[] }>(server.url, mallory.token, '{ importJobs { id } }');
    expect(theirs.data?.importJobs).toEqual([]);
    expect(await job(mine.data!.importJobs[0].id, mallory.token)).toBeNull();
    const all = await graphql<{ importJobs: Job[] }>(server.url, adminToken, '{ importJobs(limit: 500) { id } }');
    expect(all.data!.importJobs.map((j) => j.id)).toEqual(
      expect.arrayContaining(mine.data!.importJobs.map((j) => j.id)),
    );
  });

  describe('the in-place importer', () => {
    it('lists the import folder without showing links that leave it', async () => {
      const root = await graphql<{ serverFiles: { path: string; isDirectory: boolean }[] }>(
        server.url,
        alice.token,
        '{ serverFiles { path name isDirectory sizeBytes } }',
      );
      expect(root.data?.serverFiles).toEqual([expect.objectContaining({ path: 'plate-1', isDirectory: true })]);
      const inside = await graphql<{ serverFiles: { path: string; sizeBytes: number }[] }>(
        server.url,
        alice.token,
        '{ serverFiles(path: "plate-1") { path sizeBytes } }',
      );
      expect(inside.data?.serverFiles).toEqual([{ path: 'plate-1/cells.tiff', sizeBytes: 87333 }]);
    });

    it.each(['../outside', '/etc', 'escape.tif', 'escape-dir', 'plate-1/../../outside/secret.tif', 'a\u0000b'])(
      'refuses the path %j',
      async (path) => {
        const listed = await graphql(server.url, alice.token, 'query($p: String!) { serverFiles(path: $p) { path } }', {
          p: path,
        });
        expect(listed.errors?.[0].extensions?.code).toMatch(/FORBIDDEN|NOT_FOUND/);
        const imported = await graphql(
          server.url,
          alice.token,
          'mutation($input: ImportServerFilesInput!) { importServerFiles(input: $input) { id } }',
          {
            input: { paths: [path], targetType: 'DATASET', targetId: dataset.id, groupId: dataset.groupId },
          },
        );
        expect(imported.errors?.[0].extensions?.code).toMatch(/FORBIDDEN|NOT_FOUND/);
      },
    );

    it('imports a server file in place and never touches it', async () => {
      const source = join(importRoot, 'plate-1', 'cells.tiff');
      const before = sha256(await readFile(source));
      const queued = await graphql<{ importServerFiles: Job[] }>(
        server.url,
        alice.token,
        `mutation($input: ImportServerFilesInput!) { importServerFiles(input: $input) { ${JOB_FIELDS} serverPath } }`,
        {
          input: {
            paths: ['plate-1/cells.tiff'],
            targetType: 'DATASET',
            targetId: dataset.id,
            groupId: dataset.groupId,
          },
        },
      );
      expect(queued.errors).toBeUndefined();
      expect(queued.data?.importServerFiles).toEqual([
        expect.objectContaining({ status: 'QUEUED', serverPath: 'plate-1/cells.tiff' }),
      ]);
      const done = await finished(queued.data!.importServerFiles[0].id);
      expect(done).toMatchObject({ status: 'SUCCEEDED', omeroImageIds: [expect.any(String)] });
      expect(sha256(await readFile(source))).toBe(before);
    });
  });

  it('lists every sandbox group to an administrator, members or not, and refuses others with FORBIDDEN', async () => {
    await createUser(server.url, adminToken, 'dora');
    const created = await graphql<{ createSandboxGroup: { id: string } }>(
      server.url,
      adminToken,
      'mutation { createSandboxGroup(input: { name: "Dora only", members: ["dora"], readWrite: true }) { id } }',
    );
    const groupId = created.data!.createSandboxGroup.id;
    const container = await graphql(
      server.url,
      adminToken,
      'mutation($g: ID!) { createSandboxContainer(input: { groupId: $g, type: DATASET, name: "Cells", projectName: "Lab", owner: "dora" }) { id } }',
      { g: groupId },
    );
    expect(container.errors).toBeUndefined();
    const query = '{ sandboxGroups { id name readWrite members } sandboxContainers { name type projectName groupId } }';
    type Listed = { sandboxGroups: { id: string; name: string; members: string[] }[]; sandboxContainers: unknown[] };
    const listed = await graphql<Listed>(server.url, adminToken, query);
    expect(listed.errors).toBeUndefined();
    expect(listed.data!.sandboxGroups).toContainEqual({
      id: groupId,
      name: 'Dora only',
      readWrite: true,
      members: ['dora'],
    });
    expect(listed.data!.sandboxContainers).toContainEqual({
      name: 'Cells',
      type: 'DATASET',
      projectName: 'Lab',
      groupId,
    });
    // Alice's own group is listed too, though the administrator is not in it.
    expect(listed.data!.sandboxGroups.filter((g) => g.members.includes('alice')).length).toBeGreaterThan(0);
    const refused = await graphql(server.url, alice.token, query);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(refused.data ?? null).toBeNull();
  });
});

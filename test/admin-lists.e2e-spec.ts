import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { expectedOrder, seedJobs, seedUploads, type SeededJob, type SeededUpload } from './support/admin-seed.js';
import { accessToken, createUser, graphql } from './support/clients.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { tiffLike, TusClient } from './support/tus.js';

const JOBS = `query($page: PageInput, $sort: ImportJobSort, $filter: ImportJobFilter) {
  adminImportJobs(page: $page, sort: $sort, filter: $filter) { total items { id status ownerId attempts updatedAt } }
}`;
const UPLOADS = `query($page: PageInput, $sort: UploadSort, $filter: UploadFilter) {
  adminUploads(page: $page, sort: $sort, filter: $filter) { total items { id status ownerId offsetBytes sizeBytes } }
}`;
const FIELDS = ['CREATED_AT', 'UPDATED_AT', 'STATUS', 'SIZE', 'FILE_NAME'];

interface ListPage {
  total: number;
  items: { id: string; status: string; ownerId: string; attempts?: number; offsetBytes?: number }[];
}

/** The administrators' lists of everyone's import jobs and uploads, and their bulk actions. */
describe('admin lists of import jobs and uploads', () => {
  let server: TestApp;
  let db: pg.Client;
  let adminToken: string;
  let alice: { id: string; token: string };
  let bob: { id: string; token: string };
  let jobs: SeededJob[];
  let uploads: SeededUpload[];

  const list = async (query: string, variables: Record<string, unknown>) => {
    const result = await graphql<Record<string, ListPage>>(server.url, adminToken, query, variables);
    if (!result.data) throw new Error(JSON.stringify(result.errors));
    return Object.values(result.data)[0];
  };
  const listJobs = (variables: Record<string, unknown> = {}) => list(JOBS, variables);
  const listUploads = (variables: Record<string, unknown> = {}) => list(UPLOADS, variables);
  const ids = (page: ListPage) => page.items.map((item) => item.id);
  const sorted = (rows: { id: string }[]) => rows.map((row) => row.id).sort();
  /** Each filter answers exactly its expected rows, fewer than all of them, and counts them in the total. */
  const expectFiltered = async <T extends { id: string }>(
    listOf: (variables: Record<string, unknown>) => Promise<ListPage>,
    all: T[],
    cases: [Record<string, unknown>, T[]][],
  ) => {
    for (const [filter, expected] of cases) {
      expect(expected.length).toBeLessThan(all.length);
      const page = await listOf({ filter });
      expect({ filter, total: page.total, ids: sorted(page.items) }).toEqual({
        filter,
        total: expected.length,
        ids: sorted(expected),
      });
    }
  };

  beforeAll(async () => {
    server = await startTestApp();
    db = new pg.Client({ connectionString: server.databaseUrl });
    await db.connect();
    adminToken = await accessToken(server.url);
    alice = await createUser(server.url, adminToken, 'alice');
    bob = await createUser(server.url, adminToken, 'bob');
    jobs = await seedJobs(db, [alice.id, bob.id]);
    uploads = await seedUploads(db, [alice.id, bob.id]);
  });
  afterAll(async () => {
    await db?.end();
    await server?.close();
  });

  describe('adminImportJobs', () => {
    it("lists everyone's jobs newest first, a page at a time, with the total", async () => {
      const newestFirst = expectedOrder(jobs, 'CREATED_AT', 'DESC');
      const first = await listJobs({ page: { limit: 5, offset: 0 } });
      const last = await listJobs({ page: { limit: 5, offset: 10 } });

      expect(first.total).toBe(12);
      expect(ids(first)).toEqual(newestFirst.slice(0, 5));
      expect(last.total).toBe(12);
      expect(ids(last)).toEqual(newestFirst.slice(10));
      expect(new Set(first.items.map((item) => item.ownerId))).toEqual(new Set([alice.id, bob.id]));
      expect(ids(await listJobs())).toEqual(newestFirst);
    });

    it('sorts by each field, both ways, ties broken by id', async () => {
      for (const field of FIELDS) {
        for (const direction of ['ASC', 'DESC'] as const) {
          const page = await listJobs({ sort: { field, direction }, page: { limit: 100, offset: 0 } });
          expect({ field, direction, ids: ids(page) }).toEqual({
            field,
            direction,
            ids: expectedOrder(jobs, field, direction),
          });
        }
      }
    });

    it('filters by status, user, date range, target, group, error code, file name and ids', async () => {
      const cases: [Record<string, unknown>, SeededJob[]][] = [
        [{ status: ['FAILED', 'CANCELLED'] }, jobs.filter((j) => ['FAILED', 'CANCELLED'].includes(j.status))],
        [{ ownerId: bob.id }, jobs.filter((j) => j.ownerId === bob.id)],
        [
          { createdFrom: jobs[3].createdAt, createdTo: jobs[7].createdAt },
          jobs.filter((j) => j.createdAt >= jobs[3].createdAt && j.createdAt < jobs[7].createdAt),
        ],
        [{ targetType: 'SCREEN' }, jobs.filter((j) => j.targetType === 'SCREEN')],
        [{ targetId: 't1', groupId: 'g1' }, jobs.filter((j) => j.targetId === 't1' && j.groupId === 'g1')],
        [{ errorCode: 'TIMEOUT' }, jobs.filter((j) => j.errorCode === 'TIMEOUT')],
        [{ fileName: 'LE-C' }, jobs.filter((j) => j.fileName.includes('le-c'))],
        [{ fileName: '%' }, []],
        [{ ids: [jobs[0].id, jobs[5].id] }, [jobs[0], jobs[5]]],
        [
          { status: ['SUCCEEDED'], ownerId: alice.id },
          jobs.filter((j) => j.status === 'SUCCEEDED' && j.ownerId === alice.id),
        ],
      ];
      await expectFiltered(listJobs, jobs, cases);
    });

    it('refuses a malformed filter with a message saying what is wrong', async () => {
      const result = await graphql(server.url, adminToken, JOBS, { filter: { ownerId: 'bob' } });
      expect(result.errors?.[0]).toMatchObject({
        message: expect.stringContaining('ownerId must be a user id'),
        extensions: { code: 'BAD_USER_INPUT' },
      });
      const backwards = await graphql(server.url, adminToken, JOBS, {
        filter: { createdFrom: '2026-02-01T00:00:00Z', createdTo: '2026-01-01T00:00:00Z' },
      });
      expect(backwards.errors?.[0].message).toBe('createdFrom and createdTo: the start must not be after the end.');
    });
  });

  describe('retryImports and cancelImports', () => {
    it('retries each failed job and says why it did not retry the others', async () => {
      const failed = jobs.find((j) => j.status === 'FAILED')!;
      const succeeded = jobs.find((j) => j.status === 'SUCCEEDED')!;
      const missing = '00000000-0000-4000-8000-000000000000';
      const result = await graphql<{ retryImports: unknown[] }>(
        server.url,
        adminToken,
        'mutation($ids: [ID!]!) { retryImports(ids: $ids) { id ok code message } }',
        { ids: [failed.id, succeeded.id, missing] },
      );

      expect(result.data!.retryImports).toEqual([
        { id: failed.id, ok: true, code: null, message: null },
        {
          id: succeeded.id,
          ok: false,
          code: 'CONFLICT',
          message: 'This import is succeeded; only a failed or cancelled import can be retried.',
        },
        { id: missing, ok: false, code: 'NOT_FOUND', message: `There is no import job ${missing} of yours.` },
      ]);
      // Queued again: its attempts start over (it was seeded with 3); the worker may have run it since.
      const [retried] = (await listJobs({ filter: { ids: [failed.id] } })).items;
      expect(retried.attempts).toBeLessThan(3);
      const [untouched] = (await listJobs({ filter: { ids: [succeeded.id] } })).items;
      expect(untouched.status).toBe('SUCCEEDED');
    });

    it('cancels each queued job, and reports a finished one as a conflict', async () => {
      const queued = jobs.filter((j) => j.status === 'QUEUED');
      const done = jobs.find((j) => j.status === 'CANCELLED')!;
      const result = await graphql<{ cancelImports: { id: string; ok: boolean; code: string | null }[] }>(
        server.url,
        adminToken,
        'mutation($ids: [ID!]!) { cancelImports(ids: $ids) { id ok code } }',
        { ids: [...queued.map((j) => j.id), done.id] },
      );

      expect(result.data!.cancelImports).toEqual([
        ...queued.map((j) => ({ id: j.id, ok: true, code: null })),
        { id: done.id, ok: false, code: 'CONFLICT' },
      ]);
      const after = await listJobs({ filter: { ids: queued.map((j) => j.id) } });
      expect(after.items.map((item) => item.status)).toEqual(queued.map(() => 'CANCELLED'));
    });

    it('refuses an empty list of ids', async () => {
      const result = await graphql(server.url, adminToken, 'mutation { retryImports(ids: []) { ok } }');
      expect(result.errors?.[0]).toMatchObject({
        message: expect.stringContaining('ids must name at least one id'),
        extensions: { code: 'BAD_USER_INPUT' },
      });
    });
  });

  describe('adminUploads and cancelUploads', () => {
    it("lists everyone's uploads a page at a time, sorted by each field, with the total", async () => {
      const page = await listUploads({ page: { limit: 4, offset: 4 } });
      expect(page.total).toBe(10);
      expect(ids(page)).toEqual(expectedOrder(uploads, 'CREATED_AT', 'DESC').slice(4, 8));
      for (const field of FIELDS) {
        for (const direction of ['ASC', 'DESC'] as const) {
          expect({ field, direction, ids: ids(await listUploads({ sort: { field, direction } })) }).toEqual({
            field,
            direction,
            ids: expectedOrder(uploads, field, direction),
          });
        }
      }
    });

    it('filters by status, user, date range, target and file name', async () => {
      const cases: [Record<string, unknown>, SeededUpload[]][] = [
        [{ status: ['IMPORTED', 'REJECTED'] }, uploads.filter((u) => ['imported', 'rejected'].includes(u.status))],
        [{ ownerId: alice.id }, uploads.filter((u) => u.ownerId === alice.id)],
        [{ createdFrom: uploads[2].createdAt }, uploads.filter((u) => u.createdAt >= uploads[2].createdAt)],
        [{ createdTo: uploads[2].createdAt }, uploads.filter((u) => u.createdAt < uploads[2].createdAt)],
        [
          { targetType: 'DATASET', targetId: 't2' },
          uploads.filter((u) => u.targetType === 'DATASET' && u.targetId === 't2'),
        ],
        [{ groupId: 'g0' }, uploads.filter((u) => u.groupId === 'g0')],
        [{ fileName: 'file-f' }, uploads.filter((u) => u.fileName.includes('file-f'))],
      ];
      await expectFiltered(listUploads, uploads, cases);
    });

    it("shows an unfinished upload's progress, and cancels it for its owner", async () => {
      const tus = new TusClient(server.url, bob.token);
      const { id } = await tus.create('halfway.tif', 1000, {}, tiffLike(1000).subarray(0, 300));
      const [unfinished] = (await listUploads({ filter: { ids: [id] } })).items;
      expect(unfinished).toMatchObject({ status: 'UPLOADING', ownerId: bob.id, offsetBytes: 300, sizeBytes: 1000 });

      const finished = uploads.find((u) => u.status === 'completed')!;
      const result = await graphql<{ cancelUploads: unknown[] }>(
        server.url,
        adminToken,
        'mutation($ids: [ID!]!) { cancelUploads(ids: $ids) { id ok code message } }',
        { ids: [id, finished.id] },
      );
      expect(result.data!.cancelUploads).toEqual([
        { id, ok: true, code: null, message: null },
        {
          id: finished.id,
          ok: false,
          code: 'CONFLICT',
          message: 'This upload is completed; only an unfinished upload can be cancelled.',
        },
      ]);
      expect((await listUploads({ filter: { ids: [id] } })).items[0].status).toBe('CANCELLED');
      expect((await tus.head(id)).status).toBe(410);
    });
  });

  it('refuses every one of these operations to a non-administrator with FORBIDDEN', async () => {
    const operations = [
      '{ adminImportJobs { total } }',
      '{ adminUploads { total } }',
      `mutation { retryImports(ids: ["${jobs[3].id}"]) { ok } }`,
      `mutation { cancelImports(ids: ["${jobs[0].id}"]) { ok } }`,
      `mutation { cancelUploads(ids: ["${uploads[0].id}"]) { ok } }`,
    ];
    for (const query of operations) {
      const result = await graphql(server.url, alice.token, query);
      expect({ query, code: result.errors?.[0].extensions?.code, data: result.data }).toEqual({
        query,
        code: 'FORBIDDEN',
        data: null,
      });
    }
  });
});

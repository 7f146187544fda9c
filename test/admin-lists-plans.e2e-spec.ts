import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { FileSortField, ownedFileConditions } from '../src/common/paging/owned-list.filter.js';
import { pageIdsQuery } from '../src/common/paging/sql-page.js';
import { accessToken, createUser, graphql } from './support/clients.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const ROWS = 100_000;
const LISTS = [
  { query: 'adminImportJobs', sort: 'ImportJobSort', filter: 'ImportJobFilter', table: 'import_jobs' },
  { query: 'adminUploads', sort: 'UploadSort', filter: 'UploadFilter', table: 'uploads' },
];

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}
const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

/**
 * The admin lists at the size the issue budgets for (100,000 jobs and uploads): each sort walks
 * its (column, id) index instead of sorting the table, shown by the plan PostgreSQL chooses for
 * the query that finds a page's ids (the same ids, in the same order, as the list answers).
 */
describe('admin lists on 100,000 jobs and uploads', () => {
  let server: TestApp;
  let db: pg.Client;
  let adminToken: string;

  beforeAll(async () => {
    server = await startTestApp();
    db = new pg.Client({ connectionString: server.databaseUrl });
    await db.connect();
    adminToken = await accessToken(server.url);
    const owners = [
      (await createUser(server.url, adminToken, 'first')).id,
      (await createUser(server.url, adminToken, 'second')).id,
      (await createUser(server.url, adminToken, 'third')).id,
    ];
    // Without triggers: these rows are no events to count or announce, only rows to list.
    await db.query('SET session_replication_role = replica');
    await db.query(
      `INSERT INTO import_jobs (owner_id, source_kind, source_path, file_name, size_bytes, target_type, target_id,
         group_id, status, created_at, updated_at)
       SELECT ($1::uuid[])[i % 3 + 1], 'server', 'seed/' || i, md5(i::text) || '.tif', (i * 7919) % 1000003,
         CASE WHEN i % 4 = 0 THEN 'SCREEN' ELSE 'DATASET' END, 't' || (i % 50), 'g' || (i % 7),
         (ARRAY['SUCCEEDED', 'FAILED', 'CANCELLED'])[i % 3 + 1],
         timestamptz '2025-01-01' + i * interval '5 minutes', timestamptz '2025-01-01' + ((i * 31) % $2) * interval '5 minutes'
       FROM generate_series(1, $2) AS i`,
      [owners, ROWS],
    );
    await db.query(
      `INSERT INTO uploads (id, owner_id, file_name, size_bytes, offset_bytes, status, created_at, updated_at)
       SELECT gen_random_uuid(), ($1::uuid[])[i % 3 + 1], md5(i::text) || '.tif', (i * 7919) % 1000003,
         (i * 7919) % 1000003, (ARRAY['completed', 'imported', 'expired', 'cancelled', 'rejected'])[i % 5 + 1],
         timestamptz '2025-01-01' + i * interval '5 minutes', timestamptz '2025-01-01' + ((i * 31) % $2) * interval '5 minutes'
       FROM generate_series(1, $2) AS i`,
      [owners, ROWS],
    );
    await db.query('SET session_replication_role = DEFAULT');
    await db.query('ANALYZE import_jobs');
    await db.query('ANALYZE uploads');
  });
  afterAll(async () => {
    await db?.end();
    await server?.close();
  });

  for (const list of LISTS) {
    it(`${list.query}: every sort, both ways, first and deep pages, follows its index`, async () => {
      for (const [field, column] of Object.entries(FileSortField)) {
        for (const direction of ['ASC', 'DESC']) {
          for (const offset of [0, 50_000]) {
            // The query that finds the page's ids, as the list builds it; the rows are read by id after.
            const sql = pageIdsQuery(list.table, '', `${column} ${direction}, id ${direction}`, 25, offset);
            const explained = await db.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) ${sql}`);
            const nodes = nodesOf(explained.rows[0]['QUERY PLAN'][0].Plan);
            const answer = await graphql<Record<string, { total: number; items: { id: string }[] }>>(
              server.url,
              adminToken,
              `query($sort: ${list.sort}, $page: PageInput) { ${list.query}(sort: $sort, page: $page) { total items { id } } }`,
              { sort: { field, direction }, page: { limit: 25, offset } },
            );
            const expected = (await db.query<{ id: string }>(sql)).rows.map((row) => row.id);

            expect({ field, direction, offset, ids: answer.data![list.query].items.map((item) => item.id) }).toEqual({
              field,
              direction,
              offset,
              ids: expected,
            });
            expect(answer.data![list.query].total).toBe(ROWS);
            expect({ field, direction, offset, nodes: nodes.map((node) => node['Node Type']) }).toEqual({
              field,
              direction,
              offset,
              nodes: expect.not.arrayContaining(['Sort']),
            });
            expect(nodes.map((node) => node['Index Name'])).toContain(`${list.table}_${column}_id_idx`);
          }
        }
      }
    });
  }

  for (const list of LISTS) {
    it(`${list.query}: the file-name filter (a substring) finds its rows through the trigram index`, async () => {
      // The filter's conditions and the page as the list builds them (see ownedFileConditions).
      const where = ownedFileConditions({ fileName: 'abc' });
      const order = `created_at DESC, id DESC`;
      const statements = [
        pageIdsQuery(list.table, where.where, order, 25, 0),
        `SELECT count(*)::int AS total FROM ${list.table} ${where.where}`,
      ];
      // New rows wait in the index's pending list until a vacuum merges them (autovacuum, on a
      // live database); until then the planner prices the list as a cost and may read the table.
      await db.query(`VACUUM ${list.table}`);
      const plans = [];
      for (const sql of statements) {
        const explained = await db.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
          `EXPLAIN (FORMAT JSON) ${sql}`,
          where.parameters,
        );
        plans.push(nodesOf(explained.rows[0]['QUERY PLAN'][0].Plan));
      }
      const [page, count] = plans;
      // The page may walk the created_at index instead (a few thousand rows for 25 matches); neither reads the table whole.
      expect(page.concat(count).map((node) => node['Node Type'])).not.toContain('Seq Scan');
      expect(count.map((node) => node['Index Name'])).toContain(`${list.table}_file_name_trgm_idx`);
      const [{ total }] = (
        await db.query<{ total: number }>(
          `SELECT count(*)::int AS total FROM ${list.table} WHERE file_name ILIKE '%abc%'`,
        )
      ).rows;
      const answer = await graphql<Record<string, { total: number; items: { id: string }[] }>>(
        server.url,
        adminToken,
        `query($filter: ${list.filter}) { ${list.query}(filter: $filter, page: { limit: 25 }) { total items { id } } }`,
        { filter: { fileName: 'abc' } },
      );
      expect(total).toBeGreaterThan(0);
      expect(answer.data![list.query].total).toBe(total);
      const expected = (await db.query<{ id: string }>(statements[0], where.parameters)).rows.map((row) => row.id);
      expect(answer.data![list.query].items.map((item) => item.id)).toEqual(expected);
    });
  }
});

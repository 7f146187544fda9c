// Admin app benchmark: the weight of the admin app's JavaScript, and the server time of its
// list queries with 100,000 import jobs and 100,000 uploads in the database.
//
//   npm run bench:admin        (builds the server and the admin app, then runs this; a few minutes)
//
// Method
// - One app process on 127.0.0.1: dist/src/main.js with the Node flags of `npm start`, its
//   embedded PostgreSQL in a new temporary DATA_DIR (on a port this script picks, so that it
//   can connect too), the sandbox OMERO and every default but LOG_LEVEL=warn.
// - Weight: Chromium (/usr/bin/chromium, through playwright-core) opens /admin, signs in, and
//   walks the routes an administrator meets first; every script under /admin/assets the page
//   requests is noted with the step that first asked for it, and gzipped here (gzip -6 of the
//   built file, as a server compressing on the fly would send it).
// - Lists: 100,000 import jobs and 100,000 uploads are inserted by generate_series (triggers off:
//   they are rows to list, not events), over 3 owners, 7 groups, 50 targets, every status, five
//   years of dates; then ANALYZE. Each list query is POSTed to /graphql with the admin's token
//   WARMUP times, then SAMPLES times; the time of each is from sending the request to having
//   read its whole answer, on 127.0.0.1 (so it includes HTTP, GraphQL and JSON, an upper bound
//   of the time in the database). The median and the slowest are reported.
// - Plans: the SQL of each list is built by the app's own functions from dist/ (the filter's
//   conditions and the page query of selectPage), and EXPLAINed: the page (ids by a (column, id)
//   index, then rows by id) and the total (count). A scan of the whole table is named.
//
// Results go to stdout and to the "## Admin app" section of bench/RESULTS.md (others kept).
// Exit code 0 whatever the numbers; 1 on an error; 2 on timeout.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { freePort, ROOT, START_NODE_FLAGS, startBenchApp } from './app-under-test.mjs';
import { runBenchmark } from './benchmark-process.mjs';
import { stopAll, stopServer, STOP_TIMEOUT_MS } from './server-processes.mjs';
import { markdownTable, measuredOn, verdict, writeResultsSection } from './results-file.mjs';
import { launchBrowser } from './web-pages.mjs';

const ROWS = 100_000;
const SAMPLES = 15;
const WARMUP = 2;
const TARGET_MS = 200;
const BUDGET_KB = 350;
const OVERALL_TIMEOUT_MS = 20 * 60_000;

// ---------------------------------------------------------------- weight

/**
 * The admin app's scripts each step of a first visit loads, gzipped; then, in a fresh profile,
 * everything a visit straight to the list of flags loads.
 */
async function measureWeight(app) {
  const browser = await launchBrowser();
  const dist = join(ROOT, 'admin', 'dist', 'assets');
  const gzipped = (file) => gzipSync(readFileSync(join(dist, file))).length;
  /** A fresh profile that notes each script under /admin/assets with the step that first asked for it. */
  const visitor = async () => {
    const page = await (await browser.newContext({ baseURL: app.url })).newPage();
    const steps = [];
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (!/^\/admin\/assets\/.+\.js$/.test(path)) return;
      const file = path.slice('/admin/assets/'.length);
      if (!steps.some((step) => step.files.has(file))) steps.at(-1).files.add(file);
    });
    const visit = async (name, act) => {
      steps.push({ name, files: new Set() });
      await act(page);
      // Every chunk the step asked for has been requested once the network is idle.
      await page.waitForLoadState('networkidle');
    };
    const signIn = async () => {
      await page.getByLabel('Username').fill(app.credentials.username);
      await page.getByLabel('Password').fill(app.credentials.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
    };
    const sizes = () =>
      steps.map(({ name, files }) => ({ name, files: [...files].map((file) => ({ file, gzipped: gzipped(file) })) }));
    return { page, visit, signIn, sizes };
  };
  try {
    const first = await visitor();
    await first.visit('sign-in page (/admin, signed out)', async (page) => {
      await page.goto('/admin');
      await page.getByLabel('Username').waitFor();
    });
    await first.visit('home: the dashboard with its charts (after signing in)', async (page) => {
      await first.signIn();
      await page.locator('.recharts-surface').first().waitFor();
    });
    await first.visit('then the list of feature flags', async (page) => {
      await page.getByRole('menuitem', { name: 'Feature flags' }).click();
      await page.getByRole('switch', { name: 'newUploader' }).waitFor();
    });
    await first.visit('then the uploader settings', async (page) => {
      await page.getByRole('menuitem', { name: 'Uploader settings' }).click();
      await page.getByLabel('Largest file').waitFor();
    });
    const direct = await visitor();
    await direct.visit('/admin/flags straight away, signing in there', async (page) => {
      await page.goto('/admin/flags');
      await direct.signIn();
      await page.getByRole('switch', { name: 'newUploader' }).waitFor();
    });
    return { steps: first.sizes(), flagsDirect: direct.sizes()[0] };
  } finally {
    await browser.close();
  }
}

// ---------------------------------------------------------------- lists

async function seed(db, owners) {
  // Triggers off: these rows are no events to count or announce, only rows to list.
  await db.query('SET session_replication_role = replica');
  await db.query(
    `INSERT INTO import_jobs (owner_id, source_kind, source_path, file_name, size_bytes, target_type, target_id,
       group_id, status, error_code, created_at, updated_at)
     SELECT ($1::uuid[])[i % 3 + 1], 'server', 'seed/' || i, md5(i::text) || '.tif', (i * 7919) % 1000003,
       CASE WHEN i % 4 = 0 THEN 'SCREEN' ELSE 'DATASET' END, 't' || (i % 50), 'g' || (i % 7),
       (ARRAY['SUCCEEDED', 'FAILED', 'CANCELLED'])[i % 3 + 1],
       CASE WHEN i % 3 = 1 THEN (ARRAY['UNREADABLE_FILE', 'TIMEOUT', 'OMERO_UNAVAILABLE'])[i % 9 / 3 + 1] END,
       timestamptz '2021-01-01' + i * interval '26 minutes', timestamptz '2021-01-01' + ((i * 31) % $2) * interval '26 minutes'
     FROM generate_series(1, $2) AS i`,
    [owners, ROWS],
  );
  await db.query(
    `INSERT INTO uploads (id, owner_id, file_name, size_bytes, offset_bytes, status, target_type, target_id, group_id,
       created_at, updated_at)
     SELECT gen_random_uuid(), ($1::uuid[])[i % 3 + 1], md5(i::text) || '.tif', (i * 7919) % 1000003,
       (i * 7919) % 1000003, (ARRAY['completed', 'imported', 'expired', 'cancelled', 'rejected'])[i % 5 + 1],
       CASE WHEN i % 4 = 0 THEN 'SCREEN' ELSE 'DATASET' END, 't' || (i % 50), 'g' || (i % 7),
       timestamptz '2021-01-01' + i * interval '26 minutes', timestamptz '2021-01-01' + ((i * 31) % $2) * interval '26 minutes'
     FROM generate_series(1, $2) AS i`,
    [owners, ROWS],
  );
  await db.query('SET session_replication_role = DEFAULT');
  await db.query('ANALYZE import_jobs');
  await db.query('ANALYZE uploads');
}

/** Every case measured: a name, the GraphQL query and variables, and how the app builds its SQL. */
function cases(owners) {
  const list = [];
  const file = (query, sortType, filterType, table, status) => {
    const sorts = ['CREATED_AT', 'UPDATED_AT', 'STATUS', 'SIZE', 'FILE_NAME'];
    const columns = { CREATED_AT: 'created_at', UPDATED_AT: 'updated_at', STATUS: 'status', SIZE: 'size_bytes' };
    for (const field of sorts) {
      for (const direction of ['DESC', 'ASC']) {
        for (const offset of field === 'CREATED_AT' ? [0, 50_000, ROWS - 25] : [0, 50_000]) {
          list.push({
            query,
            table,
            name: `sort ${field} ${direction}, offset ${offset}`,
            variables: { sort: { field, direction }, page: { limit: 25, offset } },
            order: `${columns[field] ?? 'file_name'} ${direction}`,
            offset,
            filter: {},
          });
        }
      }
    }
    const filters = {
      [`status ${status}`]: { status: [status] },
      'one owner': { ownerId: owners[1] },
      'created in one month': { createdFrom: '2023-03-01T00:00:00Z', createdTo: '2023-04-01T00:00:00Z' },
      'target type SCREEN': { targetType: 'SCREEN' },
      'one target': { targetId: 't7' },
      'one group': { groupId: 'g3' },
      'file name contains "abc"': { fileName: 'abc' },
      ...(table === 'import_jobs' ? { 'error code TIMEOUT': { errorCode: 'TIMEOUT' } } : {}),
      'owner, status and month': {
        ownerId: owners[0],
        status: [status],
        createdFrom: '2022-01-01T00:00:00Z',
        createdTo: '2022-02-01T00:00:00Z',
      },
    };
    for (const [name, filter] of Object.entries(filters)) {
      list.push({
        query,
        table,
        name: `filter: ${name}`,
        variables: { filter, page: { limit: 25, offset: 0 } },
        filterType,
        order: 'created_at DESC',
        offset: 0,
        filter,
      });
    }
  };
  file('adminImportJobs', 'ImportJobSort', 'ImportJobFilter', 'import_jobs', 'FAILED');
  file('adminUploads', 'UploadSort', 'UploadFilter', 'uploads', 'COMPLETED');
  for (const [query, name] of [
    ['adminUsers', 'default sort'],
    ['auditEntries', 'default sort'],
  ]) {
    list.push({ query, name, variables: { page: { limit: 25, offset: 0 } } });
  }
  return list;
}

const SORT_TYPE = { adminImportJobs: 'ImportJobSort', adminUploads: 'UploadSort' };
const FILTER_TYPE = { adminImportJobs: 'ImportJobFilter', adminUploads: 'UploadFilter' };

function graphqlOf({ query, variables }) {
  const params = [
    variables.sort && `$sort: ${SORT_TYPE[query]}`,
    variables.filter && `$filter: ${FILTER_TYPE[query]}`,
    '$page: PageInput',
  ].filter(Boolean);
  const args = params.map((param) => `${param.split(':')[0].slice(1)}: ${param.split(':')[0]}`);
  return `query(${params.join(', ')}) { ${query}(${args.join(', ')}) { total items { id } } }`;
}

async function timeQuery(app, item) {
  const body = JSON.stringify({ query: graphqlOf(item), variables: item.variables });
  const once = async () => {
    const started = process.hrtime.bigint();
    const response = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${app.token}` },
      body,
    });
    const answer = await response.json();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (answer.errors) throw new Error(`${item.query} ${item.name}: ${JSON.stringify(answer.errors)}`);
    return { ms, total: answer.data[item.query].total };
  };
  for (let i = 0; i < WARMUP; i++) await once();
  const runs = [];
  for (let i = 0; i < SAMPLES; i++) runs.push(await once());
  const times = runs.map((run) => run.ms).sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], max: times[times.length - 1], total: runs[0].total };
}

/** The plans of the two statements selectPage runs for `item`: whole-table scans and the indexes used. */
async function plansOf(db, item) {
  if (!item.table) return null;
  const { ownedFileConditions } = await import('../dist/src/common/paging/owned-list.filter.js');
  const { pageIdsQuery } = await import('../dist/src/common/paging/sql-page.js');
  const filter = { ...item.filter };
  for (const key of ['createdFrom', 'createdTo']) if (filter[key]) filter[key] = new Date(filter[key]);
  // The resolvers store upload statuses in lower case (GraphQL's enum values are upper case).
  const status = filter.status?.map((value) => (item.table === 'uploads' ? value.toLowerCase() : value));
  const where = ownedFileConditions(filter, status);
  if (item.table === 'import_jobs') where.add('error_code = ?', filter.errorCode);
  const direction = item.order.split(' ')[1];
  const order = `${item.order}, id ${direction}`;
  const statements = {
    page: `SELECT * FROM ${item.table} WHERE id IN (${pageIdsQuery(item.table, where.where, order, 25, item.offset)}) ORDER BY ${order}`,
    total: `SELECT count(*)::int AS total FROM ${item.table} ${where.where}`,
  };
  const result = {};
  for (const [name, sql] of Object.entries(statements)) {
    const { rows } = await db.query(`EXPLAIN (FORMAT JSON) ${sql}`, where.parameters);
    const nodes = [];
    const walk = (node) => {
      nodes.push(node);
      (node.Plans ?? []).forEach(walk);
    };
    walk(rows[0]['QUERY PLAN'][0].Plan);
    result[name] = {
      seqScan: nodes.some((node) => node['Node Type'] === 'Seq Scan' && node['Relation Name'] === item.table),
      sort: nodes.some((node) => node['Node Type'] === 'Sort' && node['Plan Rows'] > 25),
      indexes: [...new Set(nodes.map((node) => node['Index Name']).filter(Boolean))],
    };
  }
  return result;
}

// ---------------------------------------------------------------- report

const kb = (bytes) => (bytes / 1000).toFixed(1);

function report({ steps, flagsDirect }, lists) {
  const cumulative = [];
  let sum = 0;
  for (const step of steps) {
    const size = step.files.reduce((total, file) => total + file.gzipped, 0);
    sum += size;
    cumulative.push({ ...step, size, sum });
  }
  const direct = flagsDirect.files.reduce((total, file) => total + file.gzipped, 0);
  const name = (file) => file.file.replace(/-[\w-]{8}\.js$/, '');
  const weightTable = markdownTable(
    ['step of a first visit', 'new scripts (gzipped KB each)', 'step KB', 'total so far KB'],
    [
      ...cumulative.map((step) => [
        step.name,
        step.files.map((file) => `${name(file)} ${kb(file.gzipped)}`).join(', ') || '-',
        kb(step.size),
        kb(step.sum),
      ]),
      [
        flagsDirect.name,
        flagsDirect.files.map((file) => `${name(file)} ${kb(file.gzipped)}`).join(', '),
        kb(direct),
        kb(direct),
      ],
    ],
  );
  const signIn = cumulative[0].sum;
  const home = cumulative[1].sum;
  const charts = cumulative[1].files.filter((file) => name(file) === 'chart-grid').reduce((t, f) => t + f.gzipped, 0);
  const planText = (plan) =>
    !plan
      ? '-'
      : ['page', 'total']
          .map(
            (name) =>
              `${name}: ${plan[name].seqScan ? '**whole-table scan**' : plan[name].indexes.join(', ') || 'no table read'}` +
              (plan[name].sort ? ' (then sorts the matches)' : ''),
          )
          .join('; ');
  const listTable = markdownTable(
    ['query', 'case', 'rows matching', 'median ms', 'slowest ms', 'plan (indexes used)', 'verdict (< 200 ms)'],
    lists.map((item) => [
      `\`${item.query}\``,
      item.name,
      item.total,
      item.median.toFixed(1),
      item.max.toFixed(1),
      planText(item.plan),
      verdict(item.median < TARGET_MS),
    ]),
  );
  // The comparison runs without the trigram indexes show what they save, not what the app does.
  const asShipped = lists.filter((item) => !item.name.includes('without the trigram'));
  const slowest = [...asShipped].sort((a, b) => b.median - a.median)[0];
  const scans = asShipped.filter((item) => item.plan?.page.seqScan);
  const countScans = asShipped.filter((item) => item.plan?.total.seqScan);
  const targets = markdownTable(
    ['target', 'goal', 'measured', 'verdict'],
    [
      ['sign-in page, gzipped JS', `<= ${BUDGET_KB} KB`, `${kb(signIn)} KB`, verdict(signIn <= BUDGET_KB * 1000)],
      [
        'signed in, the home page (dashboard) with its charts',
        `<= ${BUDGET_KB} KB`,
        `${kb(home)} KB (of which the charts chunk, recharts, ${kb(charts)} KB)`,
        verdict(home <= BUDGET_KB * 1000),
      ],
      [
        'signed in, a list (flags) opened straight away',
        `<= ${BUDGET_KB} KB`,
        `${kb(direct)} KB`,
        verdict(direct <= BUDGET_KB * 1000),
      ],
      [
        'every list query, median server time',
        `< ${TARGET_MS} ms`,
        `slowest ${slowest.median.toFixed(1)} ms (${slowest.query}, ${slowest.name})`,
        verdict(asShipped.every((item) => item.median < TARGET_MS)),
      ],
      [
        'pages found through indexes',
        'no whole-table scan',
        scans.length
          ? `${scans.length} cases scan: ${scans.map((item) => `${item.query} ${item.name}`).join('; ')}`
          : 'none',
        verdict(scans.length === 0),
      ],
      [
        'totals (count) (informational: an exact total of most of a table reads it)',
        '-',
        `${countScans.length} of ${asShipped.filter((item) => item.plan).length} cases read the whole table`,
        '-',
      ],
    ],
  );
  return { weightTable, listTable, targets };
}

// ---------------------------------------------------------------- main

async function main() {
  const app = await startBenchApp('bench-admin-', { EMBEDDED_DATABASE_PORT: String(await freePort()) });
  console.log(`admin benchmark: app at ${app.url}`);
  const { password } = JSON.parse(readFileSync(join(app.dataDir, 'postgres.json'), 'utf8'));
  const db = new pg.Client({
    connectionString: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${app.env.EMBEDDED_DATABASE_PORT}/omero_uploader`,
  });
  await db.connect();
  try {
    const owners = [];
    for (const name of ['ana', 'ben', 'cy']) {
      const { rows } = await db.query(
        `INSERT INTO users (username, password_hash, role) VALUES ($1, 'x', 'user') RETURNING id`,
        [name],
      );
      owners.push(rows[0].id);
    }
    // An upload started today, so that the home page draws its charts (it loads them only then).
    await db.query(
      `INSERT INTO analytics_events (occurred_at, event_type, user_id, group_id, upload_id, size_bytes)
       VALUES (now(), 'upload_started', $1, 'g1', gen_random_uuid(), 1000)`,
      [owners[0]],
    );
    const weight = await measureWeight(app);

    console.log(`seeding ${ROWS} import jobs and ${ROWS} uploads…`);
    await seed(db, owners);
    const lists = [];
    for (const item of cases(owners)) {
      const timing = await timeQuery(app, item);
      const plan = await plansOf(db, item);
      lists.push({ ...item, ...timing, plan });
      console.log(
        `${item.query} ${item.name}: ${timing.median.toFixed(1)} ms (max ${timing.max.toFixed(1)}), ${timing.total} rows`,
      );
    }
    // The file-name filter once more without its trigram indexes (migration FileNameTrigramIndexes),
    // as a database without pg_trgm runs it.
    const trigram = await db.query(`SELECT indexname FROM pg_indexes WHERE indexname LIKE '%_file_name_trgm_idx'`);
    if (trigram.rows.length) {
      for (const { indexname } of trigram.rows) await db.query(`DROP INDEX ${indexname}`);
      for (const item of cases(owners).filter((one) => one.filter?.fileName)) {
        const without = { ...item, name: `${item.name}, without the trigram indexes` };
        const timing = await timeQuery(app, without);
        lists.push({ ...without, ...timing, plan: await plansOf(db, without) });
        console.log(`${without.query} ${without.name}: ${timing.median.toFixed(1)} ms`);
      }
    }
    const { weightTable, listTable, targets } = report(weight, lists);
    const load = (await import('node:os')).loadavg().map((value) => value.toFixed(1));
    writeResultsSection(
      [
        '## Admin app',
        '',
        measuredOn('npm run bench:admin'),
        `Load average when it ended: ${load.join(', ')} (the machine was shared with other work while this ran, so the times are pessimistic).`,
        '',
        `One app on 127.0.0.1 (\`node ${START_NODE_FLAGS.join(' ')} dist/src/main.js\`, as \`npm start\` runs it; embedded PostgreSQL, \`LOG_LEVEL=warn\`).`,
        '',
        '### First load of the admin app',
        '',
        `Chromium opens \`/admin\`, signs in, waits for the home page (the dashboard) and its charts, then opens the first lists; each step lists only the scripts it loaded first, gzipped (gzip -6 of the built files). The last row is another fresh profile that opens \`/admin/flags\` and signs in there. Budget: ${BUDGET_KB} KB of gzipped JavaScript.`,
        '',
        weightTable,
        '',
        '### Admin lists with 100,000 import jobs and 100,000 uploads',
        '',
        `Rows inserted by \`generate_series\` (3 owners, 7 groups, 50 targets, every status, five years of dates), then ANALYZE. Each case: ${WARMUP} warm-up requests, then the median and slowest of ${SAMPLES}, each timed from sending the GraphQL POST on 127.0.0.1 to having read its answer (page of 25 and total), so HTTP and GraphQL are included. Plans: EXPLAIN of the two statements the app runs (the page: ids by an index, then rows by id; the total: count), built by the app's own SQL functions from dist/.`,
        '',
        listTable,
        '',
        '### Targets',
        '',
        targets,
      ].join('\n'),
    );
    console.log(`\n${weightTable}\n\n${targets}`);
    return 0;
  } finally {
    await db.end();
    await stopServer(app);
  }
}

runBenchmark('admin benchmark', main, {
  timeoutMs: OVERALL_TIMEOUT_MS,
  cleanup: stopAll,
  cleanupMs: STOP_TIMEOUT_MS + 10_000,
});

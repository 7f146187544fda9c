// Import benchmark: 200 small auto-imports queued at once, through the real app and the sandbox OMERO.
//
//   npm run bench:import        (builds, then runs this; about a minute)
//
// Method
// - Each of RUNS (3) runs gets a fresh app process on 127.0.0.1: dist/src/main.js with the Node
//   flags of `npm start`, its embedded PostgreSQL in a new temporary DATA_DIR, the sandbox OMERO
//   and every default (IMPORT_CONCURRENCY among them) but LOG_LEVEL=warn. This process signs in as the app's first administrator.
// - A graphql-ws client (this process) subscribes to `importJobUpdated` (all of the user's jobs) and
//   notes the arrival time of every event. One warm-up import, not measured, proves the
//   subscription is live and lets the app load its image reader before the clock starts.
// - Then JOBS (200) uploads of one small real image (SAMPLE, from test/fixtures/samples), each with
//   import-target metadata ("My dataset"), so that completing the upload queues its import
//   (auto-import, in the completion's transaction). All uploads are created first (POST without
//   body); then each gets its one PATCH carrying the whole file, PATCH_CONCURRENCY in flight at a
//   time over keep-alive connections. The moment that PATCH is answered is the upload's completion.
// - Server timestamps are the job's `startedAt` and `finishedAt` as GraphQL returns them: the
//   worker writes them with the server's clock as it sets RUNNING and SUCCEEDED. Client times are
//   Date.now() in this process. Client and server run on one machine and share its clock, so the
//   two compare directly (both to the millisecond).
// - Jobs per second = JOBS / (last job's finishedAt - first upload completion).
// - Queue delay, per job = startedAt - its upload's completion.
// - Notification delay, per job and transition = arrival of the first event showing the job in
//   that state or a later one - the transition's timestamp (startedAt for RUNNING, finishedAt for
//   SUCCEEDED). The server reloads the job as it sends each event, so an event published for
//   RUNNING may already show SUCCEEDED: that event is when the client learned of both. QUEUED is
//   not measured: its only timestamp, createdAt, is the start of the completion's transaction
//   (PostgreSQL's now()), not the moment the job became visible.
// - Medians and 95th percentiles (nearest rank) over the jobs of all runs; per-run rows beside.
// - The uploads, not the imports, set the pace of arrivals (see PATCH_CONCURRENCY), so jobs/s is
//   at most the upload completion rate, which the results show beside it; the queue delay says
//   whether the workers kept up.
//
// Results go to stdout and to the "## Import" section of bench/RESULTS.md (other sections kept).
// Exit code 0 when every job of every run succeeded, whatever the numbers; 1 otherwise; 2 on timeout.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { graphql, ROOT, START_NODE_FLAGS, startBenchApp } from './app-under-test.mjs';
import { runBenchmark } from './benchmark-process.mjs';
import { stopAll, stopServer, STOP_TIMEOUT_MS } from './server-processes.mjs';
import { markdownTable, measuredOn, RESULTS_FILE, verdict, writeResultsSection } from './results-file.mjs';

const RUNS = 3;
const JOBS = 200;
// An OME-TIFF written by Bio-Formats (6.5 kB): small, so the run measures the import path, not bytes.
const SAMPLE = 'bfconvert.ome.tiff';
// Enough in flight that the 200 uploads complete within about a second and a half: the imports
// are queued "at once", and the queue delay measures how fast the workers drain them.
const PATCH_CONCURRENCY = 16;
const CREATE_CONCURRENCY = 8;

const TARGET_QUEUE_DELAY_MS = 1000;
const TARGET_NOTIFICATION_DELAY_MS = 100;

const TIMEOUT_MS = {
  // From the first upload completion to the last job's end.
  jobs: 180_000,
  all: 15 * 60_000,
};

const STATUS_RANK = { QUEUED: 0, RUNNING: 1, SUCCEEDED: 2, FAILED: 2, CANCELLED: 2 };
const JOB_FIELDS = 'id uploadId status attempts error startedAt finishedAt';

// ---------------------------------------------------------------- the app

const startApp = () => startBenchApp('bench-import-');

async function request(app, method, path, { headers = {}, body } = {}) {
  const response = await fetch(`${app.url}${path}`, {
    method,
    headers: { ...(app.token ? { authorization: `Bearer ${app.token}` } : {}), ...headers },
    body,
  });
  if (response.status >= 300) {
    throw new Error(`${method} ${path} answered ${response.status}: ${(await response.text()).slice(0, 500)}`);
  }
  return response;
}

// ---------------------------------------------------------------- uploads and jobs

const metadata = (values) =>
  Object.entries(values)
    .map(([key, value]) => `${key} ${Buffer.from(value).toString('base64')}`)
    .join(',');

/** POST without a body; resolves with the upload's id. */
async function createUpload(app, fileName, size, target) {
  const response = await request(app, 'POST', '/api/uploads', {
    headers: {
      'Tus-Resumable': '1.0.0',
      'Upload-Length': String(size),
      'Upload-Metadata': metadata({ filename: fileName, ...target }),
    },
  });
  return response.headers.get('location').split('/').pop();
}

/** The one PATCH that completes an upload; resolves with the moment it was answered. */
async function completeUpload(app, id, bytes) {
  await request(app, 'PATCH', `/api/uploads/${id}`, {
    headers: {
      'Tus-Resumable': '1.0.0',
      'Upload-Offset': '0',
      'Content-Type': 'application/offset+octet-stream',
    },
    body: bytes,
  });
  return Date.now();
}

/** Runs `task` over `items`, `concurrency` at a time; resolves with the results in order. */
async function inParallel(items, concurrency, task) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await task(items[i], i);
      }
    }),
  );
  return results;
}

/**
 * The user's job events as they arrive: `events` holds { job, at } in arrival order, and
 * `until(predicate)` resolves once the jobs seen so far satisfy it.
 */
function subscribeToJobs(app) {
  const events = [];
  const latest = new Map();
  let check = () => undefined;
  let failed;
  const client = createClient({
    url: `${app.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${app.token}` },
    retryAttempts: 0,
  });
  client.subscribe(
    { query: `subscription { importJobUpdated { ${JOB_FIELDS} } }` },
    {
      next: ({ data, errors }) => {
        const at = Date.now();
        if (errors) failed = new Error(`subscription: ${JSON.stringify(errors)}`);
        if (!data?.importJobUpdated) return check();
        events.push({ job: data.importJobUpdated, at });
        latest.set(data.importJobUpdated.id, data.importJobUpdated);
        check();
      },
      error: (error) => {
        failed = error instanceof Error ? error : new Error(`subscription closed: ${JSON.stringify(error)}`);
        check();
      },
      complete: () => undefined,
    },
  );
  const until = (predicate, ms) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`jobs not done after ${ms / 1000} s`)), ms);
      check = () => {
        if (!failed && !predicate(latest)) return;
        clearTimeout(timer);
        check = () => undefined;
        if (failed) reject(failed);
        else resolve();
      };
      check();
    });
  return { events, until, dispose: () => client.dispose() };
}

const finished = (job) => STATUS_RANK[job.status] === 2;

async function measureRun(run) {
  const app = await startApp();
  let subscription;
  try {
    const [group] = (await graphql(app, '{ groups { id } }')).groups;
    const [dataset] = (await graphql(app, 'query($g: ID!) { importTargets(groupId: $g) { id name } }', { g: group.id }))
      .importTargets;
    const target = { targetType: 'DATASET', targetId: dataset.id, groupId: group.id };
    const bytes = readFileSync(join(ROOT, 'test', 'fixtures', 'samples', SAMPLE));

    subscription = subscribeToJobs(app);
    const warmUp = await createUpload(app, `warm-up-${SAMPLE}`, bytes.length, target);
    await completeUpload(app, warmUp, bytes);
    await subscription.until((latest) => [...latest.values()].some(finished), 60_000);
    subscription.events.length = 0;

    const names = Array.from({ length: JOBS }, (_, i) => `bench-${String(i + 1).padStart(3, '0')}-${SAMPLE}`);
    const ids = await inParallel(names, CREATE_CONCURRENCY, (name) => createUpload(app, name, bytes.length, target));
    const measured = new Set(ids);
    const completedAt = await inParallel(ids, PATCH_CONCURRENCY, (id) => completeUpload(app, id, bytes));
    await subscription.until(
      (latest) => [...latest.values()].filter((job) => measured.has(job.uploadId) && finished(job)).length === JOBS,
      TIMEOUT_MS.jobs,
    );

    // The final state from the database, not from the events, is what the timestamps come from.
    const jobs = (await graphql(app, `{ importJobs(limit: 500) { ${JOB_FIELDS} } }`)).importJobs.filter((job) =>
      measured.has(job.uploadId),
    );
    return analyse(run, ids, completedAt, jobs, subscription.events);
  } finally {
    await subscription?.dispose();
    await stopServer(app);
  }
}

function analyse(run, uploadIds, completedAt, jobs, events) {
  const completion = new Map(uploadIds.map((id, i) => [id, completedAt[i]]));
  const failures = jobs
    .filter((job) => job.status !== 'SUCCEEDED')
    .map((job) => `run ${run}: job ${job.id} ${job.status}: ${job.error}`);
  const ok = jobs.filter((job) => job.status === 'SUCCEEDED');
  const time = (iso) => new Date(iso).getTime();

  const queueDelays = ok.map((job) => time(job.startedAt) - completion.get(job.uploadId));
  const notification = { RUNNING: [], SUCCEEDED: [] };
  let laterState = 0;
  for (const job of ok) {
    const mine = events.filter((event) => event.job.id === job.id);
    for (const [status, stamp] of [
      ['RUNNING', job.startedAt],
      ['SUCCEEDED', job.finishedAt],
    ]) {
      const first = mine.find((event) => STATUS_RANK[event.job.status] >= STATUS_RANK[status]);
      if (!first) {
        failures.push(`run ${run}: no event told of job ${job.id} reaching ${status}`);
        continue;
      }
      if (first.job.status !== status) laterState++;
      notification[status].push(first.at - time(stamp));
    }
  }
  const firstCompletion = Math.min(...completedAt);
  const lastFinish = Math.max(...ok.map((job) => time(job.finishedAt)));
  return {
    run,
    jobs: jobs.length,
    succeeded: ok.length,
    uploadSeconds: (Math.max(...completedAt) - firstCompletion) / 1000,
    uploadsPerSecond: completedAt.length / ((Math.max(...completedAt) - firstCompletion) / 1000),
    seconds: (lastFinish - firstCompletion) / 1000,
    jobsPerSecond: ok.length / ((lastFinish - firstCompletion) / 1000),
    queueDelays,
    runningDelays: notification.RUNNING,
    succeededDelays: notification.SUCCEEDED,
    laterState,
    failures,
  };
}

// ---------------------------------------------------------------- report

const percentile = (values, p) => {
  const sorted = values.filter(Number.isFinite).sort((x, y) => x - y);
  return sorted.length === 0 ? NaN : sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
};
const median = (values) => percentile(values, 50);
const ms = (value) => (Number.isFinite(value) ? `${Math.round(value)}` : 'n/a');
const spread = (values) => `${ms(median(values))} / ${ms(percentile(values, 95))}`;

function report(runs, failures) {
  const pooled = (key) => runs.flatMap((r) => r[key]);
  const row = (label, r) => {
    const notified = [...r.runningDelays, ...r.succeededDelays];
    return [
      label,
      `${r.succeeded} / ${r.jobs}`,
      r.uploadSeconds.toFixed(2),
      r.uploadsPerSecond.toFixed(1),
      r.seconds.toFixed(2),
      r.jobsPerSecond.toFixed(1),
      spread(r.queueDelays),
      spread(notified),
      spread(r.runningDelays),
      spread(r.succeededDelays),
    ];
  };
  const all = {
    jobs: runs.reduce((sum, r) => sum + r.jobs, 0),
    succeeded: runs.reduce((sum, r) => sum + r.succeeded, 0),
    ...Object.fromEntries(
      ['uploadSeconds', 'uploadsPerSecond', 'seconds', 'jobsPerSecond'].map((key) => [
        key,
        median(runs.map((r) => r[key])),
      ]),
    ),
    queueDelays: pooled('queueDelays'),
    runningDelays: pooled('runningDelays'),
    succeededDelays: pooled('succeededDelays'),
  };
  const resultTable = markdownTable(
    [
      'run',
      'succeeded',
      'uploads completed within s',
      'upload completions/s',
      'first completion to last SUCCEEDED s',
      'jobs/s',
      'queue delay ms (median / p95)',
      'notification delay ms, all (median / p95)',
      'to RUNNING event ms',
      'to SUCCEEDED event ms',
    ],
    [...runs.map((r) => row(String(r.run), r)), row('all runs (times: median of runs; delays: all jobs)', all)],
  );
  const notified = [...all.runningDelays, ...all.succeededDelays];
  const queueMedian = median(all.queueDelays);
  const notifiedMedian = median(notified);
  const targetTable = markdownTable(
    ['target', 'goal', 'measured', 'verdict'],
    [
      [
        'median delay, upload completed to job RUNNING',
        `< ${TARGET_QUEUE_DELAY_MS} ms`,
        `${ms(queueMedian)} ms (p95 ${ms(percentile(all.queueDelays, 95))} ms)`,
        verdict(queueMedian < TARGET_QUEUE_DELAY_MS),
      ],
      [
        'median delay, status change to subscription event',
        `< ${TARGET_NOTIFICATION_DELAY_MS} ms`,
        `${ms(notifiedMedian)} ms (p95 ${ms(percentile(notified, 95))} ms)`,
        verdict(notifiedMedian < TARGET_NOTIFICATION_DELAY_MS),
      ],
    ],
  );
  const laterState = runs.reduce((sum, r) => sum + r.laterState, 0);

  const lines = [
    '## Import',
    '',
    measuredOn('npm run bench:import'),
    '',
    `Each of ${RUNS} runs starts a fresh app on 127.0.0.1 (\`node ${START_NODE_FLAGS.join(' ')} dist/src/main.js\`, as \`npm start\` does; embedded PostgreSQL, sandbox OMERO, ` +
      'default settings, `LOG_LEVEL=warn`) and signs in. A graphql-ws client subscribes to `importJobUpdated`; one ' +
      `warm-up import is not counted. Then ${JOBS} uploads of \`test/fixtures/samples/${SAMPLE}\` ` +
      `(${readFileSync(join(ROOT, 'test', 'fixtures', 'samples', SAMPLE)).length} bytes) with import-target ` +
      'metadata are created (POST), and completed by one PATCH each, ' +
      `${PATCH_CONCURRENCY} in flight; each completion queues its import (auto-import). Upload completion = the ` +
      "moment the client gets the PATCH's answer. Server times are the job's `startedAt` (RUNNING) and " +
      '`finishedAt` (SUCCEEDED) as read through GraphQL, written by the worker with the server clock; the client ' +
      'and the server share the machine clock, so they compare directly. Jobs/s = jobs / (last `finishedAt` - first ' +
      'upload completion). Queue delay = `startedAt` - upload completion. Notification delay = arrival at the ' +
      'client of the first event showing the job in that state or a later one - the timestamp of that state ' +
      `(${laterState} of ${notified.length} transitions were first seen ` +
      'in a later state, since the server reloads the job when it sends an event). Percentiles by nearest rank.',
    '',
    `Completions arrived at ${all.uploadsPerSecond.toFixed(1)} a second (median of runs), faster than the ` +
      `workers (\`IMPORT_CONCURRENCY\`, ${process.env.IMPORT_CONCURRENCY ?? 'default 2'}) run imports, so the ` +
      'queue delay is mostly waiting behind earlier jobs of the burst: it measures how fast the workers drain it.',
    '',
    resultTable,
    '',
    'Targets (delays over all jobs of all runs):',
    '',
    targetTable,
    '',
  ];
  if (failures.length > 0) lines.push('Failures:', '', ...failures.map((f) => `- ${f}`), '');
  return { markdown: lines.join('\n'), text: [resultTable, '', targetTable].join('\n') };
}

// ---------------------------------------------------------------- main

async function main() {
  if (!existsSync(join(ROOT, 'dist', 'src', 'main.js'))) {
    throw new Error('dist/src/main.js is missing: run `npm run build` first (npm run bench:import does).');
  }
  console.log(`import benchmark: ${os.availableParallelism()} CPUs, Node ${process.version}, ${RUNS} x ${JOBS} jobs`);
  const runs = [];
  const failures = [];
  for (let run = 1; run <= RUNS; run++) {
    try {
      const r = await measureRun(run);
      runs.push(r);
      failures.push(...r.failures);
      console.log(
        `run ${run}: ${r.succeeded}/${r.jobs} succeeded, uploads completed within ${r.uploadSeconds.toFixed(2)} s, ` +
          `${r.jobsPerSecond.toFixed(1)} jobs/s, queue delay median ${ms(median(r.queueDelays))} ms, ` +
          `notification median ${ms(median([...r.runningDelays, ...r.succeededDelays]))} ms`,
      );
    } catch (error) {
      failures.push(`run ${run}: ${error?.message ?? error}`);
      console.log(`run ${run}: FAILED: ${error?.message ?? error}`);
    }
  }
  if (runs.length === 0) throw new Error(`every run failed:\n${failures.join('\n')}`);
  const { markdown, text } = report(runs, failures);
  writeResultsSection(markdown);
  console.log(`\n${text}\n\nWritten to ${RESULTS_FILE}`);
  return failures.length === 0 ? 0 : 1;
}

runBenchmark('import benchmark', main, {
  timeoutMs: TIMEOUT_MS.all,
  cleanup: stopAll,
  cleanupMs: STOP_TIMEOUT_MS + 10_000,
});

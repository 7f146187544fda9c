// Upload benchmark: the app's tus hot path against bare @tus/server + @tus/file-store.
//
//   npm run bench:upload        (builds, then runs this; a few minutes)
//
// Method
// - Each measurement gets a fresh server process on 127.0.0.1: the app (dist/src/main.js with
//   its embedded PostgreSQL in a new temporary DATA_DIR) or bench/bare-tus-server.mjs. A fresh
//   process per run makes its VmHWM (peak RSS) belong to that one workload.
// - One client (this process) speaks tus 1.0.0 over raw node:http with keep-alive: a POST, then
//   PATCHes of a run's chunk size (chunkBytes). Every PATCH sends a subarray of one
//   pre-generated random 64 MiB buffer (the largest chunk size used), which starts with a
//   little-endian TIFF header, so the client allocates nothing per chunk and costs the same
//   against both servers.
// - Throughput workloads, at 8 MiB PATCHes (the chunk size the targets are specified at):
//   1 x 1 GiB, and 8 x 128 MiB with two uploads in flight at a time. They alternate bare/app
//   (bare a, app a, bare b, app b) and the sequence repeats THROUGHPUT_REPEATS (3) times, so
//   machine noise hits both servers alike; the tables show medians.
// - Server CPU is the delta of utime+stime of the server's node process (/proc/<pid>/stat,
//   fields 14-15, in CLK_TCK ticks) from just before the first request to just after the last
//   response, per GiB uploaded. The app's embedded PostgreSQL (every process under the
//   postmaster whose command line names our DATA_DIR) is reported separately.
// - Throughput is bytes uploaded / wall time of the workload, in MiB/s (2^20 bytes per second).
// - Memory: a fresh process per upload of 1 GiB and of 4 GiB, peak RSS from VmHWM, at two chunk
//   sizes: 8 MiB (the specified targets) and 64 MiB, the app's default chunkSizeBytes and so what
//   its web client sends. What keeps the app's peak flat, and what each lever measured, is in
//   docs/upload-performance.md.
// - Runs alternate bare/app in the same way; to bound the run time they repeat MEMORY_REPEATS (2)
//   times, not 3.
// - Between runs the server is stopped, its files deleted and `sync` run, so writeback of one
//   run's data does not land in the next one's measurement.
//
// Results go to stdout and to the "## Upload" section of bench/RESULTS.md (other sections kept).
// Exit code 0 when every run completed, whatever the numbers; 1 if a run failed; 2 on timeout.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { prepareApp, ROOT, signIn, START_NODE_FLAGS } from './app-under-test.mjs';
import { runBenchmark } from './benchmark-process.mjs';
import {
  CLK_TCK,
  cpuSecondsOf,
  postgresTree,
  procStat,
  spawnServer,
  startBare,
  statusMiB,
  stopAll,
  stopServer,
  STOP_TIMEOUT_MS,
  waitUntilReady,
} from './server-processes.mjs';
import {
  fixed,
  markdownTable as table,
  measuredOn,
  median,
  RESULTS_FILE,
  verdict,
  writeResultsSection,
} from './results-file.mjs';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
// PATCH size the targets are specified at; every throughput workload uses it.
const SPEC_CHUNK_BYTES = 8 * MiB;
// The app's default chunkSizeBytes (uploader_settings), i.e. what its web client sends: fewer
// requests per GiB, so peak memory is also measured at this size.
const APP_DEFAULT_CHUNK_BYTES = 64 * MiB;
// Medians of 3 are steadier on a noisy shared machine; the memory runs (16 fresh processes, half
// of them 4 GiB uploads) stay at 2 to bound the run time.
const THROUGHPUT_REPEATS = 3;
const MEMORY_REPEATS = 2;
const WORKLOADS = [
  { key: 'a', label: '1 x 1 GiB', files: 1, fileBytes: GiB, concurrency: 1, chunkBytes: SPEC_CHUNK_BYTES },
  {
    key: 'b',
    label: '8 x 128 MiB, 2 concurrent',
    files: 8,
    fileBytes: 128 * MiB,
    concurrency: 2,
    chunkBytes: SPEC_CHUNK_BYTES,
  },
];
const RSS_SIZES = [GiB, 4 * GiB];
const RSS_CHUNK_SIZES = [SPEC_CHUNK_BYTES, APP_DEFAULT_CHUNK_BYTES];

const TARGET_SPEED_RATIO = 1.0;
const TARGET_CPU_PER_GIB = 3.5;
const TARGET_RSS_SPREAD = 0.1;
const TARGET_RSS_MIB = 200;

// Idle time on a socket, not the duration of a request.
const REQUEST_TIMEOUT_MS = 120_000;
const OVERALL_TIMEOUT_MS = 60 * 60_000;
// Work a server finishes just after its last response (closing files, a commit) still counts.
const SETTLE_MS = 300;

// Little-endian TIFF magic, which the app's content check accepts; the rest is incompressible.
// Allocated once at the largest chunk size used; every PATCH sends a subarray of it.
const BUFFER = randomBytes(Math.max(...WORKLOADS.map((w) => w.chunkBytes), ...RSS_CHUNK_SIZES));
BUFFER.set([0x49, 0x49, 0x2a, 0x00], 0);

class HttpError extends Error {
  constructor(method, url, status, body) {
    super(`${method} ${url} answered ${status}: ${body.trim().slice(0, 500) || '(empty body)'}`);
    this.status = status;
    this.body = body;
  }
}

// ---------------------------------------------------------------- /proc

function cpuSeconds(pid) {
  const { utime, stime } = procStat(pid);
  return { user: utime / CLK_TCK, system: stime / CLK_TCK };
}

// Children that exited were reaped by a live member, whose cutime/cstime now holds their CPU.
function postgresCpuSeconds(dataDir) {
  return cpuSecondsOf(postgresTree(dataDir));
}

// ---------------------------------------------------------------- HTTP client

function send(agent, method, url, headers, body) {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, agent, headers }, (response) => {
      const parts = [];
      let kept = 0;
      response.on('data', (part) => {
        if (kept < 64 * 1024) parts.push(part);
        kept += part.length;
      });
      response.on('end', () =>
        resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(parts).toString() }),
      );
      response.on('error', reject);
    });
    request.setTimeout(REQUEST_TIMEOUT_MS, () =>
      request.destroy(new Error(`${method} ${url}: no progress for ${REQUEST_TIMEOUT_MS / 1000} s`)),
    );
    request.on('error', reject);
    request.end(body);
  });
}

function* chunksOf(size, chunkBytes) {
  if (!(chunkBytes > 0 && chunkBytes <= BUFFER.length)) {
    throw new RangeError(`chunk size ${chunkBytes} is outside 1..${BUFFER.length} bytes`);
  }
  for (let offset = 0; offset < size; offset += chunkBytes) {
    yield { offset, bytes: BUFFER.subarray(0, Math.min(chunkBytes, size - offset)) };
  }
}

async function uploadOne(server, agent, size, chunkBytes, fileName) {
  const auth = server.token ? { Authorization: `Bearer ${server.token}` } : {};
  const created = await send(agent, 'POST', server.endpoint, {
    ...auth,
    'Tus-Resumable': '1.0.0',
    'Upload-Length': String(size),
    'Upload-Metadata': `filename ${Buffer.from(fileName).toString('base64')}`,
    'Content-Length': '0',
  });
  if (created.status !== 201 || !created.headers.location) {
    throw new HttpError('POST', server.endpoint, created.status, created.body);
  }
  const uploadUrl = new URL(created.headers.location, server.endpoint).href;
  for (const { offset, bytes } of chunksOf(size, chunkBytes)) {
    const patched = await send(
      agent,
      'PATCH',
      uploadUrl,
      {
        ...auth,
        'Tus-Resumable': '1.0.0',
        'Upload-Offset': String(offset),
        'Content-Type': 'application/offset+octet-stream',
        'Content-Length': String(bytes.length),
      },
      bytes,
    );
    if (patched.status !== 204 || Number(patched.headers['upload-offset']) !== offset + bytes.length) {
      throw new HttpError('PATCH', `${uploadUrl} at offset ${offset}`, patched.status, patched.body);
    }
  }
}

// ---------------------------------------------------------------- servers

async function startApp() {
  const { root, dataDir, url, env, credentials } = await prepareApp('bench-app-');
  const server = spawnServer('app', [...START_NODE_FLAGS, join(ROOT, 'dist', 'src', 'main.js')], env, root);
  server.dataDir = dataDir;
  // At LOG_LEVEL=warn the ready line is not printed, so readiness is the health check answering.
  const healthAgent = new http.Agent({ keepAlive: false });
  await waitUntilReady(server, async () => {
    if (server.readyUrl) return true;
    try {
      return (await send(healthAgent, 'GET', `${url}/api/health`, {})).status === 200;
    } catch {
      return false;
    }
  });
  server.token = await signIn(url, credentials);
  server.endpoint = `${url}/api/uploads`;
  return server;
}

// ---------------------------------------------------------------- measurements

async function runWorkload(server, { files, fileBytes, concurrency, chunkBytes }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const queue = Array.from({ length: files }, (_, i) => i);
  const pgBefore = server.dataDir ? postgresCpuSeconds(server.dataDir) : 0;
  const cpuBefore = cpuSeconds(server.pid);
  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
          await uploadOne(server, agent, fileBytes, chunkBytes, `bench-${i}.tif`);
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  const seconds = (performance.now() - started) / 1000;
  await sleep(SETTLE_MS);
  const gib = (files * fileBytes) / GiB;
  const cpuAfter = cpuSeconds(server.pid);
  const userPerGiB = (cpuAfter.user - cpuBefore.user) / gib;
  const systemPerGiB = (cpuAfter.system - cpuBefore.system) / gib;
  const result = {
    chunkBytes,
    patches: files * Math.ceil(fileBytes / chunkBytes),
    seconds,
    mibPerSecond: (files * fileBytes) / MiB / seconds,
    cpuPerGiB: userPerGiB + systemPerGiB,
    userPerGiB,
    systemPerGiB,
    peakRssMiB: statusMiB(server.pid, 'VmHWM'),
  };
  if (server.dataDir) result.pgCpuPerGiB = (postgresCpuSeconds(server.dataDir) - pgBefore) / gib;
  return result;
}

const start = (kind) => (kind === 'app' ? startApp() : startBare());

// `workload` is { files, fileBytes, concurrency, chunkBytes }; every record carries its chunkBytes,
// failed ones too.
async function measure(kind, workload) {
  const server = await start(kind);
  try {
    const idleRssMiB = statusMiB(server.pid, 'VmRSS');
    return { ...(await runWorkload(server, workload)), startRssMiB: server.startRssMiB, idleRssMiB };
  } catch (error) {
    // A failed run is a result too (and makes the exit code 1); the other runs still go ahead.
    const died = server.child.exitCode !== null || server.child.signalCode !== null;
    const detail = died
      ? ` (server exited: ${server.child.exitCode ?? server.child.signalCode}; ${server.output.trim().slice(-1000)})`
      : '';
    return { chunkBytes: workload.chunkBytes, error: `${error?.message ?? error}${detail}` };
  } finally {
    await stopServer(server);
  }
}

// ---------------------------------------------------------------- report

// Medians over the successful runs; `runs` keeps every run, failed ones included.
function medians(runs) {
  const ok = runs.filter((r) => !r.error);
  const of = (key) => median(ok.map((r) => r[key]));
  return {
    runs,
    ...Object.fromEntries(
      [
        'mibPerSecond',
        'cpuPerGiB',
        'userPerGiB',
        'systemPerGiB',
        'peakRssMiB',
        'pgCpuPerGiB',
        'startRssMiB',
        'idleRssMiB',
      ].map((key) => [key, of(key)]),
    ),
  };
}

const perRun = (runs, key, digits) => runs.map((r) => (r.error ? 'failed' : fixed(r[key], digits))).join(', ');
const cpuCell = (s) => `${fixed(s.cpuPerGiB, 2)} (${fixed(s.userPerGiB, 2)} + ${fixed(s.systemPerGiB, 2)})`;

function report(throughput, memory, failures) {
  const speed = {};
  for (const kind of ['bare', 'app']) {
    for (const w of WORKLOADS) {
      speed[`${kind}.${w.key}`] = medians(throughput.filter((r) => r.kind === kind && r.workload === w.key));
    }
  }
  const rss = {};
  for (const kind of ['bare', 'app']) {
    for (const chunkBytes of RSS_CHUNK_SIZES) {
      for (const size of RSS_SIZES) {
        rss[`${kind}.${chunkBytes}.${size}`] = medians(
          memory.filter((r) => r.kind === kind && r.chunkBytes === chunkBytes && r.size === size),
        );
      }
    }
  }

  const throughputTable = table(
    [
      'server',
      'workload',
      'MiB/s (median)',
      'MiB/s per run',
      'server CPU-s/GiB (user + sys)',
      'peak RSS MiB',
      'PostgreSQL CPU-s/GiB',
    ],
    ['bare', 'app'].flatMap((kind) =>
      WORKLOADS.map((w) => {
        const s = speed[`${kind}.${w.key}`];
        return [
          kind,
          w.label,
          fixed(s.mibPerSecond, 0),
          perRun(s.runs, 'mibPerSecond', 0),
          cpuCell(s),
          fixed(s.peakRssMiB, 1),
          kind === 'app' ? fixed(s.pgCpuPerGiB, 2) : '-',
        ];
      }),
    ),
  );
  const memoryTable = (chunkBytes) =>
    table(
      [
        'server',
        'upload',
        'PATCHes',
        'RSS after start MiB',
        'RSS before upload MiB',
        'peak RSS MiB (median)',
        'peak RSS per run',
        'MiB/s',
        'server CPU-s/GiB (user + sys)',
      ],
      RSS_SIZES.flatMap((size) =>
        ['bare', 'app'].map((kind) => {
          const s = rss[`${kind}.${chunkBytes}.${size}`];
          return [
            kind,
            `1 x ${size / GiB} GiB`,
            String(Math.ceil(size / chunkBytes)),
            fixed(s.startRssMiB, 1),
            fixed(s.idleRssMiB, 1),
            fixed(s.peakRssMiB, 1),
            perRun(s.runs, 'peakRssMiB', 1),
            fixed(s.mibPerSecond, 0),
            cpuCell(s),
          ];
        }),
      ),
    );
  const [specMemoryTable, defaultMemoryTable] = RSS_CHUNK_SIZES.map(memoryTable);

  const targets = [];
  for (const w of WORKLOADS) {
    const ratio = speed[`app.${w.key}`].mibPerSecond / speed[`bare.${w.key}`].mibPerSecond;
    targets.push([
      `app MiB/s / bare MiB/s, ${w.label}`,
      `>= ${TARGET_SPEED_RATIO.toFixed(1)}`,
      fixed(ratio, 2),
      verdict(ratio >= TARGET_SPEED_RATIO),
    ]);
  }
  for (const w of WORKLOADS) {
    const cpu = speed[`app.${w.key}`].cpuPerGiB;
    targets.push([
      `app CPU-s/GiB, ${w.label}`,
      `<= ${TARGET_CPU_PER_GIB}`,
      fixed(cpu, 2),
      verdict(cpu <= TARGET_CPU_PER_GIB),
    ]);
  }
  // The specified RSS targets are at 8 MiB chunks; the same two at the app's default chunk size
  // follow as informational rows.
  for (const chunkBytes of RSS_CHUNK_SIZES) {
    const informational = chunkBytes !== SPEC_CHUNK_BYTES;
    const at = informational
      ? ` at ${chunkBytes / MiB} MiB chunks (informational: the app's default chunk size)`
      : ` at ${chunkBytes / MiB} MiB chunks`;
    const [small, large] = RSS_SIZES.map((size) => rss[`app.${chunkBytes}.${size}`].peakRssMiB);
    const change = (large - small) / small;
    const largest = Math.max(small, large);
    targets.push([
      `app peak RSS, 1 x ${RSS_SIZES[1] / GiB} GiB vs 1 x ${RSS_SIZES[0] / GiB} GiB${at}`,
      `within ${TARGET_RSS_SPREAD * 100}%`,
      `${fixed(small, 1)} -> ${fixed(large, 1)} MiB (${change >= 0 ? '+' : ''}${fixed(change * 100, 1)}%)`,
      verdict(Math.abs(change) <= TARGET_RSS_SPREAD),
    ]);
    targets.push([
      `app peak RSS, larger of the two${at}`,
      `< ${TARGET_RSS_MIB} MiB`,
      `${fixed(largest, 1)} MiB`,
      verdict(largest < TARGET_RSS_MIB),
    ]);
  }
  const targetTable = table(['target', 'goal', 'measured', 'verdict'], targets);

  const lines = [
    '## Upload',
    '',
    measuredOn('npm run bench:upload'),
    '',
    'Each run is a fresh server process on 127.0.0.1, on the same machine as the client: the app ' +
      `(\`node ${[...START_NODE_FLAGS, 'dist/src/main.js'].join(' ')}\` as \`npm start\` runs it, embedded PostgreSQL, ` +
      '`LOG_LEVEL=warn`) or `bench/bare-tus-server.mjs` ' +
      '(@tus/server + @tus/file-store, defaults). The client speaks tus over raw `node:http` with keep-alive: ' +
      'POST, then PATCHes that are slices of one reused random buffer (TIFF header first). The throughput ' +
      `workloads use ${SPEC_CHUNK_BYTES / MiB} MiB PATCHes, the chunk size the targets are specified at; the ` +
      '8 x 128 MiB workload keeps 2 uploads in flight. Runs alternate bare/app and the sequence is repeated ' +
      `${THROUGHPUT_REPEATS} times (memory runs: ${MEMORY_REPEATS} times); tables show medians. ` +
      'MiB/s = 2^20 bytes per second of wall time, first POST to last response. Server CPU = utime + stime of ' +
      "the server node process (/proc/<pid>/stat) over the workload, per GiB (2^30 bytes); the app's PostgreSQL " +
      'processes are counted separately. Peak RSS = VmHWM of the fresh process, so it covers start-up and ' +
      '(app) sign-in too.',
    '',
    throughputTable,
    '',
    `Memory at ${SPEC_CHUNK_BYTES / MiB} MiB PATCHes (the specified targets): a fresh process per upload, ` +
      `1 GiB and 4 GiB, alternating bare/app, ${MEMORY_REPEATS} repeats:`,
    '',
    specMemoryTable,
    '',
    `Memory at ${APP_DEFAULT_CHUNK_BYTES / MiB} MiB PATCHes, the app's default \`chunkSizeBytes\` and so what its ` +
      'web client sends; otherwise the same as above:',
    '',
    defaultMemoryTable,
    '',
    'Targets (app medians from the tables above). The targets are specified at ' +
      `${SPEC_CHUNK_BYTES / MiB} MiB chunks; the rows marked informational are the same memory goals measured ` +
      `at the app's default chunk size (${APP_DEFAULT_CHUNK_BYTES / MiB} MiB) and do not replace them:`,
    '',
    targetTable,
    '',
    'Where the CPU and memory go, and what each change to the upload path measured: `docs/upload-performance.md`.',
    '',
  ];
  if (failures.length > 0) lines.push('Failures:', '', ...failures.map((f) => `- ${f}`), '');
  const text = [throughputTable, '', specMemoryTable, '', defaultMemoryTable, '', targetTable].join('\n');
  return { markdown: lines.join('\n'), text };
}

// ---------------------------------------------------------------- main

function progress(kind, label, note, r) {
  const line = r.error
    ? `FAILED: ${r.error}`
    : `${fixed(r.mibPerSecond, 0).padStart(5)} MiB/s  ${fixed(r.cpuPerGiB, 2)} CPU-s/GiB ` +
      `(user ${fixed(r.userPerGiB, 2)}, sys ${fixed(r.systemPerGiB, 2)})  peak RSS ${fixed(r.peakRssMiB, 1)} MiB` +
      (r.pgCpuPerGiB !== undefined ? `  PostgreSQL ${fixed(r.pgCpuPerGiB, 2)} CPU-s/GiB` : '');
  console.log(`${kind.padEnd(4)} ${label.padEnd(27)} ${note.padEnd(16)} ${line}`);
}

async function main() {
  if (!existsSync(join(ROOT, 'dist', 'src', 'main.js'))) {
    throw new Error('dist/src/main.js is missing: run `npm run build` first (npm run bench:upload does).');
  }
  console.log(`upload benchmark: ${os.availableParallelism()} CPUs, Node ${process.version}, CLK_TCK ${CLK_TCK}`);
  const throughput = [];
  const memory = [];
  const failures = [];

  for (let repeat = 1; repeat <= THROUGHPUT_REPEATS; repeat++) {
    for (const w of WORKLOADS) {
      for (const kind of ['bare', 'app']) {
        const r = await measure(kind, w);
        throughput.push({ kind, workload: w.key, ...r });
        if (r.error) failures.push(`${kind}, ${w.label}, run ${repeat}: ${r.error}`);
        progress(kind, w.label, `run ${repeat}`, r);
      }
    }
  }
  for (let repeat = 1; repeat <= MEMORY_REPEATS; repeat++) {
    for (const chunkBytes of RSS_CHUNK_SIZES) {
      for (const size of RSS_SIZES) {
        for (const kind of ['bare', 'app']) {
          const label = `1 x ${size / GiB} GiB`;
          const note = `memory ${repeat}, ${chunkBytes / MiB} MiB`;
          const r = await measure(kind, { files: 1, fileBytes: size, concurrency: 1, chunkBytes });
          memory.push({ kind, size, ...r });
          if (r.error) failures.push(`${kind}, ${label} (memory, ${note}): ${r.error}`);
          progress(kind, label, note, r);
        }
      }
    }
  }

  const { markdown, text } = report(throughput, memory, failures);
  writeResultsSection(markdown);
  console.log(`\n${text}\n\nWritten to ${RESULTS_FILE}`);
  return failures.length === 0 ? 0 : 1;
}

runBenchmark('upload benchmark', main, {
  timeoutMs: OVERALL_TIMEOUT_MS,
  cleanup: stopAll,
  cleanupMs: STOP_TIMEOUT_MS + 10_000,
});

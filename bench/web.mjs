// Web benchmark: the browser's uploads through the app's real page against the same Uppy client
// sending to a bare tus server, the cost of the in-browser sha256, the weight of the page, and
// the time `npm start` takes.
//
//   npm run bench:web        (builds the app and the web app, then runs this; a few minutes)
//
// Method
// - One file of WEB_BENCH_FILE_MIB (1024) MiB is written once under a temporary folder: a
//   little-endian TIFF header, which the app's content check accepts, then random bytes.
// - The app is started by `npm start` itself (its prestart builds included), in a new DATA_DIR
//   with its embedded PostgreSQL and the sandbox OMERO; an administrator turns autoImport off,
//   so no import runs during the measurements. The bare server is bench/bare-tus-server.mjs
//   (@tus/server + @tus/file-store, defaults), which also serves the baseline page
//   (bench/web-baseline/, built here by Vite): the web app's own createUppy and applySettings,
//   with the app's chunk size, sending to /files. Both are on 127.0.0.1, same origin as their page.
// - Headless Debian Chromium (playwright-core), a fresh profile per upload. On the app: sign in,
//   choose the sandbox starter dataset, add the file to Uppy's Dashboard. On the baseline: add
//   the file. Timed: from the click on the upload button to the response of the PATCH that
//   brings the server's Upload-Offset to the file's size. Sign-in and adding the file are not.
// - The baseline page hashes each file as the app's page does (the same worker, paced the same
//   way), so the two pages differ in the server and in what they draw (the baseline page shows
//   no progress).
// - Four settings: app and bare with sha256 on, app and bare with sha256 off (the request for the
//   sha256 worker's script is refused through the DevTools protocol, and the pages upload without
//   it). Each round runs the four in an order, then in the reverse order (A B C D D C B A), so every
//   setting's mean place in the round is the same and a steady drift of the machine's speed
//   cancels out of each comparison; each round's order starts one place later. WEB_BENCH_ROUNDS
//   (3) rounds. A ratio is taken per round (mean MiB/s of one setting's two uploads over the
//   other's), and the target is checked on the median of the rounds' ratios. Uploaded files are
//   deleted after each upload, then `sync`. With the worker, the time to the page's integrity
//   result (verified / hashed / unavailable) is recorded too.
// - Page weight: as test/web/uploader.e2e-spec.ts counts it, up to a signed-in uploader.
// - Start time: the app is stopped and `npm start` run WEB_BENCH_START_RUNS (2) times more with
//   the same checkout (built, web/dist current) and DATA_DIR, as a restart does.
//
// Results go to stdout and to the "## Web" section of bench/RESULTS.md. Exit code 0 when every
// target is met, 1 when one is missed or a run failed, 2 on timeout.
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { graphql, prepareApp, ROOT, signIn } from './app-under-test.mjs';
import { runBenchmark } from './benchmark-process.mjs';
import {
  cpuSecondsOf,
  listProcesses,
  processTree,
  startBare,
  stopAll,
  stopServer,
  STOP_TIMEOUT_MS,
  syncDisks,
} from './server-processes.mjs';
import { launchBrowser, pageWeight, uploadThroughApp, uploadThroughBare } from './web-pages.mjs';
import { reportWeb } from './web-report.mjs';
import { npmStart } from './web-start-time.mjs';
import { RESULTS_FILE, writeResultsSection } from './results-file.mjs';

const MiB = 1024 * 1024;
const positive = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number >= 1, not "${value}"`);
  return value;
};
const ROUNDS = positive('WEB_BENCH_ROUNDS', 3);
const START_RUNS = positive('WEB_BENCH_START_RUNS', 2);
const FILE_BYTES = positive('WEB_BENCH_FILE_MIB', 1024) * MiB;
const OVERALL_TIMEOUT_MS = 45 * 60_000;

const temporary = [];
let browser;

function generateFile(directory) {
  const path = join(directory, 'bench-web.tif');
  const block = randomBytes(16 * MiB);
  const fd = openSync(path, 'w');
  try {
    for (let offset = 0; offset < FILE_BYTES; offset += block.length) {
      // A fresh header and tail per block keeps blocks from being exact repeats of each other.
      block.writeUInt32LE(offset / block.length, block.length - 4);
      if (offset === 0) block.set([0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00], 0);
      writeSync(fd, block, 0, Math.min(block.length, FILE_BYTES - offset));
    }
  } finally {
    closeSync(fd);
  }
  return { path, size: FILE_BYTES };
}

async function buildBaselinePage(outDir) {
  const { build } = await import('vite');
  await build({
    root: join(ROOT, 'bench', 'web-baseline'),
    configFile: false,
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
}

/** Deletes the uploaded copies of the benchmark file (every file of its exact size under `dir`). */
function removeUploads(dir, size) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    try {
      if (entry.isDirectory()) removeUploads(path, size);
      else if (entry.isFile() && statSync(path).size === size) rmSync(path);
    } catch {
      // PostgreSQL's own files may be out of reach; none of them is an upload.
    }
  }
  syncDisks();
}

/**
 * CPU seconds so far (user + system, reaped children included) of the browser (every process
 * of the Chromium this script launched) and of `server` (the app's process group: npm, the
 * app and its PostgreSQL; or the bare server).
 */
function cpuSeconds(server) {
  const processes = listProcesses();
  return {
    browser: cpuSecondsOf(processTree((p) => p.ppid === process.pid && /chrom/.test(p.cmdline), processes)),
    server: cpuSecondsOf(processTree((p) => p.pid === server.pid, processes)),
  };
}

async function measureUpload(run, app, bare, file, chunkSizeBytes) {
  const server = run.kind === 'bare' ? bare : app.server;
  const cpu = () => cpuSeconds(server);
  const result =
    run.kind === 'bare'
      ? await uploadThroughBare(browser, bare, file, { chunkSizeBytes, hashing: run.hashing, cpu })
      : await uploadThroughApp(browser, app, file, { hashing: run.hashing, cpu });
  const gib = file.size / 2 ** 30;
  return {
    ...result,
    mibPerSecond: file.size / MiB / result.seconds,
    browserCpuPerGiB: result.cpu.browser / gib,
    serverCpuPerGiB: result.cpu.server / gib,
  };
}

async function main() {
  for (const built of ['dist/src/main.js', 'web/dist/index.html']) {
    if (!existsSync(join(ROOT, built)))
      throw new Error(`${built} is missing: run \`npm run bench:web\`, which builds.`);
  }
  const loadAverage = os.loadavg()[0];
  console.log(`web benchmark: ${os.availableParallelism()} CPUs, load average ${loadAverage.toFixed(1)}`);
  const work = mkdtempSync(join(os.tmpdir(), 'bench-web-'));
  temporary.push(work);
  const file = generateFile(work);
  await buildBaselinePage(join(work, 'baseline'));
  const failures = [];

  const prepared = await prepareApp('bench-web-app-');
  temporary.push(prepared.root);
  const first = await npmStart(prepared);
  console.log(`app: first npm start (new DATA_DIR) answered after ${first.times.total.toFixed(1)} s`);
  const app = { ...prepared, server: first.server };
  app.token = await signIn(app.url, app.credentials);
  const { updateUploaderSettings: settings } = await graphql(
    app,
    'mutation { updateUploaderSettings(input: { autoImport: false }) { autoImport chunkSizeBytes maxFileSizeBytes } }',
  );
  if (settings.maxFileSizeBytes < file.size)
    throw new Error(`the app accepts files up to ${settings.maxFileSizeBytes} bytes`);
  const bare = await startBare({ STATIC_DIR: join(work, 'baseline') });
  browser = await launchBrowser();

  const weight = await pageWeight(browser, app);
  const runs = [];
  const plan = [
    { kind: 'app', hashing: true },
    { kind: 'bare', hashing: true },
    { kind: 'app', hashing: false },
    { kind: 'bare', hashing: false },
  ];
  for (let round = 1; round <= ROUNDS; round++) {
    // The machine's speed drifts by tens of percent over minutes (other work on the host): the
    // order, then its reverse, gives every setting the same mean place in the round. Each round
    // starts one place later, so no setting always runs first.
    const shift = (round - 1) % plan.length;
    const order = [...plan.slice(shift), ...plan.slice(0, shift)];
    for (const run of [...order, ...order.toReversed()]) {
      const label = `${run.kind}, sha256 ${run.hashing ? 'on' : 'off'}`;
      try {
        const result = await measureUpload(run, app, bare, file, settings.chunkSizeBytes);
        runs.push({ ...run, round, ...result });
        console.log(
          `round ${round} ${label.padEnd(17)} ${result.mibPerSecond.toFixed(0).padStart(5)} MiB/s, CPU-s/GiB ` +
            `browser ${result.browserCpuPerGiB.toFixed(1)}, server ${result.serverCpuPerGiB.toFixed(1)}` +
            (result.integrity ? `; ${result.integrity} after ${result.integritySeconds.toFixed(1)} s` : ''),
        );
      } catch (error) {
        runs.push({ ...run, round, error: error.message });
        failures.push(`round ${round}, ${label}: ${error.message}`);
        console.log(`round ${round} ${label.padEnd(17)} FAILED: ${error.message}`);
      }
      removeUploads(run.kind === 'bare' ? bare.directory : app.dataDir, file.size);
    }
  }
  await browser.close();
  browser = undefined;
  await stopServer(bare);

  await stopServer(app.server, { keepRoot: true });
  const starts = [{ run: 'first (new DATA_DIR)', ...first.times }];
  for (let run = 1; run <= START_RUNS; run++) {
    const { server, times } = await npmStart(prepared);
    await stopServer(server, { keepRoot: true });
    starts.push({ run: `restart ${run}`, ...times });
    console.log(`app: restart ${run} answered after ${times.total.toFixed(1)} s`);
  }

  const { markdown, text, missed } = reportWeb({
    loadAverage,
    rounds: ROUNDS,
    file,
    chunkSizeBytes: settings.chunkSizeBytes,
    runs,
    weight,
    starts,
    failures,
  });
  writeResultsSection(markdown);
  console.log(`\n${text}\n\nWritten to ${RESULTS_FILE}`);
  for (const target of missed) console.error(`web benchmark: target missed: ${target}`);
  return failures.length === 0 && missed.length === 0 ? 0 : 1;
}

async function cleanup() {
  await browser?.close().catch(() => undefined);
  await stopAll();
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
}

runBenchmark('web benchmark', main, { timeoutMs: OVERALL_TIMEOUT_MS, cleanup, cleanupMs: STOP_TIMEOUT_MS + 10_000 });

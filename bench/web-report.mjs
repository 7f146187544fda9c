// The "## Web" section of bench/RESULTS.md: tables, targets and verdicts of bench/web.mjs.
import os from 'node:os';
import { START_NODE_FLAGS } from './app-under-test.mjs';
import { fixed, markdownTable as table, measuredOn, median, verdict } from './results-file.mjs';

const MiB = 1024 * 1024;
export const TARGET_SPEED_RATIO = 1.0;
export const TARGET_HASHING_RATIO = 0.9;
// As the weight test counts it: kilobytes of 1000 bytes.
export const TARGET_WEIGHT_BYTES = 250 * 1000;

const kb = (bytes) => (bytes / 1000).toFixed(1);

// The four settings each round runs (bench/web.mjs).
const SETTINGS = {
  appOn: { label: 'app page -> app', hashing: 'on', match: (r) => r.kind === 'app' && r.hashing },
  bareOn: { label: 'baseline page -> bare @tus/server', hashing: 'on', match: (r) => r.kind === 'bare' && r.hashing },
  appOff: { label: 'app page -> app', hashing: 'off (worker refused)', match: (r) => r.kind === 'app' && !r.hashing },
  bareOff: {
    label: 'baseline page -> bare @tus/server',
    hashing: 'off (worker refused)',
    match: (r) => r.kind === 'bare' && !r.hashing,
  },
};

const mean = (values) => values.reduce((sum, value) => sum + value, 0) / values.length;

/**
 * Setting `a`'s speed over setting `b`'s, per round: the mean MiB/s of a's uploads in the round
 * over b's. Both ran at the same mean place in the round, so a steady drift of the machine's
 * speed cancels out of the ratio, which a ratio of medians over the whole run would keep.
 * A round where either failed is left out.
 */
function pairedRatios(runs, a, b) {
  const ratios = [];
  for (const round of [...new Set(runs.map((r) => r.round))].sort((x, y) => x - y)) {
    const [mineA, mineB] = [a, b].map((setting) => runs.filter((r) => r.round === round && setting.match(r)));
    if (mineA.length === 0 || mineB.length === 0 || [...mineA, ...mineB].some((r) => r.error)) continue;
    ratios.push(mean(mineA.map((r) => r.mibPerSecond)) / mean(mineB.map((r) => r.mibPerSecond)));
  }
  return {
    median: median(ratios),
    text: `${fixed(median(ratios), 2)} (rounds: ${ratios.map((r) => fixed(r, 2)).join(', ')})`,
  };
}

function throughputRows(runs) {
  return Object.values(SETTINGS).map(({ label, hashing, match }) => {
    const mine = runs.filter(match);
    const ok = mine.filter((r) => !r.error);
    return [
      label,
      hashing,
      fixed(median(ok.map((r) => r.mibPerSecond)), 0),
      mine.map((r) => (r.error ? 'failed' : fixed(r.mibPerSecond, 0))).join(', '),
      fixed(median(ok.map((r) => r.seconds)), 2),
      fixed(median(ok.map((r) => r.browserCpuPerGiB)), 1),
      fixed(median(ok.map((r) => r.serverCpuPerGiB)), 1),
      mine.some((r) => r.integrity)
        ? `${[...new Set(mine.map((r) => r.integrity).filter(Boolean))].join(', ')}, after ${fixed(median(mine.map((r) => r.integritySeconds)), 2)} s`
        : '-',
      String(mine.reduce((sum, r) => sum + (r.workerRequests ?? 0), 0)),
    ];
  });
}

/** Markdown for RESULTS.md, text for stdout, and the targets missed (empty when all are met). */
export function reportWeb({ loadAverage, rounds, file, chunkSizeBytes, runs, weight, starts, failures }) {
  const rows = throughputRows(runs);
  const hashingRatio = pairedRatios(runs, SETTINGS.appOn, SETTINGS.appOff);
  const workerSeen = runs.some((r) => r.kind === 'app' && r.hashing && r.workerRequests > 0);
  const totalGzipped = weight.reduce((sum, asset) => sum + asset.gzipped, 0);

  const throughputTable = table(
    [
      'page -> server',
      'sha256 in the browser',
      'MiB/s (median)',
      'MiB/s of each upload, in order',
      's (median)',
      'browser CPU-s/GiB (median)',
      'server CPU-s/GiB (median)',
      'integrity shown (median s from the click)',
      'sha256 worker requests',
    ],
    rows,
  );
  const weightTable = table(
    ['asset', 'bytes', 'gzipped KB'],
    [
      ...weight.map((asset) => [`\`${asset.path}\``, String(asset.bytes), kb(asset.gzipped)]),
      ['total', String(weight.reduce((sum, asset) => sum + asset.bytes, 0)), kb(totalGzipped)],
    ],
  );
  const restarts = starts.filter((s) => s.run.startsWith('restart'));
  const startTable = table(
    [
      'npm start',
      'to `/` answering 200, s',
      'prestart, s',
      'of which tsc build, s',
      'of which build:web, s',
      'app start, s',
    ],
    [...starts, { run: 'restarts (median)', ...medianTimes(restarts) }].map((s) => [
      s.run,
      fixed(s.total, 1),
      fixed(s.prestart, 1),
      fixed(s.build, 1),
      fixed(s.buildWeb, 1),
      fixed(s.appStart, 1),
    ]),
  );
  const targets = [
    ...[
      ['on', SETTINGS.appOn, SETTINGS.bareOn],
      ['off', SETTINGS.appOff, SETTINGS.bareOff],
    ].map(([hashing, app, bare]) => {
      const ratio = pairedRatios(runs, app, bare);
      return {
        name: `app page -> app MiB/s / baseline page -> bare MiB/s (median of the rounds' ratios, both pages with sha256 ${hashing})`,
        goal: `>= ${TARGET_SPEED_RATIO.toFixed(1)}`,
        measured: ratio.text,
        ok: ratio.median >= TARGET_SPEED_RATIO,
      };
    }),
    {
      name: "app page MiB/s with sha256 on / off (median of the rounds' ratios)",
      goal: `>= ${TARGET_HASHING_RATIO.toFixed(2)}`,
      // Without the worker both settings load the same page: the ratio would measure noise only.
      measured: workerSeen
        ? hashingRatio.text
        : `not measured: no request for the sha256 worker, so both settings ran the same page (ratio of the two: ${hashingRatio.text})`,
      ok: !workerSeen || hashingRatio.median >= TARGET_HASHING_RATIO,
      notMeasured: !workerSeen,
    },
    {
      name: 'gzipped JS + CSS up to a signed-in uploader',
      goal: `<= ${kb(TARGET_WEIGHT_BYTES)} KB`,
      measured: `${kb(totalGzipped)} KB`,
      ok: totalGzipped <= TARGET_WEIGHT_BYTES,
    },
  ];
  const targetTable = table(
    ['target', 'goal', 'measured', 'verdict'],
    [
      ...targets.map((t) => [t.name, t.goal, t.measured, t.notMeasured ? '-' : verdict(t.ok)]),
      [
        'app page with sha256 on -> app MiB/s / baseline page without it -> bare MiB/s (both costs at once)',
        'informational',
        pairedRatios(runs, SETTINGS.appOn, SETTINGS.bareOff).text,
        '-',
      ],
      [
        '`npm start` of an unchanged checkout to `/` answering',
        'recorded',
        `${fixed(medianTimes(restarts).total, 1)} s`,
        '-',
      ],
    ],
  );
  const cpus = os.availableParallelism();
  const shared =
    loadAverage >= cpus / 2
      ? `The machine was shared and busy: its load average was ${loadAverage.toFixed(1)} on ${cpus} CPUs when the run began, so absolute numbers are low and noisy; the ratios compare runs interleaved in time.`
      : `Load average when the run began: ${loadAverage.toFixed(1)} on ${cpus} CPUs.`;
  const lines = [
    '## Web',
    '',
    measuredOn('npm run bench:web'),
    '',
    shared,
    '',
    `One ${file.size / MiB} MiB file (TIFF header, then random bytes) uploaded by headless Debian Chromium (playwright-core), a fresh profile per upload. ` +
      "The app is started by `npm start` (embedded PostgreSQL, sandbox OMERO, `LOG_LEVEL=warn`, autoImport off so no import runs) and uploaded to through its real page: signed in, sandbox starter dataset chosen, file added to Uppy's Dashboard. " +
      "The baseline is `bench/web-baseline/`: the web app's own `createUppy` and `applySettings` (same @uppy/tus, retry delays, parallel limit, Golden Retriever) and its sha256 worker, paced the same way, on a bare page served by `bench/bare-tus-server.mjs` (@tus/server + @tus/file-store, defaults), uploading to it. " +
      `Both on 127.0.0.1, same origin as their page, at the app's chunk size (${chunkSizeBytes / MiB} MiB). ` +
      'Timed from the click on the upload button to the response of the PATCH that completes the upload; signing in and adding the file are not timed. ' +
      "Four settings: app and bare with sha256 on, app and bare with sha256 off (the request for `*sha256-worker*` is refused through the DevTools protocol's Fetch domain, which pauses only that request; Playwright's route() would pause every request, uploads included). " +
      `Each round runs the four in an order, then in the reverse order (A B C D D C B A), each round's order starting one place later; ${rounds} rounds (\`WEB_BENCH_ROUNDS\`). ` +
      "The machine's speed drifts by tens of percent over minutes, so each ratio is taken within a round (the mean MiB/s of one setting's two uploads over the other's: both ran at the same mean place in the round, and a steady drift cancels out), and a target is checked on the median of the rounds' ratios. The table's medians are over all uploads. MiB/s = 2^20 bytes per second. " +
      "CPU-s/GiB = user + system CPU seconds (reaped children included, from /proc) over the timed upload, per 2^30 bytes: browser = every process of the launched Chromium; server = the app's process group (npm, the app, its PostgreSQL) or the bare server. " +
      "Where the page asked for the sha256 worker, it is also timed to the page showing its integrity result (on the app's page a run with the worker must show verified, one without it unavailable, or it fails; the baseline shows hashed): the moment the user sees the file checked. " +
      `The pages saw \`navigator.hardwareConcurrency\` = ${runs.find((r) => r.cores)?.cores ?? 'unknown'}; below 4 they hash at a tenth of a core while the upload runs, and at full speed once it is done (\`web/src/integrity/hash-pacing.ts\`).`,
    '',
    throughputTable,
    '',
    'Page weight: every `/assets/*.js|css` the page requests up to a signed-in uploader with the Dashboard shown, gzipped (zlib default level) from `web/dist`, as `test/web/uploader.e2e-spec.ts` counts it. KB = 1000 bytes.',
    '',
    weightTable,
    '',
    `Start time: \`npm start\` (prestart: \`npm run build\`, i.e. \`tsc -b\`, then \`npm run build:web\`, skipped when web/ is unchanged; then \`node ${START_NODE_FLAGS.join(' ')} dist/src/main.js\`) until \`GET /\` answers 200, polled every 50 ms. ` +
      'The first start initialises a new PostgreSQL cluster in a new DATA_DIR; the restarts reuse the same checkout and DATA_DIR, as restarting a server does. The parts are split at the lines npm prints as each script begins.',
    '',
    startTable,
    '',
    'Targets:',
    '',
    targetTable,
    '',
  ];
  if (failures.length > 0) lines.push('Failures:', '', ...failures.map((f) => `- ${f}`), '');
  const missed = targets.filter((t) => !t.ok).map((t) => `${t.name}: ${t.measured}, goal ${t.goal}`);
  return {
    markdown: lines.join('\n'),
    text: [throughputTable, '', weightTable, '', startTable, '', targetTable].join('\n'),
    missed,
  };
}

function medianTimes(starts) {
  const keys = ['total', 'prestart', 'build', 'buildWeb', 'appStart'];
  return Object.fromEntries(keys.map((key) => [key, median(starts.map((s) => s[key]))]));
}

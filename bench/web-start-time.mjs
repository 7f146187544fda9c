// How long `npm start` takes, prestart included, from the command to `/` answering 200, and
// which part of that is prestart's builds (tsc, then the web app's) and which is the app's own
// start. npm prints "> <package> <script>" as each script begins; those lines mark the parts.
import { spawnServer, waitUntilReady } from './server-processes.mjs';

// The start is timed to the first answer seen, so the poll is frequent.
const POLL_MS = 50;
const PROBE_TIMEOUT_MS = 2_000;

/**
 * Runs `npm start` in its own process group with `prepared`'s environment (from prepareApp)
 * and resolves, once `/` answers 200, with the server (stop it with stopServer) and its times
 * in seconds: total, prestart, build (tsc), buildWeb, appStart.
 */
export async function npmStart(prepared) {
  const marks = {};
  const began = performance.now();
  const server = spawnServer('app', ['start'], prepared.env, prepared.root, { command: 'npm', detached: true });
  server.dataDir = prepared.dataDir;
  let pending = '';
  server.child.stdout.on('data', (text) => {
    const lines = (pending + text).split('\n');
    pending = lines.pop();
    for (const line of lines) {
      const script = /^> \S+ ([\w:]+)$/.exec(line.trim())?.[1];
      if (script) marks[script] ??= performance.now();
    }
  });
  await waitUntilReady(
    server,
    async () => {
      try {
        return (await fetch(`${prepared.url}/`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) })).status === 200;
      } catch {
        return false;
      }
    },
    { pollMs: POLL_MS },
  );
  const answered = performance.now();
  for (const script of ['prestart', 'build', 'build:web', 'start']) {
    if (marks[script] === undefined) throw new Error(`npm start never ran its "${script}" script:\n${server.output}`);
  }
  const seconds = (from, to) => (to - from) / 1000;
  return {
    server,
    times: {
      total: seconds(began, answered),
      prestart: seconds(began, marks.start),
      build: seconds(marks.build, marks['build:web']),
      buildWeb: seconds(marks['build:web'], marks.start),
      appStart: seconds(marks.start, answered),
    },
  };
}

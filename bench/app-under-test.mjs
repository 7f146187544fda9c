// What both benchmarks need to run the real app: its Node flags, a fresh DATA_DIR and
// environment on a free port, and a signed-in administrator.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const HOST = '127.0.0.1';

// The app runs with the Node flags of `npm start` (package.json), so what is measured is what runs.
export const START_NODE_FLAGS = (() => {
  const start = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start;
  const match = /^node((?: --\S+)*) dist\/src\/main\.js$/.exec(start);
  if (!match) throw new Error(`package.json's start script is not "node [--flags] dist/src/main.js": ${start}`);
  return match[1].trim().split(' ').filter(Boolean);
})();

/**
 * A temporary folder (`root`) holding the app's DATA_DIR, a free port on 127.0.0.1, and the
 * environment to start `dist/src/main.js` with: embedded PostgreSQL, sandbox OMERO, defaults.
 */
export async function prepareApp(prefix) {
  // The app's own helper, from the build this benchmark runs.
  const { findFreePort } = await import('../dist/src/database/embedded-postgres.js');
  // The embedded PostgreSQL runs as "postgres" when we are root: it must be able to reach DATA_DIR.
  const root = mkdtempSync(join(os.tmpdir(), prefix));
  chmodSync(root, 0o711);
  const dataDir = join(root, 'data');
  const port = await findFreePort();
  const credentials = { username: 'bench', password: randomBytes(12).toString('hex') };
  const env = { ...process.env };
  delete env.DATABASE_URL;
  Object.assign(env, {
    HOST,
    PORT: String(port),
    DATA_DIR: dataDir,
    ADMIN_USERNAME: credentials.username,
    ADMIN_PASSWORD: credentials.password,
    JWT_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
  });
  return { root, dataDir, url: `http://${HOST}:${port}`, env, credentials };
}

/** The administrator's access token. */
export async function signIn(url, credentials) {
  const response = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(credentials),
  });
  if (!response.ok) throw new Error(`sign-in failed: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()).accessToken;
}

/**
 * Starts `dist/src/main.js` as `npm start` runs it, in a fresh DATA_DIR (see prepareApp) with
 * `extraEnv` on top, waits for its health check and signs in as its administrator. `timeouts`:
 * `start` (ms to be ready). The app is returned as soon as it is spawned through `onSpawn`, so a
 * caller can stop it even when the start fails.
 */
export async function startBenchApp(prefix, timeouts, { extraEnv = {}, onSpawn = () => undefined } = {}) {
  const { root, dataDir, url, env, credentials } = await prepareApp(prefix);
  Object.assign(env, extraEnv);
  // BENCH_NODE_FLAGS: extra Node flags for the app, to diagnose (e.g. --cpu-prof --cpu-prof-dir=DIR).
  const nodeFlags = [...START_NODE_FLAGS, ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean)];
  const child = spawn(process.execPath, [...nodeFlags, join(ROOT, 'dist', 'src', 'main.js')], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const app = { child, root, dataDir, url, env, credentials, output: '' };
  app.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  // Drain both pipes (a full pipe would stall the app) and keep the tail for error messages.
  const keep = (text) => (app.output = (app.output + text).slice(-16 * 1024));
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  onSpawn(app);

  const deadline = Date.now() + timeouts.start;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`app exited while starting:\n${app.output}`);
    if (Date.now() > deadline) throw new Error(`app not ready after ${timeouts.start / 1000} s:\n${app.output}`);
    // At LOG_LEVEL=warn the ready line is not printed, so readiness is the health check answering.
    if ((await fetch(`${url}/api/health`).catch(() => undefined))?.status === 200) break;
    await sleep(200);
  }
  app.token = await signIn(url, credentials);
  return app;
}

/** Stops an app of startBenchApp (SIGTERM, then SIGKILL after `timeouts.stop` ms), its PostgreSQL, and deletes its files. */
export async function stopBenchApp(app, timeouts) {
  if (!app || app.stopped) return;
  app.stopped = true;
  if (app.child.exitCode === null && app.child.signalCode === null) {
    app.child.kill('SIGTERM');
    const stopped = await Promise.race([app.exited, sleep(timeouts.stop).then(() => 'timeout')]);
    if (stopped === 'timeout') {
      console.error(`app (pid ${app.child.pid}) ignored SIGTERM for ${timeouts.stop / 1000} s; killing it`);
      app.child.kill('SIGKILL');
      await app.exited;
    }
  }
  // A postmaster the app did not stop (it names its data folder on its command line) would keep
  // its port and files; SIGINT is PostgreSQL's fast shutdown, which ends its children too.
  for (const pid of processesMentioning(app.dataDir)) {
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      // Gone meanwhile.
    }
  }
  for (let i = 0; i < 50 && processesMentioning(app.dataDir).length > 0; i++) await sleep(200);
  rmSync(app.root, { recursive: true, force: true });
}

function processesMentioning(text) {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

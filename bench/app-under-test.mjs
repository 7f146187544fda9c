// What the benchmarks need to run the real app: its Node flags, a fresh DATA_DIR and
// environment on a free port, and a signed-in administrator.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { ROOT, spawnServer, waitUntilReady } from './server-processes.mjs';

export { ROOT };
export const HOST = '127.0.0.1';

// The app runs with the Node flags of `npm start` (package.json), so what is measured is what runs.
export const START_NODE_FLAGS = (() => {
  const start = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start;
  const match = /^node((?: --\S+)*) dist\/src\/main\.js$/.exec(start);
  if (!match) throw new Error(`package.json's start script is not "node [--flags] dist/src/main.js": ${start}`);
  return match[1].trim().split(' ').filter(Boolean);
})();

/** A free port on this machine, by the app's own helper from the build this benchmark runs. */
export async function freePort() {
  const { findFreePort } = await import('../dist/src/database/embedded-postgres.js');
  return findFreePort();
}

/**
 * A temporary folder (`root`) holding the app's DATA_DIR, a free port on 127.0.0.1, and the
 * environment to start `dist/src/main.js` with: embedded PostgreSQL, sandbox OMERO, defaults.
 */
export async function prepareApp(prefix) {
  // The embedded PostgreSQL runs as "postgres" when we are root: it must be able to reach DATA_DIR.
  const root = mkdtempSync(join(os.tmpdir(), prefix));
  chmodSync(root, 0o711);
  const dataDir = join(root, 'data');
  const port = await freePort();
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

/** POSTs `query` with `variables` to the app's /graphql with its `token`; resolves with its data. */
export async function graphql(app, query, variables) {
  const response = await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${app.token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (!response.ok || body.errors)
    throw new Error(`GraphQL answered ${response.status}: ${JSON.stringify(body).slice(0, 500)}`);
  return body.data;
}

/**
 * Starts `dist/src/main.js` as `npm start` runs it (a server of spawnServer), in a fresh DATA_DIR
 * (see prepareApp) with `extraEnv` on top, waits for its health check and signs in as its
 * administrator. Stop it with stopServer; stopAll stops it too, even when its start failed.
 */
export async function startBenchApp(prefix, extraEnv = {}) {
  const { root, dataDir, url, env, credentials } = await prepareApp(prefix);
  Object.assign(env, extraEnv);
  // BENCH_NODE_FLAGS: extra Node flags for the app, to diagnose (e.g. --cpu-prof --cpu-prof-dir=DIR).
  const nodeFlags = [...START_NODE_FLAGS, ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean)];
  const app = spawnServer('app', [...nodeFlags, join(ROOT, 'dist', 'src', 'main.js')], env, root);
  Object.assign(app, { dataDir, url, env, credentials });
  // At LOG_LEVEL=warn the ready line is not printed, so readiness is the health check answering.
  await waitUntilReady(app, async () => (await fetch(`${url}/api/health`).catch(() => undefined))?.status === 200);
  app.token = await signIn(url, credentials);
  return app;
}

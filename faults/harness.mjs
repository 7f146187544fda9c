// What every fault scenario needs: the built app started as `npm start` starts it (its own
// embedded PostgreSQL, or a DATABASE_URL given), a signed-in administrator, GraphQL over HTTP,
// and cleanup that never leaves a process behind.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { prepareApp, ROOT, signIn, START_NODE_FLAGS } from '../bench/app-under-test.mjs';

export { ROOT, signIn };

const MAIN = join(ROOT, 'dist', 'src', 'main.js');

/** Polls `check` until it returns something truthy, or throws `message` after `ms`. */
export async function waitFor(check, { ms = 30_000, every = 100, message = 'condition' } = {}) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `gave up waiting for ${message} after ${ms / 1000} s${last ? ` (last error: ${last.message})` : ''}`,
      );
    }
    await sleep(every);
  }
}

/** A failed expectation, with what was seen. */
export function expect(condition, message) {
  if (!condition) throw new Error(message);
}

/**
 * Starts `node [npm start's flags] dist/src/main.js` in a fresh DATA_DIR, or in `dataDir` when
 * given (a restart), with `env` on top of the defaults. Resolves once it answers HTTP.
 * Every app started here is killed by `cleanup()` whatever happens.
 */
export class Harness {
  apps = new Set();
  folders = new Set();

  async startApp({ env = {}, dataDir, prepared } = {}) {
    prepared ??= await prepareApp('omero-uploader-faults-');
    if (!dataDir) this.folders.add(prepared.root);
    const fullEnv = { ...prepared.env, LOG_LEVEL: 'info', ...(dataDir ? { DATA_DIR: dataDir } : {}), ...env };
    const child = spawn(process.execPath, [...START_NODE_FLAGS, MAIN], {
      cwd: ROOT,
      env: fullEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const app = {
      prepared,
      child,
      url: `http://127.0.0.1:${fullEnv.PORT}`,
      dataDir: fullEnv.DATA_DIR,
      env: fullEnv,
      output: '',
      exitCode: undefined,
      exited: undefined,
      /** Log lines (parsed JSON) written so far. */
      logs() {
        return this.output
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => {
            try {
              return JSON.parse(line);
            } catch {
              return {};
            }
          });
      },
      token: () => signIn(app.url, prepared.credentials),
      gql: (query, { token, variables } = {}) => graphql(app.url, query, { token, variables }),
      kill: (signal = 'SIGKILL') => {
        child.kill(signal);
        return app.exited;
      },
      stop: () => {
        if (app.exitCode === undefined) child.kill('SIGTERM');
        return app.exited;
      },
    };
    app.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        app.exitCode = code ?? signal;
        this.apps.delete(app);
        resolve(app.exitCode);
      }),
    );
    child.stdout.on('data', (chunk) => (app.output += chunk));
    child.stderr.on('data', (chunk) => (app.output += chunk));
    this.apps.add(app);
    await waitFor(
      async () => {
        if (app.exitCode !== undefined) throw new Error(`app exited with ${app.exitCode}:\n${app.output.slice(-2000)}`);
        return (await fetch(`${app.url}/api/health`)).status === 200;
      },
      { ms: 60_000, message: 'the app to answer /api/health' },
    ).catch((error) => {
      if (app.exitCode !== undefined) throw new Error(`app exited with ${app.exitCode}:\n${app.output.slice(-2000)}`);
      throw error;
    });
    return app;
  }

  /** Stops every app (SIGTERM, then SIGKILL after 10 s) and removes the folders it made. */
  async cleanup() {
    await Promise.all(
      [...this.apps].map(async (app) => {
        app.child.kill('SIGTERM');
        const done = await Promise.race([app.exited.then(() => true), sleep(10_000).then(() => false)]);
        if (!done) {
          app.child.kill('SIGKILL');
          await app.exited;
        }
      }),
    );
    for (const folder of this.folders) rmSync(folder, { recursive: true, force: true });
  }
}

/** POSTs one GraphQL operation; resolves with { status, body } whatever the status. */
export async function graphql(url, query, { token, variables } = {}) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = { text };
  }
  return { status: response.status, body, headers: response.headers };
}

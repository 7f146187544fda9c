// The server processes the benchmarks start (the app, the bare tus server) and how they are
// found in /proc and stopped, their embedded PostgreSQL and temporary files included, whatever
// happened: a benchmark must never leave a server behind.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

// The embedded PostgreSQL initialises a new cluster on each start, which takes a while.
export const START_TIMEOUT_MS = 180_000;
// The app stops its database too on SIGTERM.
export const STOP_TIMEOUT_MS = 60_000;

// ---------------------------------------------------------------- /proc

export const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export function procStat(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may contain spaces and parentheses; the fields after it do not.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const at = (field) => Number(fields[field - 3]);
  return { ppid: at(4), pgrp: at(5), utime: at(14), stime: at(15), cutime: at(16), cstime: at(17) };
}

/** CPU seconds so far (user + system, reaped children included) of `processes`. */
export function cpuSecondsOf(processes) {
  return processes.reduce((sum, p) => sum + p.utime + p.stime + p.cutime + p.cstime, 0) / CLK_TCK;
}

export function statusMiB(pid, field) {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

export function listProcesses() {
  const processes = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ');
      processes.push({ pid: Number(name), cmdline, ...procStat(name) });
    } catch {
      // Gone since readdir.
    }
  }
  return processes;
}

// The postmaster names DATA_DIR on its command line; its children rename themselves, so they
// are found through their parent.
export function postgresTree(dataDir) {
  return processTree((p) => p.cmdline.includes(dataDir));
}

/** The processes `isRoot` picks and all their descendants. */
export function processTree(isRoot, processes = listProcesses()) {
  const tree = new Map(processes.filter(isRoot).map((p) => [p.pid, p]));
  for (let grew = true; grew;) {
    grew = false;
    for (const p of processes) {
      if (!tree.has(p.pid) && tree.has(p.ppid)) {
        tree.set(p.pid, p);
        grew = true;
      }
    }
  }
  return [...tree.values()];
}

// ---------------------------------------------------------------- servers

const running = new Set();
let stopping = false;

/**
 * Starts `command` (Node by default) with `args`. A `detached` server gets a process group of
 * its own, which is what is stopped: `npm start` runs the app as a grandchild.
 */
export function spawnServer(kind, args, env, root, { command = process.execPath, detached = false } = {}) {
  // Once the benchmark is stopping, a run still in progress must not leave a new server behind.
  if (stopping) throw new Error('the benchmark is stopping');
  const child = spawn(command, args, { cwd: ROOT, env, detached, stdio: ['ignore', 'pipe', 'pipe'] });
  const server = { kind, child, pid: child.pid, root, detached, output: '', readyUrl: undefined };
  // Drain both pipes (a full pipe would stall the server) and keep the tail for error messages.
  const keep = (text) => {
    server.output = (server.output + text).slice(-16 * 1024);
  };
  child.stdout.setEncoding('utf8').on('data', (text) => {
    keep(text);
    const ready = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(server.output);
    if (ready && /is ready/.test(server.output)) server.readyUrl ??= ready[1];
  });
  child.stderr.setEncoding('utf8').on('data', keep);
  server.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  running.add(server);
  return server;
}

export async function waitUntilReady(server, probe, { pollMs = 200 } = {}) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(`${server.kind} server exited while starting:\n${server.output}`);
    }
    if (await probe()) {
      if (!server.detached) server.startRssMiB = statusMiB(server.pid, 'VmRSS');
      return;
    }
    await sleep(pollMs);
  }
  throw new Error(`${server.kind} server not ready after ${START_TIMEOUT_MS / 1000} s:\n${server.output}`);
}

/** bench/bare-tus-server.mjs in a temporary folder of its own; `env` adds to its environment. */
export async function startBare(env = {}) {
  const root = mkdtempSync(join(os.tmpdir(), 'bench-bare-'));
  const directory = join(root, 'files');
  mkdirSync(directory);
  const server = spawnServer(
    'bare',
    [join(ROOT, 'bench', 'bare-tus-server.mjs')],
    { ...process.env, PORT: '0', UPLOAD_DIR: directory, ...env },
    root,
  );
  server.directory = directory;
  await waitUntilReady(server, async () => Boolean(server.readyUrl));
  server.endpoint = `${server.readyUrl}/files`;
  return server;
}

function killPostgres(dataDir, signal) {
  for (const p of postgresTree(dataDir)) {
    try {
      process.kill(p.pid, signal);
    } catch {
      // Already gone.
    }
  }
}

const groupAlive = (pgrp) => listProcesses().some((p) => p.pgrp === pgrp);

function signal(server, name) {
  try {
    if (server.detached) process.kill(-server.pid, name);
    else server.child.kill(name);
  } catch {
    // Already gone.
  }
}

/**
 * Stops `server` (SIGTERM, then SIGKILL after STOP_TIMEOUT_MS), then whatever of its database is
 * left, and deletes its temporary folder unless `keepRoot` (a restart uses the same DATA_DIR).
 */
export async function stopServer(server, { keepRoot = false } = {}) {
  if (!running.has(server)) return;
  running.delete(server);
  const timeout = (ms) => sleep(ms).then(() => 'timeout');
  const alive = () =>
    server.detached ? groupAlive(server.pid) : server.child.exitCode === null && server.child.signalCode === null;
  if (alive()) {
    signal(server, 'SIGTERM');
    const gone = server.detached
      ? (async () => {
          while (groupAlive(server.pid)) await sleep(200);
        })()
      : server.exited;
    if ((await Promise.race([gone, timeout(STOP_TIMEOUT_MS)])) === 'timeout') {
      console.error(
        `${server.kind} server (pid ${server.pid}) ignored SIGTERM for ${STOP_TIMEOUT_MS / 1000} s; killing it`,
      );
      signal(server, 'SIGKILL');
      await Promise.race([server.exited, timeout(5_000)]);
    }
  }
  // A database the app did not stop would hold its files (and a port) after we are gone.
  if (server.dataDir && postgresTree(server.dataDir).length > 0) {
    killPostgres(server.dataDir, 'SIGTERM');
    for (let i = 0; i < 50 && postgresTree(server.dataDir).length > 0; i++) await sleep(200);
    killPostgres(server.dataDir, 'SIGKILL');
  }
  if (!keepRoot) rmSync(server.root, { recursive: true, force: true });
  syncDisks();
}

/** Writes out what the page cache holds, so that one run's writes do not slow the next; only a fairness measure. */
export function syncDisks() {
  try {
    execFileSync('sync', { timeout: 120_000 });
  } catch {
    // Only a fairness measure.
  }
}

/** Stops every server still running; no new one starts afterwards. */
export async function stopAll() {
  stopping = true;
  await Promise.allSettled([...running].map((server) => stopServer(server)));
}

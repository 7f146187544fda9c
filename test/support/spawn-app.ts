import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

const MAIN = join(process.cwd(), 'dist', 'src', 'main.js');

export interface SpawnedApp {
  child: ChildProcess;
  /** Set once the app logged that it is ready (an APP_ROLE=worker app logs no url). */
  ready: boolean;
  /** Set once the app logged that it is ready to serve HTTP. */
  url?: string;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
}

/**
 * Runs the built app (`node dist/src/main.js`, what `npm start` runs) as a real process with
 * only the given environment on top of PATH and HOME.
 */
export function spawnApp(env: Record<string, string>): SpawnedApp {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const app: SpawnedApp = {
    child,
    ready: false,
    stdout: () => stdout,
    stderr: () => stderr,
    exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1))),
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    const ready = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"omero-uploader is ready"/.exec(stdout);
    if (ready) app.url = ready[1];
    app.ready ||= /"msg":"omero-uploader (worker )?is ready"/.test(stdout);
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return app;
}

/** Waits until the app serves HTTP, failing with its output if it exits or takes too long. */
export async function waitUntilReady(app: SpawnedApp, ms = 30_000): Promise<string> {
  await waitUntil(app, () => app.url !== undefined, ms);
  return app.url!;
}

/** Waits until an APP_ROLE=worker app, which serves no HTTP, is ready. */
export function waitUntilWorkerReady(app: SpawnedApp, ms = 30_000): Promise<void> {
  return waitUntil(app, () => app.ready, ms);
}

async function waitUntil(app: SpawnedApp, ready: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  let exitCode: number | string | undefined;
  void app.exited.then((code) => (exitCode = code));
  while (!ready()) {
    if (exitCode !== undefined || Date.now() > deadline) {
      throw new Error(`app not ready (exit: ${exitCode}):\n${app.stdout().slice(-3000)}\n${app.stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The TCP ports a process listens on: its socket descriptors matched against the kernel's
 * socket tables in LISTEN state (0A).
 */
export function listeningPorts(pid: number): number[] {
  const sockets = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode) sockets.add(inode);
    } catch {
      // Closed while we looked.
    }
  }
  const ports: number[] = [];
  for (const table of ['tcp', 'tcp6']) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === '0A' && sockets.has(fields[9])) ports.push(parseInt(fields[1].split(':')[1], 16));
    }
  }
  return ports;
}

/** Whether a process has a shared library whose path mentions `name` mapped (/proc/<pid>/maps). */
export function hasLibraryLoaded(pid: number, name: string): boolean {
  return readFileSync(`/proc/${pid}/maps`, 'utf8')
    .split('\n')
    .some((line) => line.includes('.so') && line.includes(name));
}

/** Process ids whose command line mentions `text`, e.g. a postgres serving a data folder. */
export function processesMentioning(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(text)) found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

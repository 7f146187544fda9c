import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const MAIN = join(process.cwd(), 'dist', 'src', 'main.js');

export interface SpawnedApp {
  child: ChildProcess;
  /** Set once the app logged that it is ready. */
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
    stdout: () => stdout,
    stderr: () => stderr,
    exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1))),
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    const ready = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"omero-uploader is ready"/.exec(stdout);
    if (ready) app.url = ready[1];
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return app;
}

/** Waits until the app is ready, failing with its output if it exits or takes too long. */
export async function waitUntilReady(app: SpawnedApp, ms = 30_000): Promise<string> {
  const deadline = Date.now() + ms;
  let exitCode: number | string | undefined;
  void app.exited.then((code) => (exitCode = code));
  while (!app.url) {
    if (exitCode !== undefined || Date.now() > deadline) {
      throw new Error(`app not ready (exit: ${exitCode}):\n${app.stdout().slice(-3000)}\n${app.stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return app.url;
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

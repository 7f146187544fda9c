import type { LoggerService } from '@nestjs/common';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

/**
 * Runs a command in a process group of its own and makes sure nothing of it outlives the run.
 * `omero` is Python that starts Java: killing only the process we spawned would leave the JVM
 * importing, so stopping (cancel, timeout) signals the whole group.
 */

/** How much of each output stream is kept (its end). */
const STREAM_LIMIT = 64 * 1024;
/** How long a killed group, or a stray holder of the child's pipes, is waited for. */
const SETTLE_MS = 2000;
/** How often a stopping group is checked for survivors. */
const GROUP_POLL_MS = 50;

export interface GroupRunOptions {
  /** What the log calls the command. */
  label: string;
  env: NodeJS.ProcessEnv;
  /** Aborting it stops the group ('cancelled'). */
  signal: AbortSignal;
  /** When the group is stopped ('timeout'), as a Date.now() value. */
  deadline: number;
  /** Time the group gets between SIGTERM and SIGKILL. */
  killGraceMs: number;
  logger: Pick<LoggerService, 'warn'>;
}

export interface GroupOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  stopped: 'cancelled' | 'timeout' | null;
  spawnError: NodeJS.ErrnoException | null;
}

export async function runInProcessGroup(
  command: string,
  args: string[],
  options: GroupRunOptions,
): Promise<GroupOutcome> {
  const { signal: abort } = options;
  const child = spawn(command, args, { env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout = collect(child.stdout!);
  const stderr = collect(child.stderr!);
  const exited = exitOf(child);
  const outcome: GroupOutcome = { code: null, signal: null, stdout: '', stderr: '', stopped: null, spawnError: null };
  if (child.pid === undefined) {
    outcome.spawnError = (await exited).error ?? null;
    return outcome;
  }
  const pgid = child.pid;
  let stopping: Promise<void> = Promise.resolve();
  const stop = (reason: 'cancelled' | 'timeout') => {
    // A command that already finished keeps its own result: an importer may have imported.
    if (outcome.stopped || child.exitCode !== null || child.signalCode !== null) return;
    outcome.stopped = reason;
    stopping = stopGroup(pgid, options);
  };
  const onAbort = () => stop('cancelled');
  abort.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => stop('timeout'), Math.max(0, options.deadline - Date.now()));
  if (abort.aborted) onAbort();
  try {
    ({ code: outcome.code, signal: outcome.signal } = await exited);
    await stopping;
  } finally {
    clearTimeout(timer);
    abort.removeEventListener('abort', onAbort);
  }
  // Whatever the command started and left behind must not outlive it.
  if (groupAlive(pgid)) signalGroup(pgid, 'SIGKILL');
  await settled(child, SETTLE_MS);
  outcome.stdout = stdout();
  outcome.stderr = stderr();
  return outcome;
}

/** SIGTERM to the whole group, then SIGKILL for whatever is still there after the grace period. */
async function stopGroup(pgid: number, { label, killGraceMs, logger }: GroupRunOptions): Promise<void> {
  signalGroup(pgid, 'SIGTERM');
  if (await groupGone(pgid, killGraceMs)) return;
  logger.warn(`${label} (process group ${pgid}) was still running ${killGraceMs} ms after SIGTERM; sending SIGKILL`);
  signalGroup(pgid, 'SIGKILL');
  await groupGone(pgid, SETTLE_MS);
}

/** The last STREAM_LIMIT characters a stream produced. */
function collect(stream: NodeJS.ReadableStream): () => string {
  let text = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    text += chunk;
    if (text.length > 2 * STREAM_LIMIT) text = text.slice(-STREAM_LIMIT);
  });
  return () => text.slice(-STREAM_LIMIT);
}

function exitOf(child: ChildProcess) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: NodeJS.ErrnoException }>(
    (resolve) => {
      child.once('error', (error) => {
        if (child.pid === undefined) resolve({ code: null, signal: null, error });
      });
      child.once('exit', (code, signal) => resolve({ code, signal }));
    },
  );
}

/** Waits until the child's pipes are closed, or gives up after `ms` (a stray holder of a pipe). */
function settled(child: ChildProcess, ms: number): Promise<void> {
  if (child.stdout?.readableEnded && child.stderr?.readableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    child.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/**
 * Whether any process of the group still runs. On Linux, /proc is read so that zombies do not
 * count: a killed importer's orphans are zombies until init reaps them, which some container
 * inits never do, and waiting for those would always wait out the grace period.
 */
function groupAlive(pgid: number): boolean {
  if (!existsSync('/proc/self/stat')) {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  }
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after "pid (comm) ": state ppid pgrp ...; comm may itself contain spaces.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') return true;
    } catch {
      // The process ended while we looked.
    }
  }
  return false;
}

async function groupGone(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (groupAlive(pgid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, GROUP_POLL_MS));
  }
  return true;
}

import { Logger, type LoggerService } from '@nestjs/common';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { access, constants, mkdtemp, open, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join } from 'node:path';
import {
  OmeroImportError,
  type ImportErrorCode,
  type ImportResult,
  type ImportTargetType,
  type Transfer,
} from '../omero-gateway.port.js';
import type { SessionLock } from '../sessions/session-lock.js';
import { importerEnvironment } from './omero-cli.environment.js';

/**
 * Runs OMERO's command-line importer (`omero import`, omero-py driving the Java importer) for
 * one file, and turns what it says into an ImportResult or an OmeroImportError. See docs/omero.md
 * for the importer's behaviour; the traps this class exists for:
 * - exit code 0 does not mean success ("No imports due to errors!", a failed fileset under -c);
 * - `omero` is Python that starts Java: killing only the process we spawned would leave the
 *   JVM importing, so the importer runs in its own process group and the group is killed;
 * - with `-k`, `-g` is ignored: the session's group is switched first (`omero sessions group`),
 *   and imports sharing one session run one at a time so that no import switches the group
 *   under another: in this process by a queue per session, across instances by `sessionLock`.
 */

/** How the importer signs in to OMERO. */
export type CliLogin =
  /** As the user, joining the session from their sign-in. */
  | { mode: 'session'; sessionKey: string }
  /** As the user, through an administrator's credentials (`--sudo`). */
  | { mode: 'sudo'; adminUser: string; adminPassword: string; username: string; groupName: string };

export interface CliImportJob {
  login: CliLogin;
  /** Absolute path of the file to import. */
  path: string;
  transfer: Transfer;
  target: { type: ImportTargetType; id: string; groupId: string };
  signal: AbortSignal;
  timeoutMs: number;
}

export interface OmeroCliImporterOptions {
  /** The `omero` executable. */
  cliPath: string;
  /** The OMERO server (Glacier2 router) the importer connects to. */
  host: string;
  port: number;
  /** Time a stopped importer gets between SIGTERM and SIGKILL. */
  killGraceMs?: number;
  logger?: Pick<LoggerService, 'log' | 'warn' | 'debug'>;
  /** Makes imports of one session wait for each other across instances too (session mode). */
  sessionLock?: SessionLock;
}

/** The administrator named for sudo imports could not sign in: theirs to fix. */
export const SUDO_REFUSED =
  "OMERO refused the import administrator's sign-in. An administrator must check OMERO_SUDO_USER and OMERO_SUDO_PASSWORD.";

/** What OmeroImportError.log and ImportResult.log keep of the importer's output. */
const LOG_LIMIT = 20 * 1024;
/** How much of the importer's error log is searched for the failure's cause. */
const ERRS_SCAN_LIMIT = 256 * 1024;
const STREAM_LIMIT = 64 * 1024;
const OUTPUT_LIMIT = 4 * 1024 * 1024;
const DEFAULT_KILL_GRACE_MS = 10_000;

interface CliOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  stopped: 'cancelled' | 'timeout' | null;
  spawnError: NodeJS.ErrnoException | null;
}

/** One run of the importer, with what the failure analysis needs. */
interface Attempt {
  job: CliImportJob;
  phase: 'switch-group' | 'import';
  outcome: CliOutcome;
  /** Everything the importer said, secrets removed. */
  text: string;
  ids: ImportedIds;
  errorCount: number | null;
}

export interface ImportedIds {
  filesetIds: string[];
  imageIds: string[];
  plateIds: string[];
}

export class OmeroCliImporter {
  private readonly logger: Pick<LoggerService, 'log' | 'warn' | 'debug'>;
  private readonly killGraceMs: number;
  /** The tail of the queue of imports per OMERO session key (session mode only). */
  private readonly sessionQueues = new Map<string, Promise<void>>();

  constructor(private readonly options: OmeroCliImporterOptions) {
    this.logger = options.logger ?? new Logger(OmeroCliImporter.name);
    this.killGraceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  }

  async import(job: CliImportJob): Promise<ImportResult> {
    checkJob(job);
    if (job.signal.aborted) throw cancelled(job);
    await checkReadable(job);
    if (job.login.mode === 'sudo') return this.run(job);
    return this.oneAtATime(job.login.sessionKey, job, () => this.run(job));
  }

  private async run(job: CliImportJob): Promise<ImportResult> {
    const deadline = Date.now() + job.timeoutMs;
    // Private to this import: the output files, and the CLI's session store (OMERO_SESSIONDIR),
    // so that concurrent imports never reuse or overwrite each other's stored sessions.
    const work = await mkdtemp(join(tmpdir(), 'omero-import-'));
    try {
      const env = this.environment(job, join(work, 'sessions'));
      if (job.login.mode === 'session') await this.switchGroup(job, job.login.sessionKey, env, deadline);
      return await this.importFile(job, work, env, deadline);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  private async switchGroup(job: CliImportJob, sessionKey: string, env: NodeJS.ProcessEnv, deadline: number) {
    const { host, port } = this.options;
    const args = ['sessions', '-s', host, '-p', String(port), '-k', sessionKey, 'group', job.target.groupId];
    const outcome = await this.runCli(args, env, job, deadline);
    if (outcome.code === 0 && !outcome.stopped) return;
    const text = redact([outcome.stderr, outcome.stdout].join('\n'), secretsOf(job));
    throw await this.failure({ job, phase: 'switch-group', outcome, text, ids: noIds(), errorCount: null });
  }

  private async importFile(job: CliImportJob, work: string, env: NodeJS.ProcessEnv, deadline: number) {
    const out = join(work, 'out.yml');
    const errs = join(work, 'errs.log');
    const outcome = await this.runCli(this.importArgs(job, out, errs), env, job, deadline);
    const errsText = await readTail(errs, ERRS_SCAN_LIMIT);
    const text = redact([outcome.stderr, errsText, outcome.stdout].filter(Boolean).join('\n'), secretsOf(job));
    const ids = parseImportOutput(await readTail(out, OUTPUT_LIMIT));
    const attempt: Attempt = { job, phase: 'import', outcome, text, ids, errorCount: parseErrorCount(errsText) };
    if (!succeeded(attempt)) throw await this.failure(attempt);
    return { ...ids, filesetId: ids.filesetIds[0] ?? null, log: boundLog(text) };
  }

  private importArgs(job: CliImportJob, out: string, errs: string): string[] {
    const { host, port } = this.options;
    const login =
      job.login.mode === 'session'
        ? ['-k', job.login.sessionKey]
        : ['--sudo', job.login.adminUser, '-u', job.login.username, '-g', job.login.groupName];
    const target = job.target.type === 'DATASET' ? ['-d', job.target.id] : ['-r', job.target.id];
    return [
      'import',
      ...['-s', host, '-p', String(port)],
      ...login,
      ...target,
      `--transfer=${job.transfer}`,
      // Otherwise every import asks OME's upgrade server whether a newer OMERO exists.
      ...['--skip', 'upgrade'],
      ...['--output', 'yaml'],
      ...['--file', out, '--errs', errs],
      job.path,
    ];
  }

  /**
   * The allow-listed part of the service's environment, plus the CLI's session store and, with
   * sudo, the administrator's password: omero-py reads OMERO_PASSWORD when `-w` is absent, which
   * keeps the password off the command line (anyone on the machine can read /proc/<pid>/cmdline).
   */
  private environment(job: CliImportJob, sessionDir: string): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...importerEnvironment(process.env), OMERO_SESSIONDIR: sessionDir };
    if (job.login.mode === 'sudo') env.OMERO_PASSWORD = job.login.adminPassword;
    return env;
  }

  private async runCli(args: string[], env: NodeJS.ProcessEnv, job: CliImportJob, deadline: number) {
    this.logger.debug?.(`running ${this.options.cliPath} ${redact(args.join(' '), secretsOf(job))}`);
    const child = spawn(this.options.cliPath, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout = collect(child.stdout!);
    const stderr = collect(child.stderr!);
    const exited = exitOf(child);
    const outcome: CliOutcome = { code: null, signal: null, stdout: '', stderr: '', stopped: null, spawnError: null };
    if (child.pid === undefined) {
      outcome.spawnError = (await exited).error ?? null;
      return outcome;
    }
    const pgid = child.pid;
    let stopping: Promise<void> = Promise.resolve();
    const stop = (reason: 'cancelled' | 'timeout') => {
      // An importer that already finished keeps its own result: it may have imported.
      if (outcome.stopped || child.exitCode !== null || child.signalCode !== null) return;
      outcome.stopped = reason;
      stopping = this.stopGroup(pgid);
    };
    const onAbort = () => stop('cancelled');
    job.signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => stop('timeout'), Math.max(0, deadline - Date.now()));
    if (job.signal.aborted) onAbort();
    try {
      ({ code: outcome.code, signal: outcome.signal } = await exited);
      await stopping;
    } finally {
      clearTimeout(timer);
      job.signal.removeEventListener('abort', onAbort);
    }
    // Whatever the importer started and left behind must not outlive it.
    if (groupAlive(pgid)) signalGroup(pgid, 'SIGKILL');
    await settled(child, 2000);
    outcome.stdout = stdout();
    outcome.stderr = stderr();
    return outcome;
  }

  /** SIGTERM to the whole group, then SIGKILL for whatever is still there after the grace period. */
  private async stopGroup(pgid: number): Promise<void> {
    signalGroup(pgid, 'SIGTERM');
    if (await groupGone(pgid, this.killGraceMs)) return;
    this.logger.warn(
      `omero (process group ${pgid}) was still running ${this.killGraceMs} ms after SIGTERM; sending SIGKILL`,
    );
    signalGroup(pgid, 'SIGKILL');
    await groupGone(pgid, 2000);
  }

  /** `message` is for the user; the importer's output and the diagnosis's detail, for administrators. */
  private async failure(attempt: Attempt): Promise<OmeroImportError> {
    const { code, message, detail } = await this.diagnose(attempt);
    return new OmeroImportError(code, message, boundLog([detail, attempt.text].filter(Boolean).join('\n')));
  }

  private async diagnose(attempt: Attempt): Promise<Diagnosis> {
    const { job, outcome, text } = attempt;
    const file = basename(job.path);
    const server = `${this.options.host}:${this.options.port}`;
    if (outcome.stopped === 'cancelled') return { code: 'CANCELLED', message: cancelled(job).message };
    if (outcome.stopped === 'timeout') {
      return {
        code: 'TIMEOUT',
        message: `Importing ${file} took longer than ${formatDuration(job.timeoutMs)} and was stopped. Try again, or ask an administrator to allow imports more time.`,
      };
    }
    if (outcome.spawnError) {
      return {
        code: 'IMPORT_FAILED',
        message: 'The OMERO importer could not be started on the import server. Tell an administrator.',
        detail: `The OMERO importer "${this.options.cliPath}" could not be started (${outcome.spawnError.code ?? outcome.spawnError.message}). Install omero-py on this machine or set OMERO_CLI to its path.`,
      };
    }
    if (/Bad session key|Cannot join/.test(text)) {
      // With -k, omero-py reports an unreachable server as a bad key too: look for ourselves.
      if (!(await reachable(this.options.host, this.options.port))) return unavailable(server);
      return {
        code: 'SESSION_EXPIRED',
        message: 'Your OMERO session has expired. Sign in again, then retry the import.',
      };
    }
    if (
      /ConnectionRefusedException|ConnectTimeoutException|ConnectionLostException|DNSException|isn't running/.test(text)
    ) {
      return unavailable(server);
    }
    return IMPORT_RULES.find((rule) => rule.matches(attempt))!.diagnose(attempt);
  }

  /** The session, held across instances (SessionLock); a cancelled wait ends the import. */
  private async lockSession(key: string, job: CliImportJob): Promise<() => Promise<void>> {
    if (!this.options.sessionLock) return async () => undefined;
    try {
      return await this.options.sessionLock(key, job.signal);
    } catch (error) {
      if (job.signal.aborted) throw cancelled(job);
      throw error;
    }
  }

  /** Runs imports of one OMERO session one after another; a cancelled wait leaves the queue. */
  private async oneAtATime<T>(key: string, job: CliImportJob, work: () => Promise<T>): Promise<T> {
    const previous = this.sessionQueues.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.sessionQueues.set(key, tail);
    try {
      await untilAborted(previous, job);
      const unlock = await this.lockSession(key, job);
      try {
        return await work();
      } finally {
        await unlock();
      }
    } finally {
      release();
      if (this.sessionQueues.get(key) === tail) this.sessionQueues.delete(key);
    }
  }
}

/** `detail` names what users must not read (addresses, commands): it goes to the log only. */
type Diagnosis = { code: ImportErrorCode; message: string; detail?: string };

/**
 * The failures the importer itself reports, once connection problems are ruled out: the first
 * rule that matches names the failure. Order matters: a cause found in the log beats the exit
 * code, and exit 0 is judged last.
 */
const IMPORT_RULES: { matches: (attempt: Attempt) => boolean; diagnose: (attempt: Attempt) => Diagnosis }[] = [
  {
    matches: ({ text }) => /incorrect password attempts|Password check failed|cannot request password/.test(text),
    diagnose: () => failed(SUDO_REFUSED),
  },
  {
    matches: ({ text }) => /No row with the given identifier exists/.test(text),
    diagnose: ({ job }) => ({
      code: 'TARGET_NOT_FOUND',
      message: `${targetOf(job)} does not exist in OMERO (any more). Pick another target.`,
    }),
  },
  {
    matches: ({ text }) => /SecurityViolation|cannot link|not linkable/i.test(text),
    diagnose: ({ job, phase }) => ({
      code: 'NO_PERMISSION',
      message:
        phase === 'switch-group'
          ? `OMERO did not let you work in group ${job.target.groupId}: you are probably not a member of it. Pick a target in one of your groups.`
          : `OMERO did not let you import into ${targetOf(job)}: you may not link images to it. Pick a dataset or screen you may link to, or ask its owner.`,
    }),
  },
  {
    matches: ({ text }) =>
      /UnknownFormatException|loci\.formats\.\w*Exception|Unknown file format|No imports found/.test(text),
    diagnose: ({ job }) => ({
      code: 'UNREADABLE_FILE',
      message: `OMERO cannot read ${basename(job.path)}: Bio-Formats does not recognise it, or the file is damaged. Check that it opens in Fiji, or convert it (for example to OME-TIFF).`,
    }),
  },
  {
    // docs/omero.md, "The importer": exit 3 is a cleanup failure of a *_rm transfer, so the import itself ran, but
    // its success rule (exit 0, ids, 0 errors) does not hold: the images may well exist, and a
    // retry would import them twice. Hence a permanent failure of its own, not IMPORT_FAILED.
    matches: ({ outcome }) => outcome.code === 3,
    diagnose: ({ job, ids }) => ({
      code: 'CLEANUP_FAILED',
      message: `OMERO imported ${basename(job.path)}${describeIds(ids)} but could not delete the uploaded copy afterwards (a cleanup failure), so the images may already be in OMERO. Check the target in OMERO before importing this file again, or they will be there twice.`,
    }),
  },
  {
    matches: ({ text }) => /No imports due to errors!/.test(text),
    diagnose: ({ job }) =>
      failed(
        `The OMERO importer could not import ${basename(job.path)} ("No imports due to errors!"). The importer's log, which administrators can read, has the cause.`,
      ),
  },
  {
    matches: ({ outcome, errorCount }) => outcome.code === 0 && (errorCount ?? 0) > 0,
    diagnose: ({ job, ids, errorCount }) =>
      failedAfter(
        ids,
        `The OMERO importer reported ${errorCount} error(s) while importing ${basename(job.path)}${describeIds(ids)}. The importer's log, which administrators can read, has the cause.`,
      ),
  },
  {
    matches: ({ outcome, ids }) => outcome.code === 0 && ids.imageIds.length + ids.plateIds.length === 0,
    diagnose: ({ job }) =>
      failed(
        `The OMERO importer finished without creating any image from ${basename(job.path)}. The importer's log, which administrators can read, has the cause.`,
      ),
  },
  {
    matches: ({ outcome }) => outcome.code === 0,
    diagnose: ({ job, ids }) =>
      failedAfter(
        ids,
        `The OMERO importer gave no summary for ${basename(job.path)}${describeIds(ids)}, so its success is not certain.`,
      ),
  },
  {
    matches: () => true,
    diagnose: ({ job, outcome }) => {
      const how = outcome.code === null ? `was killed by ${outcome.signal}` : `failed with exit code ${outcome.code}`;
      return failed(
        `The OMERO importer ${how} while importing ${basename(job.path)}. The importer's log, which administrators can read, has the cause.`,
      );
    },
  },
];

function failed(message: string): Diagnosis {
  return { code: 'IMPORT_FAILED', message };
}

/**
 * A failure after which the importer named images or plates: they may exist in OMERO, and a
 * retry would import them twice, so it is not retried (INCOMPLETE_IMPORT, permanent).
 */
function failedAfter(ids: ImportedIds, message: string): Diagnosis {
  if (ids.imageIds.length + ids.plateIds.length === 0) return failed(message);
  return {
    code: 'INCOMPLETE_IMPORT',
    message: `${message} Some images may already be in OMERO: check the target before importing this file again.`,
  };
}

function targetOf(job: CliImportJob): string {
  return `${job.target.type === 'DATASET' ? 'Dataset' : 'Screen'} ${job.target.id}`;
}

/** docs/omero.md, "The importer": success is exit 0 AND at least one Image or Plate id AND 0 errors in the summary. */
function succeeded({ outcome, ids, errorCount }: Attempt): boolean {
  const created = ids.imageIds.length + ids.plateIds.length > 0;
  return !outcome.stopped && outcome.code === 0 && created && errorCount === 0;
}

/**
 * Reads `--output yaml` (`- Fileset: 12` / `  Image: [101, 102]`, block lists too) and, as a
 * fallback, the default `--output ids` lines (`Image:101,102`).
 */
export function parseImportOutput(text: string): ImportedIds {
  const ids: ImportedIds = { filesetIds: [], imageIds: [], plateIds: [] };
  const lists: Record<string, string[]> = { Fileset: ids.filesetIds, Image: ids.imageIds, Plate: ids.plateIds };
  let open: string[] | null = null;
  for (const line of text.split(/\r?\n/)) {
    const entry = /^\s*(?:-\s+)?(Fileset|Image|Plate)\s*:\s*(.*)$/.exec(line);
    if (entry) {
      const numbers = entry[2].match(/\d+/g) ?? [];
      lists[entry[1]].push(...numbers);
      open = numbers.length === 0 ? lists[entry[1]] : null;
      continue;
    }
    const item = /^\s*-\s*(\d+)\s*$/.exec(line);
    if (item && open) open.push(item[1]);
    else open = null;
  }
  return ids;
}

/** The error count of the importer's last summary line (`... 0 errors in 00:00:02.315`). */
export function parseErrorCount(text: string): number | null {
  const counts = [...text.matchAll(/(\d+) errors? in \d/g)];
  return counts.length > 0 ? Number(counts[counts.length - 1][1]) : null;
}

function checkJob(job: CliImportJob): void {
  if (!isAbsolute(job.path)) {
    throw new OmeroImportError(
      'IMPORT_FAILED',
      'The file to import could not be located on the import server. Tell an administrator.',
      `The import path must be absolute, not "${job.path}".`,
    );
  }
  // All of these go on the command line, where a value starting with "-" would be read as an option.
  for (const [what, id] of [
    ['target', job.target.id],
    ['group', job.target.groupId],
  ]) {
    if (!/^\d+$/.test(id)) {
      throw new OmeroImportError(
        'TARGET_NOT_FOUND',
        `"${id}" is not an OMERO ${what} id. Pick a target from the list.`,
      );
    }
  }
  if (job.login.mode === 'session' && !/^[0-9A-Za-z][\w-]*$/.test(job.login.sessionKey)) {
    throw new OmeroImportError(
      'SESSION_EXPIRED',
      'Your OMERO session is not valid. Sign in again, then retry the import.',
    );
  }
  if (job.login.mode === 'sudo') {
    const { adminUser, username, groupName } = job.login;
    const unsafe = [adminUser, username, groupName].find((value) => value === '' || value.startsWith('-'));
    if (unsafe !== undefined) {
      throw new OmeroImportError('IMPORT_FAILED', `"${unsafe}" cannot be passed to the OMERO importer as a name.`);
    }
  }
}

async function checkReadable(job: CliImportJob): Promise<void> {
  try {
    await access(job.path, constants.R_OK);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read';
    throw new OmeroImportError('UNREADABLE_FILE', `${basename(job.path)} ${reason} on the import server.`);
  }
}

function cancelled(job: CliImportJob): OmeroImportError {
  return new OmeroImportError('CANCELLED', `The import of ${basename(job.path)} was cancelled.`);
}

function unavailable(server: string): Diagnosis {
  return {
    code: 'OMERO_UNAVAILABLE',
    message: 'The OMERO server cannot be reached. The import can be retried once it is back.',
    detail: `The OMERO server ${server} cannot be reached.`,
  };
}

function noIds(): ImportedIds {
  return { filesetIds: [], imageIds: [], plateIds: [] };
}

function describeIds(ids: ImportedIds): string {
  const parts = [
    ids.imageIds.length > 0 ? `image ${ids.imageIds.join(', ')}` : '',
    ids.plateIds.length > 0 ? `plate ${ids.plateIds.join(', ')}` : '',
  ].filter(Boolean);
  return parts.length > 0 ? ` (OMERO created ${parts.join('; ')})` : '';
}

function secretsOf(job: CliImportJob): string[] {
  return job.login.mode === 'session' ? [job.login.sessionKey] : [job.login.adminPassword];
}

function redact(text: string, secrets: string[]): string {
  return secrets
    .filter((secret) => secret.length > 0)
    .reduce((result, secret) => result.replaceAll(secret, '***'), text);
}

function boundLog(text: string): string {
  return text.length <= LOG_LIMIT ? text : `[... earlier output left out]\n${text.slice(-LOG_LIMIT)}`;
}

function formatDuration(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Number((ms / 1000).toFixed(1))} s`;
}

function untilAborted(promise: Promise<void>, job: CliImportJob): Promise<void> {
  if (job.signal.aborted) return Promise.reject(cancelled(job));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(cancelled(job));
    job.signal.addEventListener('abort', onAbort, { once: true });
    void promise.then(() => {
      job.signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
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
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/** Whether anything accepts TCP connections at host:port. */
function reachable(host: string, port: number, ms = 3000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(ms, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function readTail(path: string, maxBytes: number): Promise<string> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return '';
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}

import { Logger, type LoggerService } from '@nestjs/common';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { importCancelled, type ImportResult } from '../omero-gateway.port.js';
import type { SessionLock } from '../sessions/session-lock.js';
import { importerEnvironment } from './omero-cli.environment.js';
import { failure, succeeded, type Attempt } from './omero-cli.diagnosis.js';
import { checkJob, checkReadable, secretsOf, type CliImportJob } from './omero-cli.job.js';
import { boundLog, noIds, parseErrorCount, parseImportOutput, redact } from './omero-cli.output.js';
import { runInProcessGroup } from './process-group.js';
import { SessionQueue } from './session-queue.js';

/**
 * Runs OMERO's command-line importer (`omero import`, omero-py driving the Java importer) for
 * one file, and turns what it says into an ImportResult or an OmeroImportError. See
 * docs/omero.md for the importer's behaviour. The parts: the job's checks (omero-cli.job), the
 * run in a process group of its own (process-group), reading its output (omero-cli.output),
 * naming a failure (omero-cli.diagnosis), and one import at a time per session (session-queue).
 */

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

/** How much of the importer's error log is searched for the failure's cause. */
const ERRS_SCAN_LIMIT = 256 * 1024;
/** How much of the importer's `--file` output (the ids) is read. */
const OUTPUT_LIMIT = 4 * 1024 * 1024;
const DEFAULT_KILL_GRACE_MS = 10_000;

export class OmeroCliImporter {
  private readonly logger: Pick<LoggerService, 'log' | 'warn' | 'debug'>;
  private readonly killGraceMs: number;
  private readonly sessions: SessionQueue;

  constructor(private readonly options: OmeroCliImporterOptions) {
    this.logger = options.logger ?? new Logger(OmeroCliImporter.name);
    this.killGraceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    this.sessions = new SessionQueue(options.sessionLock);
  }

  async import(job: CliImportJob): Promise<ImportResult> {
    checkJob(job);
    const cancelled = () => importCancelled(basename(job.path));
    if (job.signal.aborted) throw cancelled();
    await checkReadable(job);
    if (job.login.mode === 'sudo') return this.run(job);
    return this.sessions.run(job.login.sessionKey, job.signal, cancelled, () => this.run(job));
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
    throw await failure({ job, phase: 'switch-group', outcome, text, ids: noIds(), errorCount: null }, this.options);
  }

  private async importFile(job: CliImportJob, work: string, env: NodeJS.ProcessEnv, deadline: number) {
    const out = join(work, 'out.yml');
    const errs = join(work, 'errs.log');
    const outcome = await this.runCli(this.importArgs(job, out, errs), env, job, deadline);
    const errsText = await readTail(errs, ERRS_SCAN_LIMIT);
    const text = redact([outcome.stderr, errsText, outcome.stdout].filter(Boolean).join('\n'), secretsOf(job));
    const ids = parseImportOutput(await readTail(out, OUTPUT_LIMIT));
    const attempt: Attempt = { job, phase: 'import', outcome, text, ids, errorCount: parseErrorCount(errsText) };
    if (!succeeded(attempt)) throw await failure(attempt, this.options);
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

  private runCli(args: string[], env: NodeJS.ProcessEnv, job: CliImportJob, deadline: number) {
    this.logger.debug?.(`running ${this.options.cliPath} ${redact(args.join(' '), secretsOf(job))}`);
    return runInProcessGroup(this.options.cliPath, args, {
      label: 'omero',
      env,
      signal: job.signal,
      deadline,
      killGraceMs: this.killGraceMs,
      logger: this.logger,
    });
  }
}

/** The last `maxBytes` of a file the importer wrote; '' when it wrote none. */
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

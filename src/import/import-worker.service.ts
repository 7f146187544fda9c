import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UsersService } from '../auth/users.service.js';
import { AppError } from '../common/errors/app-error.js';
import { Environment } from '../environment/environment.js';
import { type ImportResult, OmeroGateway, OmeroImportError, type Transfer } from '../omero/omero-gateway.port.js';
import { PgPubSub } from '../pubsub/pg-pubsub.js';
import { PUB_SUB } from '../pubsub/pubsub.module.js';
import { UploadsService } from '../upload/uploads.service.js';
import { IMPORTER_LOG_CHARS, type ImportJob, type ImportJobErrorCode } from './import-job.entity.js';
import {
  IMPORT_CANCEL_REQUESTED,
  IMPORT_JOB_UPDATED,
  type ImportJobEvent,
  ImportJobsService,
} from './import-jobs.service.js';
import { ImportQueue } from './import-queue.service.js';
import { ServerFilesService } from './server-files.service.js';

/** Tries at recording a successful import (about a minute in all) before giving up. */
const RECORD_ATTEMPTS = 15;
/**
 * Runs import jobs (unless APP_ROLE=web): claims a QUEUED job, re-checks the permission,
 * imports through the gateway as the job's owner, and records the outcome. Temporary failures
 * are queued again with a growing delay, up to IMPORT_MAX_ATTEMPTS; permanent ones fail at
 * once. A worker that dies is noticed by its missing heartbeat, on any instance (ImportSweep).
 */
@Injectable()
export class ImportWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ImportWorker.name);
  /** Jobs running here, to abort on cancellation or shutdown. */
  private readonly running = new Map<string, AbortController>();
  private subscriptions: number[] = [];
  private stopping = false;

  constructor(
    @Inject(Environment) private readonly env: Environment,
    @Inject(PUB_SUB) private readonly pubsub: PgPubSub,
    private readonly queue: ImportQueue,
    private readonly jobs: ImportJobsService,
    private readonly gateway: OmeroGateway,
    private readonly serverFiles: ServerFilesService,
    private readonly users: UsersService,
    private readonly uploads: UploadsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.env.APP_ROLE === 'web') return;
    this.subscriptions.push(
      await this.pubsub.subscribe(IMPORT_CANCEL_REQUESTED, (payload) =>
        this.running.get((payload as { id: string }).id)?.abort('cancel'),
      ),
      await this.pubsub.subscribe(IMPORT_JOB_UPDATED, (payload) => {
        if ((payload as ImportJobEvent).queued) this.queue.wake();
      }),
    );
    this.queue.work(this.env.IMPORT_CONCURRENCY, (jobId, free) => this.run(jobId, free));
  }

  async onApplicationShutdown(): Promise<void> {
    for (const id of this.subscriptions) this.pubsub.unsubscribe(id);
    // Imports in flight stop now and go back to the queue for another worker; so does any job
    // claimed from here on.
    this.stopping = true;
    for (const controller of this.running.values()) controller.abort('shutdown');
  }

  /**
   * One job, from claim to outcome. `free` gives the import slot up as soon as the import is
   * over, before its outcome is recorded. Errors are recorded on the job; the queue only delivers.
   */
  async run(jobId: string, free: () => void): Promise<void> {
    const job = await this.jobs.claim(jobId);
    if (!job) return;
    const controller = new AbortController();
    if (this.stopping) controller.abort('shutdown');
    this.running.set(job.id, controller);
    // The heartbeat also reads the cancel request off the row (its NOTIFY reaches this instance
    // at once, but not while the listening connection is down), and notices when the job is no
    // longer this attempt: taken for lost (this event loop stalled past the sweep's patience)
    // and queued again. The import stops then, so that two workers never import one file.
    let over = false;
    const heartbeat = setInterval(() => {
      this.jobs
        .beat(job)
        .then((beat) => {
          if (over || controller.signal.aborted) return;
          if (!beat) {
            this.logger.warn(`import ${job.id} stopped: the job was taken for lost and queued again`);
            controller.abort('lost');
          } else if (beat.cancelRequested) controller.abort('cancel');
        })
        .catch(() => undefined);
    }, this.env.IMPORT_HEARTBEAT_SECONDS * 1000).unref();
    // Once the import is over its slot is free. The heartbeat goes on beating until the outcome
    // is recorded (so that a slow recording is not taken for a lost worker) but no longer acts:
    // a beat after the recording would take the recorded outcome for a lost job.
    const importOver = () => {
      over = true;
      free();
    };
    try {
      let result: ImportResult;
      try {
        result = await this.importJob(job, controller.signal);
      } catch (error) {
        importOver();
        await this.failed(job, error, controller.signal);
        return;
      }
      importOver();
      await this.recordSuccess(job, result);
    } finally {
      clearInterval(heartbeat);
      this.running.delete(job.id);
    }
  }

  private async importJob(job: ImportJob, signal: AbortSignal) {
    const user = { id: job.ownerId, username: await this.usernameOf(job.ownerId) };
    // The permission may have changed since the job was queued.
    try {
      await this.jobs.assertCanLink(user, job);
    } catch (error) {
      if (error instanceof AppError) throw new JobFailure('FORBIDDEN', error.message);
      throw error;
    }
    const { path, transfer } = await this.source(job);
    return this.gateway.importFile({
      user,
      path,
      transfer,
      target: { type: job.targetType, id: job.targetId, groupId: job.groupId },
      signal,
      timeoutMs: this.env.IMPORT_TIMEOUT_MINUTES * 60_000,
      importKey: job.id,
    });
  }

  /**
   * Read at every job, not kept: with OMERO accounts the name follows OMERO's (a rename), and a
   * sudo import under a stale name could run as whoever OMERO has since given it.
   */
  private async usernameOf(userId: string): Promise<string> {
    return (await this.users.findIdentity(userId))?.username ?? '';
  }

  /** Where the bytes are, and how OMERO should take them: copied from uploads, linked in place. */
  private async source(job: ImportJob): Promise<{ path: string; transfer: Transfer }> {
    if (job.sourceKind === 'server') {
      try {
        return { path: (await this.serverFiles.resolve(job.sourcePath)).absolute, transfer: 'ln_s' };
      } catch (error) {
        // The service's refusals are written for users; a file system error names server paths.
        if (error instanceof AppError) throw new JobFailure('SOURCE_MISSING', error.message);
        throw new JobFailure(
          'SOURCE_MISSING',
          `${job.sourcePath} cannot be read in the import folder; tell an administrator.`,
          String(error),
        );
      }
    }
    // The upload's completion put the file in place before the commit that queued this job.
    const path = join(this.env.dataDir, job.sourcePath);
    // An attempt that died after OMERO took the file (moved it into its repository) left the
    // rest for this one to finish.
    if (!existsSync(path) && !(await this.gateway.tookSourceOf(job.id)))
      throw new JobFailure(
        'SOURCE_MISSING',
        `The uploaded file ${job.fileName} is no longer on the server; upload it again.`,
      );
    return { path, transfer: this.env.IMPORT_KEEP_UPLOADED_FILES === 'true' ? 'upload' : 'upload_rm' };
  }

  /**
   * The images exist now: the outcome must be recorded, not the import run again. So a failure
   * to record it (the database restarting, say) is retried here, while the heartbeat goes on,
   * rather than handled as a failed import, which would be queued again and import twice.
   */
  private async recordSuccess(job: ImportJob, result: ImportResult): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.succeeded(job, result);
        return;
      } catch (error) {
        const images = result.imageIds.join(', ');
        if (attempt >= RECORD_ATTEMPTS) {
          this.logger.error(`import ${job.id} created images ${images} but could not be recorded: ${String(error)}`);
          return;
        }
        this.logger.warn(`could not record import ${job.id} (images ${images}), trying again: ${String(error)}`);
        await sleep(Math.min(500 * 2 ** (attempt - 1), 5_000));
      }
    }
  }

  private async succeeded(job: ImportJob, result: ImportResult) {
    const recorded = await this.jobs.endAttempt(
      job,
      {
        status: 'SUCCEEDED',
        omeroImageIds: result.imageIds,
        omeroPlateIds: result.plateIds,
        omeroFilesetId: result.filesetId,
        log: result.log.slice(-IMPORTER_LOG_CHARS),
        finishedAt: new Date(),
        errorCode: null,
        errorMessage: null,
      },
      job.uploadId ? (manager) => this.uploads.markImported(job.uploadId!, manager) : undefined,
    );
    if (!recorded) {
      this.logger.warn(
        `import ${job.id} created images ${result.imageIds.join(', ')} after its job was taken for lost; ` +
          'the job was not changed',
      );
    }
  }

  private async failed(job: ImportJob, error: unknown, signal: AbortSignal): Promise<void> {
    const failure = toFailure(error, signal);
    if (!(error instanceof OmeroImportError) && !(error instanceof JobFailure)) {
      this.logger.error(
        `import ${job.id} failed unexpectedly: ${error instanceof Error ? error.stack : String(error)}`,
      );
    } else if (failure.code !== 'CANCELLED') {
      // The user reads `message`; the detail (paths, OMERO's address, the importer's words) is here.
      this.logger.warn({
        event: 'import_failed',
        jobId: job.id,
        code: failure.code,
        message: failure.message,
        importerLog: failure.log,
      });
    }
    // Not this worker's job any more (see the heartbeat): nothing to record.
    if (signal.reason === 'lost') return;
    if (failure.code === 'CANCELLED' && signal.reason === 'shutdown') {
      // Not the user's doing: back to the queue for another worker, at once (the queue is
      // stopped only after the jobs in hand) rather than at the next sweep.
      await this.jobs.endAttempt(
        job,
        { status: 'QUEUED', queuedAt: new Date(), attempts: job.attempts - 1 },
        (manager) => this.queue.send(job.id, { manager }),
      );
      return;
    }
    const retry = !failure.permanent && job.attempts < this.env.IMPORT_MAX_ATTEMPTS;
    const changes: Partial<ImportJob> = {
      errorCode: failure.code,
      errorMessage: retry
        ? `${failure.message} Retrying (attempt ${job.attempts + 1} of ${this.env.IMPORT_MAX_ATTEMPTS}).`
        : failure.message,
      log: failure.log.slice(-IMPORTER_LOG_CHARS) || null,
    };
    if (retry) {
      const delayMs = 30_000 * 2 ** (job.attempts - 1);
      await this.jobs.endAttempt(job, { ...changes, status: 'QUEUED', queuedAt: new Date() }, (manager) =>
        this.queue.send(job.id, { manager, startAfter: new Date(Date.now() + delayMs) }),
      );
      return;
    }
    const status = failure.code === 'CANCELLED' ? 'CANCELLED' : 'FAILED';
    await this.jobs.endAttempt(job, { ...changes, status, finishedAt: new Date() });
  }
}

/** A failure decided by the app itself (not by OMERO): always permanent. `log` is for administrators. */
class JobFailure extends Error {
  constructor(
    readonly code: ImportJobErrorCode,
    message: string,
    readonly log = '',
  ) {
    super(message);
  }
}

function toFailure(
  error: unknown,
  signal: AbortSignal,
): { code: ImportJobErrorCode; message: string; permanent: boolean; log: string } {
  if (signal.aborted) return { code: 'CANCELLED', message: 'The import was cancelled.', permanent: true, log: '' };
  if (error instanceof JobFailure) return { code: error.code, message: error.message, permanent: true, log: error.log };
  if (error instanceof OmeroImportError)
    return { code: error.code, message: error.message, permanent: error.permanent, log: error.log };
  return {
    code: 'IMPORT_FAILED',
    message: 'The import failed unexpectedly; it has been logged.',
    permanent: false,
    log: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  };
}

import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { isUUID } from 'class-validator';
import { basename } from 'node:path';
import type { DataSource, EntityManager, Repository } from 'typeorm';
import { type AuthUser, isAdmin } from '../auth/auth-user.js';
import { AppError, ErrorCode } from '../common/errors/app-error.js';
import { notFound } from '../common/errors/not-found.js';
import { UploaderSettingsService } from '../config/uploader-settings.service.js';
import { type ImportTargetType, OmeroGateway } from '../omero/omero-gateway.port.js';
import { omeroUserOf } from '../omero/omero-user.js';
import { entityFromRow } from '../database/entity-from-row.js';
import { PgPubSub } from '../pubsub/pg-pubsub.js';
import { PUB_SUB } from '../pubsub/pubsub.module.js';
import type { Upload } from '../upload/upload.entity.js';
import { UploadsService } from '../upload/uploads.service.js';
import { ImportJob, type ImportJobErrorCode, type ImportStatus } from './import-job.entity.js';
import { ImportQueue } from './import-queue.service.js';
import { type ResolvedServerPath, ServerFilesService } from './server-files.service.js';

export const IMPORT_JOB_UPDATED = 'importJobUpdated';
export const IMPORT_CANCEL_REQUESTED = 'importCancelRequested';

/** The most jobs one `importJobs` page holds, whatever the caller asks for. */
const MAX_PAGE_SIZE = 500;

/**
 * What a database trigger publishes for every status change of a job (see the migration
 * ImportJobTriggers): ids only; subscribers reload the row.
 */
export interface ImportJobEvent {
  id: string;
  ownerId: string;
  /** The job is (again) waiting in the queue: idle workers look at once. */
  queued: boolean;
}

export interface Target {
  targetType: ImportTargetType;
  targetId: string;
  groupId: string;
}

/** Work that belongs to a status change, done in its transaction (see ImportJobsService.transition). */
export type Alongside = (manager: EntityManager, job: ImportJob) => Promise<void>;

/**
 * Queuing, cancelling and retrying imports, and reading them. Every status change is a
 * compare-and-update in PostgreSQL, which publishes it (ImportJobTriggers), so subscribers on
 * every instance hear of it. The only writer of `import_jobs`: the worker, the sweep and the
 * session keep-alive change jobs through it.
 */
@Injectable()
export class ImportJobsService implements OnModuleInit {
  constructor(
    @InjectRepository(ImportJob) private readonly jobs: Repository<ImportJob>,
    @InjectDataSource() private readonly db: DataSource,
    @Inject(PUB_SUB) private readonly pubsub: PgPubSub,
    private readonly queue: ImportQueue,
    private readonly gateway: OmeroGateway,
    private readonly uploads: UploadsService,
    private readonly settings: UploaderSettingsService,
    private readonly serverFiles: ServerFilesService,
  ) {}

  onModuleInit(): void {
    // Auto-import: an upload completed with a target gets its job in the same transaction.
    this.uploads.onCompleted(async (upload, manager) => {
      if (!upload.targetType || !upload.targetId || !upload.groupId || !this.settings.current.autoImport) return;
      const target = { targetType: upload.targetType, targetId: upload.targetId, groupId: upload.groupId };
      await this.queueUpload(upload, target, manager);
    });
  }

  // --- queuing --------------------------------------------------------------------------

  /** importUpload: the upload's job, created (after a permission check) if it has none yet. */
  async importUpload(user: AuthUser, uploadId: string, target: Target): Promise<ImportJob> {
    const upload = await this.uploads.findOwn(user, uploadId);
    if (!upload) throw notFound('upload', uploadId, { ofYours: true });
    const existing = await this.findForUpload(upload.id);
    if (existing) return existing;
    if (upload.status !== 'completed') {
      throw new AppError(
        ErrorCode.CONFLICT,
        `This upload is ${upload.status}; only a completed upload can be imported. Finish the upload first.`,
      );
    }
    await this.assertCanLink(user, target);
    return this.db.transaction((manager) => this.queueUpload(upload, target, manager));
  }

  /** importServerFiles: one job per file, linked in place; every path is checked first. */
  async importServerFiles(user: AuthUser, paths: string[], target: Target): Promise<ImportJob[]> {
    const files: ResolvedServerPath[] = [];
    for (const path of paths) {
      const resolved = await this.serverFiles.resolve(path);
      if (!resolved.stats.isFile()) {
        throw new AppError(ErrorCode.BAD_USER_INPUT, `${resolved.relative} is a folder; choose the files in it.`);
      }
      files.push(resolved);
    }
    await this.assertCanLink(user, target);
    return this.db.transaction(async (manager) => {
      const jobs: ImportJob[] = [];
      for (const file of files) {
        jobs.push(
          await this.insertAndQueue(manager, {
            ownerId: user.id,
            uploadId: null,
            sourceKind: 'server',
            sourcePath: file.relative,
            fileName: basename(file.relative),
            sizeBytes: file.stats.size,
            ...target,
          }),
        );
      }
      return jobs;
    });
  }

  /** The one job of an upload (ON CONFLICT: a second request, even a concurrent one, gets the first job). */
  private async queueUpload(upload: Upload, target: Target, manager: EntityManager): Promise<ImportJob> {
    const job = await this.insertAndQueue(
      manager,
      {
        ownerId: upload.ownerId,
        uploadId: upload.id,
        sourceKind: 'upload',
        sourcePath: upload.storagePath!,
        fileName: upload.fileName,
        sizeBytes: upload.sizeBytes,
        ...target,
      },
      true,
    );
    return job ?? manager.findOneByOrFail(ImportJob, { uploadId: upload.id });
  }

  /**
   * Inserts a QUEUED job and sends it to the queue; with `unlessDuplicate`, null if its upload
   * has a job already. Its import_queued event and its announcement come from the database.
   */
  private async insertAndQueue(manager: EntityManager, fields: Partial<ImportJob>): Promise<ImportJob>;
  private async insertAndQueue(
    manager: EntityManager,
    fields: Partial<ImportJob>,
    unlessDuplicate: true,
  ): Promise<ImportJob | null>;
  private async insertAndQueue(
    manager: EntityManager,
    fields: Partial<ImportJob>,
    unlessDuplicate = false,
  ): Promise<ImportJob | null> {
    const values = { ...fields, status: 'QUEUED' };
    const columns = Object.keys(values).map((key) => this.column(key));
    const [row] = (await manager.query(
      `INSERT INTO import_jobs (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})
       ${unlessDuplicate ? 'ON CONFLICT DO NOTHING' : ''} RETURNING *`,
      Object.values(values),
    )) as Record<string, unknown>[];
    if (!row) return null;
    const job = this.fromRow(row);
    await this.queue.send(job.id, { manager });
    return job;
  }

  // --- permissions ----------------------------------------------------------------------

  /** The target must be one the user may link into, in one of the user's groups. */
  async assertCanLink(user: Pick<AuthUser, 'id' | 'username'>, target: Target): Promise<void> {
    const kind = target.targetType === 'DATASET' ? 'dataset' : 'screen';
    const targets = await this.gateway.listTargets(omeroUserOf(user), target.groupId, target.targetType);
    const found = targets.find((candidate) => candidate.id === target.targetId);
    if (!found) {
      throw new AppError(
        ErrorCode.FORBIDDEN,
        `There is no ${kind} ${target.targetId} you can see in group ${target.groupId}.`,
      );
    }
    if (!found.canLink) {
      throw new AppError(
        ErrorCode.FORBIDDEN,
        `You may not import into the ${kind} "${found.name}"; ask its owner or choose another ${kind}.`,
      );
    }
  }

  // --- cancel and retry -----------------------------------------------------------------

  async cancel(user: AuthUser, id: string): Promise<ImportJob> {
    const job = await this.findVisible(user, id);
    if (!job) throw notFound('import job', id, { ofYours: true });
    const queued = await this.transition(job.id, ['QUEUED'], {
      status: 'CANCELLED',
      errorCode: 'CANCELLED',
      errorMessage: `Cancelled by ${user.username}.`,
      finishedAt: new Date(),
    });
    if (queued) return queued;
    const running = await this.transition(job.id, ['RUNNING'], { cancelRequested: true });
    if (running) {
      // The instance running it aborts the import and records the cancellation.
      await this.pubsub.publish(IMPORT_CANCEL_REQUESTED, { id: job.id });
      return running;
    }
    const status = ((await this.findById(job.id)) ?? job).status.toLowerCase();
    throw new AppError(ErrorCode.CONFLICT, `This import has ${status} already; there is nothing to cancel.`);
  }

  async retry(user: AuthUser, id: string): Promise<ImportJob> {
    const job = await this.findVisible(user, id);
    if (!job) throw notFound('import job', id, { ofYours: true });
    if (job.status !== 'FAILED' && job.status !== 'CANCELLED') {
      throw new AppError(
        ErrorCode.CONFLICT,
        `This import is ${job.status.toLowerCase()}; only a failed or cancelled import can be retried.`,
      );
    }
    const retried = await this.transition(
      job.id,
      [job.status],
      {
        status: 'QUEUED',
        attempts: 0,
        errorCode: null,
        errorMessage: null,
        cancelRequested: false,
        finishedAt: null,
        queuedAt: new Date(),
      },
      (manager) => this.queue.send(job.id, { manager, now: true }),
    );
    if (!retried) throw new AppError(ErrorCode.CONFLICT, 'This import changed meanwhile; reload it and try again.');
    return retried;
  }

  /**
   * A compare-and-update guarded by the job's status, so that no stale writer overwrites a
   * newer state.
   * The database counts and announces the change when it commits (ImportJobTriggers).
   * `alongside` runs in the same transaction, only if the change happened (the rows that go with
   * it: the upload's status, the queue entry), so they cost no commit of their own.
   */
  transition(
    id: string,
    from: ImportStatus[],
    changes: Partial<ImportJob>,
    alongside?: Alongside,
  ): Promise<ImportJob | null> {
    return this.compareAndUpdate(id, from, { changes, alongside });
  }

  /** QUEUED → RUNNING for exactly one worker, counting the attempt; null if it was not queued. */
  claim(id: string): Promise<ImportJob | null> {
    const now = new Date();
    return this.compareAndUpdate(id, ['QUEUED'], {
      changes: { status: 'RUNNING', startedAt: now, heartbeatAt: now, finishedAt: null },
      alsoSet: 'attempts = attempts + 1',
    });
  }

  /**
   * A worker's attempt ends (RUNNING → its outcome), but only if the job is still that attempt:
   * one taken for lost meanwhile, and perhaps claimed by another worker, is no longer this
   * worker's to change. An attempt is known by the time of its claim (`started_at`), which no
   * other claim shares: the attempt count does not do, as retryImport sets it back to 0.
   * Null when it was not.
   */
  endAttempt(job: ImportJob, changes: Partial<ImportJob>, alongside?: Alongside): Promise<ImportJob | null> {
    return this.compareAndUpdate(job.id, ['RUNNING'], { changes, alongside, claimedAt: job.startedAt! });
  }

  /**
   * A running attempt's heartbeat: whether its cancellation was asked for, or null when the job
   * is no longer this attempt (taken for lost, and perhaps claimed again).
   */
  async beat(job: ImportJob): Promise<{ cancelRequested: boolean } | null> {
    const [rows] = (await this.db.query(
      `UPDATE import_jobs SET heartbeat_at = now() WHERE id = $1 AND status = 'RUNNING' AND started_at = $2
       RETURNING cancel_requested`,
      [job.id, job.startedAt],
    )) as [{ cancel_requested: boolean }[], number];
    return rows.length ? { cancelRequested: rows[0].cancel_requested } : null;
  }

  /**
   * RUNNING jobs whose heartbeat is older than `staleSeconds` lost their worker: back to the
   * queue, or FAILED after their last attempt. One transaction, so that the jobs are announced
   * (at commit) with their queue entries in place. Returns how many of each.
   */
  async requeueLost(staleSeconds: number, maxAttempts: number): Promise<{ queued: number; failed: number }> {
    return this.db.transaction(async (manager) => {
      const [lost] = (await manager.query(
        `UPDATE import_jobs
         SET status = CASE WHEN attempts >= $2 THEN 'FAILED' ELSE 'QUEUED' END,
             error_code = 'WORKER_LOST',
             error_message = 'The worker running this import stopped'
               || CASE WHEN attempts >= $2 THEN '.' ELSE '; it will be retried.' END,
             finished_at = CASE WHEN attempts >= $2 THEN now() END,
             queued_at = now(), updated_at = now()
         WHERE status = 'RUNNING' AND heartbeat_at < now() - make_interval(secs => $1)
         RETURNING id, status`,
        [staleSeconds, maxAttempts],
      )) as [{ id: string; status: string }[], number];
      let queued = 0;
      for (const job of lost) {
        if (job.status !== 'QUEUED') continue;
        await this.queue.send(job.id, { manager });
        queued++;
      }
      return { queued, failed: lost.length - queued };
    });
  }

  /** Fails every QUEUED job of a user at once (their OMERO session is gone); the ids failed. */
  async failQueuedOf(ownerId: string, errorCode: ImportJobErrorCode, errorMessage: string): Promise<string[]> {
    const [failed] = (await this.db.query(
      `UPDATE import_jobs
       SET status = 'FAILED', error_code = $2, error_message = $3, finished_at = now(), updated_at = now()
       WHERE owner_id = $1 AND status = 'QUEUED'
       RETURNING id`,
      [ownerId, errorCode, errorMessage],
    )) as [{ id: string }[], number];
    return failed.map((row) => row.id);
  }

  private async compareAndUpdate(
    id: string,
    from: ImportStatus[],
    options: { changes: Partial<ImportJob>; alsoSet?: string; alongside?: Alongside; claimedAt?: Date },
  ): Promise<ImportJob | null> {
    const { changes, alsoSet, alongside, claimedAt } = options;
    const values: unknown[] = [id, from, ...Object.values(changes)];
    const assignments = Object.keys(changes).map((key, i) => `${this.column(key)} = $${i + 3}`);
    if (alsoSet) assignments.push(alsoSet);
    let condition = 'id = $1 AND status = ANY($2)';
    if (claimedAt) condition += ` AND started_at = $${values.push(claimedAt)}`;
    const update = async (manager: EntityManager): Promise<ImportJob | null> => {
      const [rows] = (await manager.query(
        `UPDATE import_jobs SET ${assignments.join(', ')}, updated_at = now() WHERE ${condition} RETURNING *`,
        values,
      )) as [Record<string, unknown>[], number];
      if (!rows.length) return null;
      const job = this.fromRow(rows[0]);
      await alongside?.(manager, job);
      return job;
    };
    return alongside ? this.db.transaction(update) : update(this.db.manager);
  }

  /** A job of a `SELECT *` row (also for the admin list, which reads the table itself). */
  fromRow(row: Record<string, unknown>): ImportJob {
    return entityFromRow(this.jobs, row);
  }

  private column(property: string): string {
    return this.jobs.metadata.findColumnWithPropertyName(property)!.databaseName;
  }

  // --- queries --------------------------------------------------------------------------

  /** The caller's jobs, newest first; administrators see everyone's. */
  list(user: AuthUser, status: ImportStatus | undefined, limit: number, offset: number): Promise<ImportJob[]> {
    return this.jobs.find({
      where: visibleJobs(user, status),
      order: { createdAt: 'DESC', id: 'DESC' },
      take: Math.min(Math.max(limit, 1), MAX_PAGE_SIZE),
      skip: Math.max(offset, 0),
    });
  }

  /** How many jobs `list` pages through. */
  count(user: AuthUser, status?: ImportStatus): Promise<number> {
    return this.jobs.countBy(visibleJobs(user, status));
  }

  /** Plain SQL: every subscription event reads its job through this. */
  async findById(id: string): Promise<ImportJob | null> {
    const [row] = (await this.db.query('SELECT * FROM import_jobs WHERE id = $1', [id])) as Record<string, unknown>[];
    return row ? this.fromRow(row) : null;
  }

  /** A job the caller may see (their own; any for administrators), else null. */
  async findVisible(user: AuthUser, id: string): Promise<ImportJob | null> {
    if (!isUUID(id)) return null;
    const job = await this.findById(id);
    return job && (job.ownerId === user.id || isAdmin(user)) ? job : null;
  }

  findForUpload(uploadId: string): Promise<ImportJob | null> {
    return this.jobs.findOneBy({ uploadId });
  }
}

/** The jobs a user may list: their own (administrators: everyone's), with that status if given. */
function visibleJobs(user: AuthUser, status?: ImportStatus) {
  return { ...(isAdmin(user) ? {} : { ownerId: user.id }), ...(status ? { status } : {}) };
}

import { Logger } from '@nestjs/common';
import { stat } from 'node:fs/promises';
import type { AnalyticsService } from '../analytics/analytics.service.js';
import { AppError, ErrorCode } from '../common/errors/app-error.js';
import type { PgLocker } from './pg-locker.js';
import type { UploadCompletion } from './upload-completion.js';
import type { UploadFileStore } from './upload-file.store.js';
import type { UploadRecords } from './upload.records.js';
import type { Upload } from './upload.entity.js';

/** The first retry of a failed stranded completion waits twice this; each further one doubles. */
const STRANDED_RETRY_BASE_MS = 30_000;
/** The longest wait between two attempts at a stranded completion. */
const STRANDED_RETRY_MAX_MS = 6 * 3_600_000;

/** A log-worthy description of anything thrown: Errors, tus errors or plain values. */
const describeError = (error: unknown): string =>
  error instanceof Error
    ? error.message
    : typeof error === 'object' && error && 'body' in error
      ? String(error.body)
      : String(error);

export interface UnfinishedDeps {
  records: UploadRecords;
  store: UploadFileStore;
  locker: PgLocker;
  analytics: AnalyticsService;
  completion: UploadCompletion;
  /** The current expiry period (a setting that changes at runtime). */
  expiryHours: () => number;
}

/**
 * What becomes of uploads that do not finish on their own: cancelled by their owner, expired
 * by the maintenance job (bytes deleted), or, with all their bytes in but no completion,
 * completed by the maintenance job.
 */
export class UnfinishedUploads {
  private readonly logger = new Logger('UploadsService');
  /** Uploads whose completion failed, and when to try again. */
  private readonly retryAt = new Map<string, { at: number; delayMs: number }>();

  constructor(private readonly deps: UnfinishedDeps) {}

  /** cancelUpload: stops an upload in progress (asking its request to let go) and deletes it. */
  async cancel(upload: Upload): Promise<Upload> {
    const { locker, records, store } = this.deps;
    const id = upload.id;
    if (upload.status !== 'uploading') {
      throw new AppError(
        ErrorCode.CONFLICT,
        `This upload is ${upload.status}; only an unfinished upload can be cancelled.`,
      );
    }
    const lock = locker.newLock(id);
    try {
      await lock.lock(AbortSignal.timeout(locker.acquireTimeoutMs), () => undefined);
    } catch {
      throw new AppError(ErrorCode.CONFLICT, 'This upload is busy and could not be cancelled; try again in a moment.');
    }
    try {
      // It may have completed while we waited for the lock.
      const current = await records.findByIdOrFail(id);
      if (current.status !== 'uploading') {
        throw new AppError(
          ErrorCode.CONFLICT,
          `This upload is ${current.status}; only an unfinished upload can be cancelled.`,
        );
      }
      await store.discard(id);
      await this.end(id, 'cancelled');
    } finally {
      await lock.unlock();
    }
    return records.findByIdOrFail(id);
  }

  /**
   * Whether this call ended the upload (false: it was no longer uploading). A compare-and-update:
   * only an upload still uploading ends here, whoever else races us.
   */
  async end(id: string, status: 'cancelled' | 'expired'): Promise<boolean> {
    const row = await this.deps.records.end(id, status);
    if (!row) return false;
    await this.deps.analytics.record({
      eventType: status === 'cancelled' ? 'upload_cancelled' : 'upload_expired',
      userId: row.owner_id,
      uploadId: id,
      groupId: row.group_id,
      sizeBytes: row.size_bytes === null ? null : Number(row.size_bytes),
      outcome: status,
    });
    return true;
  }

  /**
   * Deletes unfinished uploads past their expiry. Each is skipped while a request holds its
   * lock or once all its bytes are in (a completion in flight), and is marked expired with a
   * compare-and-update, so a completion racing this job always wins.
   */
  async expireDue(): Promise<number> {
    const { records, locker, store } = this.deps;
    let expired = 0;
    const due = records.unfinished('upload.created_at < now() - make_interval(hours => :p0)', [
      this.deps.expiryHours(),
    ]);
    for await (const upload of due) {
      const lock = await locker.tryLock(upload.id);
      if (!lock) continue;
      try {
        const size = upload.sizeBytes ?? (await store.declaredSize(upload.id));
        if (size !== undefined && (await this.receivedBytes(upload)) === size) continue;
        if (await this.end(upload.id, 'expired')) {
          await store.discard(upload.id);
          expired++;
        }
      } finally {
        await lock.unlock();
      }
    }
    return expired;
  }

  /**
   * Completes uploads whose bytes all arrived but whose completion never ran or failed (the
   * process stopped in between, or the database was away); without this their clients would
   * see them done and nothing else would. Failures are retried with a growing delay, since
   * each attempt may re-read the whole file.
   */
  async completeStranded(): Promise<number> {
    const { records, locker, store, completion } = this.deps;
    let completed = 0;
    for await (const upload of records.unfinished('TRUE')) {
      const retry = this.retryAt.get(upload.id);
      if (retry && retry.at > Date.now()) continue;
      const size = upload.sizeBytes ?? (await store.declaredSize(upload.id));
      if (size === undefined || (await this.receivedBytes(upload)) !== size) continue;
      const lock = await locker.tryLock(upload.id);
      if (!lock) continue;
      try {
        await completion.complete(upload.id);
        this.retryAt.delete(upload.id);
        completed++;
      } catch (error) {
        const delayMs = Math.min((retry?.delayMs ?? STRANDED_RETRY_BASE_MS) * 2, STRANDED_RETRY_MAX_MS);
        this.retryAt.set(upload.id, { at: Date.now() + delayMs, delayMs });
        this.logger.warn(
          `could not complete upload ${upload.id}, retrying in ${delayMs / 1000} s: ${describeError(error)}`,
        );
      } finally {
        await lock.unlock();
      }
    }
    return completed;
  }

  /** Bytes received so far: read from the incoming file while uploading, never written per chunk. */
  async receivedBytes(upload: Upload): Promise<number> {
    if (upload.status !== 'uploading') return upload.offsetBytes;
    try {
      return (await stat(this.deps.store.pathOf(upload.id))).size;
    } catch {
      return 0;
    }
  }
}

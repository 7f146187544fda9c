import { Logger } from '@nestjs/common';
import { join, relative } from 'node:path';
import type { DataSource, EntityManager } from 'typeorm';
import type { AnalyticsService } from '../analytics/analytics.service.js';
import { describeContent, detectFormat, extensionOf } from '../common/image-formats.js';
import type { UploaderSettingsService } from '../config/uploader-settings.service.js';
import { storageName } from './file-name.js';
import type { PgLocker } from './pg-locker.js';
import { type TusError, tusError } from './tus-error.js';
import type { UploadFileStore } from './upload-file.store.js';
import { placeCompletedFile } from './upload-naming.policy.js';
import type { Completion, UploadRecords } from './upload.records.js';
import type { Upload, UploadStatus } from './upload.entity.js';

/**
 * Called inside the completion's transaction (the Import module queues its job there), with
 * the file already under its final name: whatever the transaction makes visible at its commit
 * finds the file in place.
 */
export type UploadCompletedListener = (upload: Upload, manager: EntityManager) => Promise<void>;

export const FINISHED: UploadStatus[] = ['completed', 'imported'];

export interface CompletionDeps {
  db: DataSource;
  records: UploadRecords;
  store: UploadFileStore;
  locker: PgLocker;
  settings: UploaderSettingsService;
  analytics: AnalyticsService;
  dataDir: string;
  ownerDir: (ownerId: string) => string;
}

/**
 * The end of an upload's transfer: its content checked (on the first bytes, and again at the
 * end), then its completion: sha256, format, its place in the owner's folder under a
 * collision-free name, the row, and the hand-over to the Import module. Rejected content
 * loses its bytes; a completion that fails leaves the bytes where they were, to be tried again.
 */
export class UploadCompletion {
  private readonly logger = new Logger('UploadsService');
  private readonly listeners: UploadCompletedListener[] = [];

  constructor(private readonly deps: CompletionDeps) {}

  /** Registers a completion listener; returns a function that removes it. */
  onCompleted(listener: UploadCompletedListener): () => void {
    this.listeners.push(listener);
    return () => this.listeners.splice(this.listeners.indexOf(listener), 1);
  }

  /** The upload's content, judged on its first bytes: its format, or the 415 that rejected it. */
  async checkContent(id: string, head: Buffer): Promise<{ format: string } | { error: TusError }> {
    const upload = await this.deps.records.findById(id);
    if (!upload) return { error: tusError(404, `There is no upload ${id}.`) };
    const extension = extensionOf(upload.fileName, this.deps.settings.current.allowedExtensions);
    const format = detectFormat(head, extension);
    if (format) return { format };
    const message = `${upload.fileName} is not an image we can import: its content is ${describeContent(head)}. Upload a microscopy image (TIFF, OME-TIFF, CZI, ND2, LIF, PNG, JPEG, DICOM, …).`;
    await this.reject(upload, 'unsupported_content', message);
    return { error: tusError(415, message) };
  }

  private async reject(upload: Upload, code: string, message: string): Promise<void> {
    const rejected = await this.deps.records.reject(upload.id, code, message);
    await this.deps.store.discard(upload.id);
    if (!rejected) return;
    await this.deps.analytics.record({
      eventType: 'upload_rejected',
      userId: upload.ownerId,
      uploadId: upload.id,
      groupId: upload.groupId,
      sizeBytes: upload.sizeBytes,
      outcome: 'failure',
      errorCode: code,
    });
  }

  /** The size of a finished upload (tus asks after the incoming file has gone), else null. */
  async completedSize(id: string): Promise<number | null> {
    const upload = await this.deps.records.findById(id);
    return upload && FINISHED.includes(upload.status) ? upload.sizeBytes : null;
  }

  /**
   * complete(), holding the upload's lock: tus calls the completion after it has unlocked, and
   * two completions of one upload (the last PATCH and the sweeper, say) must never overlap.
   */
  async completeLocked(id: string): Promise<Upload> {
    const { locker } = this.deps;
    const lock = locker.newLock(id);
    await lock.lock(AbortSignal.timeout(locker.acquireTimeoutMs), () => undefined);
    // A burst of completions would otherwise keep a lock connection each for the lease time.
    locker.giveUpAtUnlock(id);
    try {
      return await this.complete(id);
    } finally {
      await lock.unlock();
    }
  }

  /**
   * Finalises an upload whose bytes have all arrived (the caller holds its lock): sha256,
   * format, final name, row update and the import hand-over, the last three in one
   * transaction. Safe to call again for an upload completed already.
   */
  async complete(id: string): Promise<Upload> {
    const { db, records, store, settings: settingsService, analytics } = this.deps;
    const upload = await records.findById(id);
    if (!upload) throw tusError(404, `There is no upload ${id}.`);
    if (upload.status !== 'uploading') {
      if (FINISHED.includes(upload.status)) return upload;
      throw tusError(410, `This upload was ${upload.status} before it could complete. Start a new upload.`);
    }
    const tus = await store.getUpload(id);
    const size = tus.size ?? tus.offset;
    const { sha256, format: streamedFormat } = await store.finish(id, size);
    const settings = settingsService.current;
    const extension = extensionOf(upload.fileName, settings.allowedExtensions);
    const head = streamedFormat ? undefined : await store.readHead(id);
    const format = streamedFormat ?? detectFormat(head!, extension);
    if (!format) {
      const message = `${upload.fileName} is not an image we can import: its content is ${describeContent(head!)}.`;
      await this.reject(upload, 'unsupported_content', message);
      throw tusError(415, message);
    }

    const folder = this.deps.ownerDir(upload.ownerId);
    const placement = await placeCompletedFile(
      store.pathOf(id),
      folder,
      storageName(upload.fileName, extension),
      extension,
      settings.namingPolicy,
      settings.collisionPolicy,
      id,
    );
    const completedAt = new Date();
    const completion: Completion = {
      storedName: placement.storedName,
      storagePath: relative(this.deps.dataDir, join(folder, placement.storedName)),
      sizeBytes: size,
      sha256,
      detectedFormat: format,
      completedAt,
    };
    const changes = { ...completion, status: 'completed' as const, offsetBytes: size };
    try {
      await db.transaction(async (manager) => {
        if (!(await records.markCompleted(manager, id, completion))) {
          throw tusError(410, 'This upload was cancelled or expired while it completed.');
        }
        // Before the listeners queue the import: the job the commit makes visible must find
        // its file, so no worker ever waits or polls for it. A crash from here to the commit
        // leaves the upload unfinished with all its bytes, which the maintenance job completes.
        await placement.publish();
        for (const listener of this.listeners) await listener({ ...upload, ...changes }, manager);
        const durationMs = Math.max(1, completedAt.getTime() - upload.createdAt.getTime());
        await analytics.record(
          {
            eventType: 'upload_completed',
            userId: upload.ownerId,
            uploadId: id,
            groupId: upload.groupId,
            sizeBytes: size,
            durationMs,
            bytesPerSecond: (size * 1000) / durationMs,
            outcome: 'success',
          },
          manager,
        );
      });
    } catch (error) {
      // Nothing was recorded: the bytes stay where they were and the completion can run again.
      await placement.rollback();
      throw error;
    }
    await placement.commit();
    Object.assign(upload, changes);
    this.logger.log({ event: 'upload_completed', uploadId: id, sizeBytes: size, format });
    return upload;
  }
}

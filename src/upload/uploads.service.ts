import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { Upload as TusUpload } from '@tus/utils';
import { isUUID } from 'class-validator';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { DataSource, EntityManager, Repository } from 'typeorm';
import { AnalyticsService } from '../analytics/analytics.service.js';
import type { AuthUser } from '../auth/auth-user.js';
import { AppError, ErrorCode } from '../common/errors/app-error.js';
import { NEW_UPLOADER } from '../config/feature-flag.entity.js';
import { FeatureFlagsService } from '../config/feature-flags.service.js';
import { UploaderSettingsService } from '../config/uploader-settings.service.js';
import { databaseUrlOf } from '../database/database-url.js';
import { entityFromRow } from '../database/entity-from-row.js';
import { Environment } from '../environment/environment.js';
import { PgPubSub } from '../pubsub/pg-pubsub.js';
import { PUB_SUB } from '../pubsub/pubsub.module.js';
import { describeContent, detectFormat, extensionOf } from '../common/image-formats.js';
import { displayName, storageName } from './file-name.js';
import { PgLocker } from './pg-locker.js';
import { formatBytes } from './format-bytes.js';
import { UploadFileStore, type TusError, tusError } from './upload-file.store.js';
import { UploadStorage } from './upload-storage.js';
import { placeCompletedFile } from './upload-naming.policy.js';
import { Upload, type ImportTargetType, type UploadStatus } from './upload.entity.js';

/** Called inside the completion's transaction (the Import module queues its job there). */
export type UploadCompletedListener = (upload: Upload, manager: EntityManager) => Promise<void>;

const TARGET_TYPES: ImportTargetType[] = ['DATASET', 'SCREEN'];
const TARGET_ID = /^[A-Za-z0-9_-]{1,64}$/;
const FINISHED: UploadStatus[] = ['completed', 'imported'];

/** A log-worthy description of anything thrown: Errors, tus errors or plain values. */
const describeError = (error: unknown): string =>
  error instanceof Error
    ? error.message
    : typeof error === 'object' && error && 'body' in error
      ? String(error.body)
      : String(error);

/**
 * The life of an upload: created (checked against the flag, the settings and the name),
 * streamed (content checked on the first bytes), completed (hashed, moved into its owner's
 * folder under a collision-free name, handed to the Import module), or rejected, cancelled,
 * expired (bytes deleted). The tus protocol itself is TusServerService's.
 */
@Injectable()
export class UploadsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(UploadsService.name);
  readonly store: UploadFileStore;
  readonly locker: PgLocker;
  private readonly listeners: UploadCompletedListener[] = [];

  constructor(
    @InjectRepository(Upload) private readonly uploads: Repository<Upload>,
    @InjectDataSource() private readonly db: DataSource,
    @Inject(Environment) private readonly env: Environment,
    @Inject(PUB_SUB) pubsub: PgPubSub,
    private readonly flags: FeatureFlagsService,
    private readonly settings: UploaderSettingsService,
    private readonly analytics: AnalyticsService,
    private readonly storage: UploadStorage,
  ) {
    this.store = new UploadFileStore(storage, {
      checkContent: (id, head) => this.checkContent(id, head),
      completedSize: (id) => this.completedSize(id),
      creationFailed: (id) => this.forgetCreation(id),
      lengthDeclared: (id, size) => this.lengthDeclared(id, size),
      // Whatever deleted the bytes, an upload still marked uploading was cancelled (tus DELETE).
      removed: async (id) => void (await this.markEnded(id, 'cancelled', 'upload_cancelled')),
      expiryMs: () => this.expiryMs,
    });
    this.locker = new PgLocker(databaseUrlOf(db), pubsub, {
      maxConnections: env.UPLOAD_LOCK_CONNECTIONS,
      timeoutSeconds: env.DATABASE_TIMEOUT_SECONDS,
    });
  }

  async onModuleInit(): Promise<void> {
    await this.locker.start();
  }

  /** After the HTTP server has stopped taking requests, so none meets a closed lock pool. */
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
    await this.locker.close();
  }

  /** The current expiry period (a setting that changes at runtime). */
  private get expiryMs(): number {
    return this.settings.current.uploadExpiryHours * 3_600_000;
  }

  get incomingDir(): string {
    return this.storage.incomingDir;
  }

  /** Where an upload's bytes are until its completion has placed them in the owner's folder. */
  incomingPathOf(id: string): string {
    return this.store.pathOf(id);
  }

  ownerDir(ownerId: string): string {
    return join(this.env.dataDir, 'uploads', 'files', ownerId);
  }

  /** Registers a completion listener; returns a function that removes it. */
  onCompleted(listener: UploadCompletedListener): () => void {
    this.listeners.push(listener);
    return () => this.listeners.splice(this.listeners.indexOf(listener), 1);
  }

  // --- creation -------------------------------------------------------------------------

  /** Validates a tus creation request and records the upload; throws a tus error otherwise. */
  async create(user: AuthUser, upload: TusUpload): Promise<void> {
    if (!this.flags.isEnabled(NEW_UPLOADER)) {
      throw tusError(
        403,
        'New uploads are switched off by an administrator. Use the in-place importer, or ask an administrator to switch the uploader back on.',
      );
    }
    const metadata = upload.metadata ?? {};
    const rawName = metadata.filename;
    if (!rawName) {
      throw tusError(
        400,
        'Upload-Metadata must include "filename" (base64 of the file\'s name), e.g. "filename Y2VsbHMudGlm".',
      );
    }
    const settings = this.settings.current;
    const fileName = displayName(rawName);
    const extension = extensionOf(fileName, settings.allowedExtensions);
    if (!settings.allowedExtensions.includes(extension)) {
      throw tusError(
        415,
        `${fileName} has ${extension ? `the extension .${extension}` : 'no extension'}, which is not accepted. Accepted: ${settings.allowedExtensions.map((e) => `.${e}`).join(' ')}.`,
      );
    }
    const target = this.parseTarget(metadata);
    const stored = storageName(fileName, extension);
    if (
      settings.collisionPolicy === 'error' &&
      settings.namingPolicy === 'keep' &&
      existsSync(join(this.ownerDir(user.id), stored))
    ) {
      throw tusError(
        409,
        `A file named ${stored} is already in your upload folder. Rename the file and upload it again.`,
      );
    }
    // Last, as it reads the file system: a creation that would eat into the reserve is refused
    // before anything is recorded.
    const noRoom = await this.storage.creationRefusal(upload.size);
    if (noRoom) throw noRoom;

    await this.db.query(
      `INSERT INTO uploads (id, owner_id, file_name, size_bytes, status, file_type, target_type, target_id, group_id)
       VALUES ($1, $2, $3, $4, 'uploading', $5, $6, $7, $8)`,
      [
        upload.id,
        user.id,
        fileName,
        upload.size ?? null,
        metadata.filetype ? metadata.filetype.replace(/[\p{Cc}\p{Cf}]/gu, '').slice(0, 255) : null,
        target.targetType,
        target.targetId,
        target.groupId,
      ],
    );
    await this.analytics.record({
      eventType: 'upload_started',
      userId: user.id,
      uploadId: upload.id,
      groupId: target.groupId,
      sizeBytes: upload.size ?? null,
    });
  }

  /** Undoes a creation whose first bytes met a full disk: its bytes, its record and its row go. */
  async forgetFailedCreation(id: string): Promise<void> {
    await this.store.discard(id);
    await this.forgetCreation(id);
  }

  /** Undoes create() for an upload whose bytes could not be stored: as if it had never been asked for. */
  private async forgetCreation(id: string): Promise<void> {
    await this.db.transaction(async (manager) => {
      await manager.query(`DELETE FROM uploads WHERE id = $1 AND status = 'uploading'`, [id]);
      await manager.query('DELETE FROM analytics_events WHERE upload_id = $1', [id]);
    });
  }

  /** The 413 message for a declared size over the limit, or undefined when it fits. */
  sizeProblem(size: number, fileName = 'This file'): string | undefined {
    const limit = this.settings.current.maxFileSizeBytes;
    if (size <= limit) return undefined;
    return `${fileName} is ${formatBytes(size)}; the limit is ${formatBytes(limit)}. Ask an administrator to raise the limit.`;
  }

  private parseTarget(metadata: Record<string, string | null>) {
    const { targetType, targetId, groupId } = metadata;
    if (groupId && !TARGET_ID.test(groupId)) {
      throw tusError(400, 'groupId must be an OMERO group id: letters, digits, _ or -, at most 64.');
    }
    if (!targetType && !targetId) return { targetType: null, targetId: null, groupId: groupId ?? null };
    if (!TARGET_TYPES.includes(targetType as ImportTargetType)) {
      throw tusError(400, `targetType must be DATASET or SCREEN, not "${String(targetType).slice(0, 40)}".`);
    }
    if (!targetId || !TARGET_ID.test(targetId) || !groupId || !TARGET_ID.test(groupId)) {
      throw tusError(400, 'An import target needs targetId and groupId as well (OMERO ids).');
    }
    return { targetType: targetType as ImportTargetType, targetId, groupId };
  }

  // --- access ---------------------------------------------------------------------------

  /** An upload exists only for its owner: anyone else is told 404, as for a made-up id. */
  async assertAccess(user: AuthUser, id: string): Promise<void> {
    // Plain SQL: this runs on every tus request, and TypeORM's query building and entity
    // hydration cost more than the query itself.
    const rows: Pick<Upload, 'status' | 'errorMessage'>[] = isUUID(id)
      ? await this.db.query(
          'SELECT status, error_message AS "errorMessage" FROM uploads WHERE id = $1 AND owner_id = $2',
          [id, user.id],
        )
      : [];
    const upload = rows[0];
    if (!upload) throw tusError(404, `There is no upload ${id.slice(0, 64)}.`);
    if (upload.status === 'rejected' || upload.status === 'cancelled' || upload.status === 'expired') {
      throw tusError(
        410,
        `This upload was ${upload.status}${upload.errorMessage ? `: ${upload.errorMessage}` : ''}. Start a new upload.`,
      );
    }
  }

  // --- content --------------------------------------------------------------------------

  private async checkContent(id: string, head: Buffer): Promise<{ format: string } | { error: TusError }> {
    const upload = await this.findById(id);
    if (!upload) return { error: tusError(404, `There is no upload ${id}.`) };
    const extension = extensionOf(upload.fileName, this.settings.current.allowedExtensions);
    const format = detectFormat(head, extension);
    if (format) return { format };
    const message = `${upload.fileName} is not an image we can import: its content is ${describeContent(head)}. Upload a microscopy image (TIFF, OME-TIFF, CZI, ND2, LIF, PNG, JPEG, DICOM, …).`;
    await this.reject(upload, 'unsupported_content', message);
    return { error: tusError(415, message) };
  }

  private async reject(upload: Upload, code: string, message: string): Promise<void> {
    const result = await this.uploads.update(
      { id: upload.id, status: 'uploading' },
      { status: 'rejected', errorCode: code, errorMessage: message },
    );
    await this.store.discard(upload.id);
    if (!result.affected) return;
    await this.analytics.record({
      eventType: 'upload_rejected',
      userId: upload.ownerId,
      uploadId: upload.id,
      groupId: upload.groupId,
      sizeBytes: upload.sizeBytes,
      outcome: 'failure',
      errorCode: code,
    });
  }

  // --- completion -----------------------------------------------------------------------

  /**
   * complete(), holding the upload's lock: tus calls the completion after it has unlocked, and
   * two completions of one upload (the last PATCH and the sweeper, say) must never overlap.
   */
  async completeLocked(id: string): Promise<Upload> {
    const lock = this.locker.newLock(id);
    await lock.lock(AbortSignal.timeout(this.locker.acquireTimeoutMs), () => undefined);
    // A burst of completions would otherwise keep a lock connection each for the lease time.
    this.locker.giveUpAtUnlock(id);
    try {
      return await this.complete(id);
    } finally {
      await lock.unlock();
    }
  }

  /**
   * Finalises an upload whose bytes have all arrived (the caller holds its lock): sha256, format, final name, row update
   * and the import hand-over, the last two in one transaction. Safe to call again for an
   * upload completed already.
   */
  async complete(id: string): Promise<Upload> {
    const upload = await this.findById(id);
    if (!upload) throw tusError(404, `There is no upload ${id}.`);
    if (upload.status !== 'uploading') {
      if (FINISHED.includes(upload.status)) return upload;
      throw tusError(410, `This upload was ${upload.status} before it could complete. Start a new upload.`);
    }
    const tus = await this.store.getUpload(id);
    const size = tus.size ?? tus.offset;
    const { sha256, format: streamedFormat } = await this.store.finish(id, size);
    const settings = this.settings.current;
    const extension = extensionOf(upload.fileName, settings.allowedExtensions);
    const head = streamedFormat ? undefined : await this.store.readHead(id);
    const format = streamedFormat ?? detectFormat(head!, extension);
    if (!format) {
      const message = `${upload.fileName} is not an image we can import: its content is ${describeContent(head!)}.`;
      await this.reject(upload, 'unsupported_content', message);
      throw tusError(415, message);
    }

    const folder = this.ownerDir(upload.ownerId);
    const placement = await placeCompletedFile(
      this.store.pathOf(id),
      folder,
      storageName(upload.fileName, extension),
      extension,
      settings.namingPolicy,
      settings.collisionPolicy,
    );
    const completedAt = new Date();
    const changes = {
      status: 'completed' as const,
      storedName: placement.storedName,
      storagePath: relative(this.env.dataDir, join(folder, placement.storedName)),
      sizeBytes: size,
      offsetBytes: size,
      sha256,
      detectedFormat: format,
      completedAt,
    };
    try {
      await this.db.transaction(async (manager) => {
        const [, affected] = (await manager.query(
          `UPDATE uploads SET status = 'completed', stored_name = $2, storage_path = $3, size_bytes = $4,
             offset_bytes = $4, sha256 = $5, detected_format = $6, completed_at = $7, updated_at = now()
           WHERE id = $1 AND status = 'uploading'`,
          [id, changes.storedName, changes.storagePath, size, sha256, format, completedAt],
        )) as [unknown, number];
        if (!affected) throw tusError(410, 'This upload was cancelled or expired while it completed.');
        // Under the overwrite policy an older upload may have had this file: it no longer does.
        await manager.query(
          `UPDATE uploads SET stored_name = NULL, storage_path = NULL, updated_at = now()
           WHERE storage_path = $1 AND id <> $2`,
          [changes.storagePath, id],
        );
        for (const listener of this.listeners) await listener({ ...upload, ...changes }, manager);
        const durationMs = Math.max(1, completedAt.getTime() - upload.createdAt.getTime());
        await this.analytics.record(
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

  private async completedSize(id: string): Promise<number | null> {
    const upload = await this.findById(id);
    return upload && FINISHED.includes(upload.status) ? upload.sizeBytes : null;
  }

  // --- cancellation and expiry ----------------------------------------------------------

  /** cancelUpload: stops an upload in progress (asking its request to let go) and deletes it. */
  async cancel(user: AuthUser, id: string): Promise<Upload> {
    const upload = await this.findOwn(user, id);
    if (!upload) throw new AppError(ErrorCode.NOT_FOUND, `There is no upload ${id.slice(0, 64)}.`);
    if (upload.status !== 'uploading') {
      throw new AppError(
        ErrorCode.CONFLICT,
        `This upload is ${upload.status}; only an unfinished upload can be cancelled.`,
      );
    }
    const lock = this.locker.newLock(id);
    try {
      await lock.lock(AbortSignal.timeout(this.locker.acquireTimeoutMs), () => undefined);
    } catch {
      throw new AppError(ErrorCode.CONFLICT, 'This upload is busy and could not be cancelled; try again in a moment.');
    }
    try {
      // It may have completed while we waited for the lock.
      const current = await this.uploads.findOneByOrFail({ id });
      if (current.status !== 'uploading') {
        throw new AppError(
          ErrorCode.CONFLICT,
          `This upload is ${current.status}; only an unfinished upload can be cancelled.`,
        );
      }
      await this.store.discard(id);
      await this.markEnded(id, 'cancelled', 'upload_cancelled');
    } finally {
      await lock.unlock();
    }
    return this.uploads.findOneByOrFail({ id });
  }

  /** Whether this call ended the upload (false: it was no longer uploading). */
  private async markEnded(
    id: string,
    status: 'cancelled' | 'expired',
    eventType: 'upload_cancelled' | 'upload_expired',
  ): Promise<boolean> {
    // A compare-and-update: only an upload still uploading ends here, whoever else races us.
    const [rows] = (await this.db.query(
      `UPDATE uploads SET status = $2, offset_bytes = 0, updated_at = now()
       WHERE id = $1 AND status = 'uploading'
       RETURNING owner_id, group_id, size_bytes`,
      [id, status],
    )) as [{ owner_id: string; group_id: string | null; size_bytes: string | null }[], number];
    const row = rows[0];
    if (!row) return false;
    await this.analytics.record({
      eventType,
      userId: row.owner_id,
      uploadId: id,
      groupId: row.group_id,
      sizeBytes: row.size_bytes === null ? null : Number(row.size_bytes),
      outcome: status,
    });
    return true;
  }

  /** When an unfinished upload expires: its creation plus the current expiry setting (tus's rule). */
  expiresAt(upload: Pick<Upload, 'createdAt'>): Date {
    return new Date(upload.createdAt.getTime() + this.expiryMs);
  }

  /** Unfinished uploads, oldest first, a page at a time (keyset pagination on created_at, id). */
  private async *unfinished(where: string, parameters: unknown[] = []): AsyncGenerator<Upload> {
    let after: [Date, string] = [new Date(0), '00000000-0000-0000-0000-000000000000'];
    for (;;) {
      const page = await this.uploads
        .createQueryBuilder('upload')
        .where(`upload.status = 'uploading' AND (upload.created_at, upload.id) > (:at, :id) AND ${where}`, {
          at: after[0],
          id: after[1],
          ...Object.fromEntries(parameters.map((value, i) => [`p${i}`, value])),
        })
        .orderBy('upload.created_at')
        .addOrderBy('upload.id')
        .limit(500)
        .getMany();
      yield* page;
      if (page.length < 500) return;
      const last = page[page.length - 1];
      after = [last.createdAt, last.id];
    }
  }

  /**
   * Deletes unfinished uploads past their expiry. Each is skipped while a request holds its
   * lock or once all its bytes are in (a completion in flight), and is marked expired with a
   * compare-and-update, so a completion racing this job always wins.
   */
  async expireDue(): Promise<number> {
    let expired = 0;
    const due = this.unfinished('upload.created_at < now() - make_interval(hours => :p0)', [
      this.settings.current.uploadExpiryHours,
    ]);
    for await (const upload of due) {
      const lock = await this.locker.tryLock(upload.id);
      if (!lock) continue;
      try {
        const size = upload.sizeBytes ?? (await this.store.declaredSize(upload.id));
        if (size !== undefined && (await this.receivedBytes(upload)) === size) continue;
        if (await this.markEnded(upload.id, 'expired', 'upload_expired')) {
          await this.store.discard(upload.id);
          expired++;
        }
      } finally {
        await lock.unlock();
      }
    }
    return expired;
  }

  /** Uploads whose completion failed, and when to try again (doubling, up to 6 hours). */
  private readonly retryAt = new Map<string, { at: number; delayMs: number }>();

  /**
   * Completes uploads whose bytes all arrived but whose completion never ran or failed (the
   * process stopped in between, or the database was away); without this their clients would
   * see them done and nothing else would. Failures are retried with a growing delay, since
   * each attempt may re-read the whole file.
   */
  async completeStranded(): Promise<number> {
    let completed = 0;
    for await (const upload of this.unfinished('TRUE')) {
      const retry = this.retryAt.get(upload.id);
      if (retry && retry.at > Date.now()) continue;
      const size = upload.sizeBytes ?? (await this.store.declaredSize(upload.id));
      if (size === undefined || (await this.receivedBytes(upload)) !== size) continue;
      const lock = await this.locker.tryLock(upload.id);
      if (!lock) continue;
      try {
        await this.complete(upload.id);
        this.retryAt.delete(upload.id);
        completed++;
      } catch (error) {
        const delayMs = Math.min((retry?.delayMs ?? 30_000) * 2, 6 * 3_600_000);
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

  /** See UploadFileStore.pruneFinishedRecords: kept as long as an unfinished upload would be. */
  pruneFinishedRecords(): Promise<number> {
    return this.store.pruneFinishedRecords(this.expiryMs);
  }

  /** A length declared later (creation-defer-length) is recorded, for the jobs and GraphQL. */
  private async lengthDeclared(id: string, size: number): Promise<void> {
    await this.uploads.update({ id, status: 'uploading' }, { sizeBytes: size });
  }

  // --- queries --------------------------------------------------------------------------

  /** Newest first; the id breaks ties, so pages neither repeat nor skip uploads made in one instant. */
  list(user: AuthUser, status: UploadStatus | undefined, limit: number, offset: number): Promise<Upload[]> {
    return this.uploads.find({
      where: { ownerId: user.id, ...(status ? { status } : {}) },
      order: { createdAt: 'DESC', id: 'DESC' },
      take: limit,
      skip: offset,
    });
  }

  count(user: AuthUser, status?: UploadStatus): Promise<number> {
    return this.uploads.countBy({ ownerId: user.id, ...(status ? { status } : {}) });
  }

  async findOwn(user: AuthUser, id: string): Promise<Upload | null> {
    const upload = await this.findById(id);
    return upload?.ownerId === user.id ? upload : null;
  }

  /** Plain SQL (see entityFromRow): the tus requests of every upload read its row. */
  private async findById(id: string): Promise<Upload | null> {
    if (!isUUID(id)) return null;
    const [row] = (await this.db.query('SELECT * FROM uploads WHERE id = $1', [id])) as Record<string, unknown>[];
    return row ? entityFromRow(this.uploads, row) : null;
  }

  /** Bytes received so far: read from the incoming file while uploading, never written per chunk. */
  async receivedBytes(upload: Upload): Promise<number> {
    if (upload.status !== 'uploading') return upload.offsetBytes;
    try {
      return (await stat(this.store.pathOf(upload.id))).size;
    } catch {
      return 0;
    }
  }
}

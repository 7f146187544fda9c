import { notFound, notFoundMessage } from '../common/errors/not-found.js';
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { Upload as TusUpload } from '@tus/utils';
import { join } from 'node:path';
import type { DataSource, EntityManager, Repository } from 'typeorm';
import { AnalyticsService } from '../analytics/analytics.service.js';
import type { AuthUser } from '../auth/auth-user.js';
import { FeatureFlagsService } from '../config/feature-flags.service.js';
import { UploaderSettingsService } from '../config/uploader-settings.service.js';
import { databaseUrlOf } from '../database/database-url.js';
import { Environment } from '../environment/environment.js';
import { PgPubSub } from '../pubsub/pg-pubsub.js';
import { PUB_SUB } from '../pubsub/pubsub.module.js';
import { PgLocker } from './pg-locker.js';
import { UnfinishedUploads } from './unfinished-uploads.js';
import { UploadCompletion, type UploadCompletedListener } from './upload-completion.js';
import { UploadCreationChecks } from './upload-creation.checks.js';
import { tusError } from './tus-error.js';
import { UploadFileStore } from './upload-file.store.js';
import { UploadStorage } from './upload-storage.js';
import { UploadRecords } from './upload.records.js';
import { Upload, type UploadStatus } from './upload.entity.js';

export type { UploadCompletedListener } from './upload-completion.js';

/**
 * The life of an upload, and the one way into the `uploads` table for every other module:
 * created (UploadCreationChecks), streamed and completed (UploadCompletion: content checked,
 * hashed, moved into its owner's folder, handed to the Import module), or cancelled, expired
 * or completed late (UnfinishedUploads); the rows are UploadRecords'. The tus protocol itself
 * is TusServerService's.
 */
@Injectable()
export class UploadsService implements OnModuleInit, OnApplicationShutdown {
  readonly store: UploadFileStore;
  readonly locker: PgLocker;
  private readonly records: UploadRecords;
  private readonly checks: UploadCreationChecks;
  private readonly completion: UploadCompletion;
  private readonly unfinished: UnfinishedUploads;

  constructor(
    @InjectRepository(Upload) uploads: Repository<Upload>,
    @InjectDataSource() private readonly db: DataSource,
    @Inject(Environment) private readonly env: Environment,
    @Inject(PUB_SUB) pubsub: PgPubSub,
    flags: FeatureFlagsService,
    private readonly settings: UploaderSettingsService,
    private readonly analytics: AnalyticsService,
    private readonly storage: UploadStorage,
  ) {
    this.records = new UploadRecords(uploads, db);
    this.store = new UploadFileStore(storage, {
      checkContent: (id, head) => this.completion.checkContent(id, head),
      completedSize: (id) => this.completion.completedSize(id),
      creationFailed: (id) => this.forgetCreation(id),
      lengthDeclared: (id, size) => this.records.declareLength(id, size),
      // Whatever deleted the bytes, an upload still marked uploading was cancelled (tus DELETE).
      removed: async (id) => void (await this.unfinished.end(id, 'cancelled')),
      expiryMs: () => this.expiryMs,
    });
    this.locker = new PgLocker(databaseUrlOf(db), pubsub, {
      maxConnections: env.UPLOAD_LOCK_CONNECTIONS,
      timeoutSeconds: env.DATABASE_TIMEOUT_SECONDS,
    });
    const ownerDir = (ownerId: string) => this.ownerDir(ownerId);
    this.checks = new UploadCreationChecks({ flags, settings, storage, ownerDir });
    this.completion = new UploadCompletion({
      db,
      records: this.records,
      store: this.store,
      locker: this.locker,
      settings,
      analytics,
      dataDir: env.dataDir,
      ownerDir,
    });
    this.unfinished = new UnfinishedUploads({
      records: this.records,
      store: this.store,
      locker: this.locker,
      analytics,
      completion: this.completion,
      expiryHours: () => this.settings.current.uploadExpiryHours,
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

  private ownerDir(ownerId: string): string {
    return join(this.env.dataDir, 'uploads', 'files', ownerId);
  }

  /** Registers a completion listener; returns a function that removes it. */
  onCompleted(listener: UploadCompletedListener): () => void {
    return this.completion.onCompleted(listener);
  }

  // --- creation -------------------------------------------------------------------------

  /** Validates a tus creation request and records the upload; throws a tus error otherwise. */
  async create(user: AuthUser, upload: TusUpload): Promise<void> {
    const recorded = await this.checks.check(user, upload);
    await this.records.insert(recorded);
    await this.analytics.record({
      eventType: 'upload_started',
      userId: user.id,
      uploadId: upload.id,
      groupId: recorded.groupId,
      sizeBytes: recorded.sizeBytes,
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
      await this.records.forget(id, manager);
      await this.analytics.forgetUpload(id, manager);
    });
  }

  /** The 413 message for a declared size over the limit, or undefined when it fits. */
  sizeProblem(size: number, fileName?: string): string | undefined {
    return this.checks.sizeProblem(size, fileName);
  }

  // --- access ---------------------------------------------------------------------------

  /** An upload exists only for its owner: anyone else is told 404, as for a made-up id. */
  async assertAccess(user: AuthUser, id: string): Promise<void> {
    const upload = await this.records.accessOf(user, id);
    if (!upload) throw tusError(404, notFoundMessage('upload', id));
    if (upload.status === 'rejected' || upload.status === 'cancelled' || upload.status === 'expired') {
      throw tusError(
        410,
        `This upload was ${upload.status}${upload.errorMessage ? `: ${upload.errorMessage}` : ''}. Start a new upload.`,
      );
    }
  }

  // --- completion -----------------------------------------------------------------------

  /** See UploadCompletion.completeLocked. */
  completeLocked(id: string): Promise<Upload> {
    return this.completion.completeLocked(id);
  }

  /**
   * The Import module's word that a completed upload's import succeeded: recorded in the
   * caller's transaction, with the job's outcome.
   */
  markImported(id: string, manager: EntityManager): Promise<void> {
    return this.records.markImported(id, manager);
  }

  // --- cancellation and maintenance -----------------------------------------------------

  /** cancelUpload: stops an upload in progress (asking its request to let go) and deletes it. */
  async cancel(user: AuthUser, id: string): Promise<Upload> {
    const upload = await this.findOwn(user, id);
    if (!upload) throw notFound('upload', id);
    return this.unfinished.cancel(upload);
  }

  /** cancelUploads, for administrators: as cancel, for anyone's upload. */
  async cancelAny(id: string): Promise<Upload> {
    const upload = await this.records.findById(id);
    if (!upload) throw notFound('upload', id);
    return this.unfinished.cancel(upload);
  }

  /** When an unfinished upload expires: its creation plus the current expiry setting (tus's rule). */
  expiresAt(upload: Pick<Upload, 'createdAt'>): Date {
    return new Date(upload.createdAt.getTime() + this.expiryMs);
  }

  /** See UnfinishedUploads.expireDue. */
  expireDue(): Promise<number> {
    return this.unfinished.expireDue();
  }

  /** See UnfinishedUploads.completeStranded. */
  completeStranded(): Promise<number> {
    return this.unfinished.completeStranded();
  }

  /** See UploadFileStore.pruneFinishedRecords: kept as long as an unfinished upload would be. */
  pruneFinishedRecords(): Promise<number> {
    return this.store.pruneFinishedRecords(this.expiryMs);
  }

  // --- queries --------------------------------------------------------------------------

  list(user: AuthUser, status: UploadStatus | undefined, limit: number, offset: number): Promise<Upload[]> {
    return this.records.list(user, status, limit, offset);
  }

  count(user: AuthUser, status?: UploadStatus): Promise<number> {
    return this.records.count(user, status);
  }

  async findOwn(user: AuthUser, id: string): Promise<Upload | null> {
    const upload = await this.records.findById(id);
    return upload?.ownerId === user.id ? upload : null;
  }

  /** Bytes received so far: read from the incoming file while uploading, never written per chunk. */
  receivedBytes(upload: Upload): Promise<number> {
    return this.unfinished.receivedBytes(upload);
  }
}

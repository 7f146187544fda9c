import { isUUID } from 'class-validator';
import type { DataSource, EntityManager, Repository } from 'typeorm';
import type { AuthUser } from '../auth/auth-user.js';
import { entityFromRow } from '../database/entity-from-row.js';
import type { ImportTargetType, Upload, UploadStatus } from './upload.entity.js';

/** What creation records of a new upload. */
export interface NewUpload {
  id: string;
  ownerId: string;
  fileName: string;
  sizeBytes: number | null;
  fileType: string | null;
  targetType: ImportTargetType | null;
  targetId: string | null;
  groupId: string | null;
}

/** What completion records. */
export interface Completion {
  storedName: string;
  storagePath: string;
  sizeBytes: number;
  sha256: string;
  detectedFormat: string;
  completedAt: Date;
}

/** The row of an upload that ended unfinished, for its analytics event. */
export interface EndedUpload {
  owner_id: string;
  group_id: string | null;
  size_bytes: string | null;
}

/** Unfinished uploads are read this many at a time. */
const PAGE_SIZE = 500;

/**
 * Every read and write of the `uploads` table: the Upload module owns it, and other modules
 * change an upload only through UploadsService (markImported, for the Import module). Writes
 * that change a status are compare-and-updates on the status they expect, so that a racing
 * writer (a cancellation, the expiry job, a second completion) never overwrites a newer state.
 * Plain SQL where it runs on every tus request: TypeORM's query building and hydration cost
 * more than the query itself.
 */
export class UploadRecords {
  constructor(
    private readonly uploads: Repository<Upload>,
    private readonly db: DataSource,
  ) {}

  async insert(upload: NewUpload): Promise<void> {
    await this.db.query(
      `INSERT INTO uploads (id, owner_id, file_name, size_bytes, status, file_type, target_type, target_id, group_id)
       VALUES ($1, $2, $3, $4, 'uploading', $5, $6, $7, $8)`,
      [
        upload.id,
        upload.ownerId,
        upload.fileName,
        upload.sizeBytes,
        upload.fileType,
        upload.targetType,
        upload.targetId,
        upload.groupId,
      ],
    );
  }

  /** Removes an upload that never got its bytes, as if it had never been asked for. */
  async forget(id: string, manager: EntityManager): Promise<void> {
    await manager.query(`DELETE FROM uploads WHERE id = $1 AND status = 'uploading'`, [id]);
  }

  /** Whether this call rejected the upload (false: it was no longer uploading). */
  async reject(id: string, code: string, message: string): Promise<boolean> {
    const result = await this.uploads.update(
      { id, status: 'uploading' },
      { status: 'rejected', errorCode: code, errorMessage: message },
    );
    return Boolean(result.affected);
  }

  /** Ends an unfinished upload; its row for the analytics event, or undefined if it was not uploading. */
  async end(id: string, status: 'cancelled' | 'expired'): Promise<EndedUpload | undefined> {
    const [rows] = (await this.db.query(
      `UPDATE uploads SET status = $2, offset_bytes = 0, updated_at = now()
       WHERE id = $1 AND status = 'uploading'
       RETURNING owner_id, group_id, size_bytes`,
      [id, status],
    )) as [EndedUpload[], number];
    return rows[0];
  }

  /** A length declared later (creation-defer-length) is recorded, for the jobs and GraphQL. */
  async declareLength(id: string, size: number): Promise<void> {
    await this.uploads.update({ id, status: 'uploading' }, { sizeBytes: size });
  }

  /**
   * Marks an uploading upload completed, in the completion's transaction; false if it was no
   * longer uploading. Under the overwrite policy an older upload may have had this file: it no
   * longer does.
   */
  async markCompleted(manager: EntityManager, id: string, completion: Completion): Promise<boolean> {
    const { storedName, storagePath, sizeBytes, sha256, detectedFormat, completedAt } = completion;
    const [, affected] = (await manager.query(
      `UPDATE uploads SET status = 'completed', stored_name = $2, storage_path = $3, size_bytes = $4,
         offset_bytes = $4, sha256 = $5, detected_format = $6, completed_at = $7, updated_at = now()
       WHERE id = $1 AND status = 'uploading'`,
      [id, storedName, storagePath, sizeBytes, sha256, detectedFormat, completedAt],
    )) as [unknown, number];
    if (!affected) return false;
    await manager.query(
      `UPDATE uploads SET stored_name = NULL, storage_path = NULL, updated_at = now()
       WHERE storage_path = $1 AND id <> $2`,
      [storagePath, id],
    );
    return true;
  }

  /** A completed upload's import succeeded; in the caller's transaction (the job's outcome). */
  async markImported(id: string, manager: EntityManager): Promise<void> {
    await manager.query(
      `UPDATE uploads SET status = 'imported', updated_at = now() WHERE id = $1 AND status = 'completed'`,
      [id],
    );
  }

  /** The status of the caller's upload, for the access check of every tus request. */
  async accessOf(user: AuthUser, id: string): Promise<Pick<Upload, 'status' | 'errorMessage'> | undefined> {
    if (!isUUID(id)) return undefined;
    const rows: Pick<Upload, 'status' | 'errorMessage'>[] = await this.db.query(
      'SELECT status, error_message AS "errorMessage" FROM uploads WHERE id = $1 AND owner_id = $2',
      [id, user.id],
    );
    return rows[0];
  }

  async findById(id: string): Promise<Upload | null> {
    if (!isUUID(id)) return null;
    const [row] = (await this.db.query('SELECT * FROM uploads WHERE id = $1', [id])) as Record<string, unknown>[];
    return row ? entityFromRow(this.uploads, row) : null;
  }

  findByIdOrFail(id: string): Promise<Upload> {
    return this.uploads.findOneByOrFail({ id });
  }

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

  /** Unfinished uploads, oldest first, a page at a time (keyset pagination on created_at, id). */
  async *unfinished(where: string, parameters: unknown[] = []): AsyncGenerator<Upload> {
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
        .limit(PAGE_SIZE)
        .getMany();
      yield* page;
      if (page.length < PAGE_SIZE) return;
      const last = page[page.length - 1];
      after = [last.createdAt, last.id];
    }
  }
}

import pg from 'pg';

/** An import job as the admin list tests seed it: the fields they sort and filter by. */
export interface SeededJob {
  id: string;
  ownerId: string;
  status: string;
  createdAt: string;
  updatedAt: string;
  sizeBytes: number;
  fileName: string;
  targetType: string;
  targetId: string;
  groupId: string;
  errorCode: string | null;
}
export type SeededUpload = Omit<SeededJob, 'errorCode'>;

const JOB_STATUSES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'SUCCEEDED'];
const UPLOAD_STATUSES = ['completed', 'imported', 'expired', 'cancelled', 'rejected'];

/** The fields every seeded row has, for row `i` of `count`: distinct sizes, names and times. */
function fieldsOf(i: number, owners: string[]) {
  return {
    ownerId: owners[i % owners.length],
    createdAt: new Date(Date.UTC(2026, 0, 1 + i)).toISOString(),
    // Updated in the reverse order of creation, so the two sorts differ.
    updatedAt: new Date(Date.UTC(2026, 2, 1) - i * 3_600_000).toISOString(),
    sizeBytes: ((i * 2) % 13) * 1000 + i,
    fileName: `file-${String.fromCharCode(97 + ((i * 5) % 12))}.tif`,
    targetType: i % 3 === 0 ? 'SCREEN' : 'DATASET',
    targetId: `t${i % 4}`,
    groupId: `g${i % 2}`,
  };
}

/**
 * Rows written straight into the tables, to give the lists something known to sort and filter:
 * these jobs never ran and these uploads have no bytes, which the lists do not need.
 */
export async function seedJobs(db: pg.Client, owners: string[], count = 12): Promise<SeededJob[]> {
  const jobs: SeededJob[] = [];
  for (let i = 0; i < count; i++) {
    const status = JOB_STATUSES[i % JOB_STATUSES.length];
    const job = {
      ...fieldsOf(i, owners),
      status,
      errorCode: status === 'FAILED' ? (i % 2 ? 'TIMEOUT' : 'UNREADABLE_FILE') : null,
    };
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO import_jobs (owner_id, source_kind, source_path, file_name, size_bytes, target_type, target_id,
         group_id, status, attempts, error_code, error_message, created_at, updated_at)
       VALUES ($1, 'server', $2, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
      [
        job.ownerId,
        job.fileName,
        job.sizeBytes,
        job.targetType,
        job.targetId,
        job.groupId,
        status,
        status === 'FAILED' ? 3 : 1,
        job.errorCode,
        job.errorCode && 'It failed.',
        job.createdAt,
        job.updatedAt,
      ],
    );
    jobs.push({ id: rows[0].id, ...job });
  }
  return jobs;
}

export async function seedUploads(db: pg.Client, owners: string[], count = 10): Promise<SeededUpload[]> {
  const uploads: SeededUpload[] = [];
  for (let i = 0; i < count; i++) {
    const upload = { ...fieldsOf(i, owners), status: UPLOAD_STATUSES[i % UPLOAD_STATUSES.length] };
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO uploads (id, owner_id, file_name, size_bytes, offset_bytes, status, target_type, target_id, group_id,
         created_at, updated_at)
       VALUES (gen_random_uuid(), $1, $2, $3, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
      [
        upload.ownerId,
        upload.fileName,
        upload.sizeBytes,
        upload.status,
        upload.targetType,
        upload.targetId,
        upload.groupId,
        upload.createdAt,
        upload.updatedAt,
      ],
    );
    uploads.push({ id: rows[0].id, ...upload });
  }
  return uploads;
}

type Sortable = Pick<SeededJob, 'id' | 'createdAt' | 'updatedAt' | 'status' | 'sizeBytes' | 'fileName'>;
const KEYS: Record<string, keyof Sortable> = {
  CREATED_AT: 'createdAt',
  UPDATED_AT: 'updatedAt',
  STATUS: 'status',
  SIZE: 'sizeBytes',
  FILE_NAME: 'fileName',
};

/** The ids in the order the lists promise: the field, then the id, both in `direction`. */
export function expectedOrder(rows: Sortable[], field: string, direction: 'ASC' | 'DESC'): string[] {
  const key = KEYS[field];
  const sign = direction === 'ASC' ? 1 : -1;
  const compare = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
  return [...rows].sort((a, b) => sign * (compare(a[key], b[key]) || compare(a.id, b.id))).map((row) => row.id);
}

import { randomUUID } from 'node:crypto';
import pg from 'pg';

/**
 * A known week and a half of usage (March 2025, UTC), written through the real tables: upload
 * events as the upload module records them, import jobs through `import_jobs`, whose trigger
 * records their events; then each event is pinned to its fixed time. The expected numbers in
 * test/analytics-views.e2e-spec.ts are worked out by hand from this list.
 */
export type SeedUser = 'A' | 'B' | 'C';

interface UploadSeed {
  user: SeedUser;
  group: string | null;
  size: number;
  startedAt: string;
  /** How it ended, when, and (completed) its throughput in bytes per second. */
  end: { type: 'completed' | 'rejected' | 'cancelled' | 'expired'; at: string; bytesPerSecond?: number };
}

interface JobSeed {
  user: SeedUser;
  group: string;
  size: number;
  queuedAt: string;
  startedAt?: string;
  end: { status: 'SUCCEEDED' | 'FAILED' | 'CANCELLED'; at: string; images?: number; errorCode?: string };
}

type UploadEnd = UploadSeed['end']['type'];
type JobEnd = JobSeed['end']['status'];

/** In March 2025, UTC: day and time. */
const march = (time: string) => `2025-03-${time.replace(' ', 'T')}Z`;

/** user, group, size, started at, how and when it ended, throughput of a completed one */
const UPLOAD_ROWS: [SeedUser, string | null, number, string, UploadEnd, string, number?][] = [
  ['A', 'g1', 1000, '03 08:00:00', 'completed', '03 08:00:10', 100],
  ['A', 'g1', 2000, '03 09:00:00', 'completed', '03 09:00:10', 200],
  ['B', 'g2', 4000, '03 10:00:00', 'completed', '03 10:00:10', 400],
  // Started late on the 3rd, completed early on the 4th (UTC).
  ['B', 'g1', 4000, '03 23:30:00', 'completed', '04 00:30:00', 400],
  ['C', 'g1', 500, '03 11:00:00', 'rejected', '03 11:00:01'],
  ['C', null, 800, '04 12:00:00', 'cancelled', '04 12:30:00'],
  ['A', 'g2', 8000, '04 13:00:00', 'completed', '04 13:00:10', 800],
  ['B', 'g2', 300, '05 01:00:00', 'expired', '08 01:00:00'],
  ['C', 'g1', 1000, '10 09:00:00', 'completed', '10 09:00:01', 1000],
];

/** user, group, size, queued at, started at, how and when it ended, images or error code */
const JOB_ROWS: [SeedUser, string, number, string, string | null, JobEnd, string, (number | string)?][] = [
  ['A', 'g1', 1000, '03 08:01:00', '03 08:02:00', 'SUCCEEDED', '03 08:02:10', 2],
  ['A', 'g1', 2000, '03 09:01:00', '03 09:02:00', 'SUCCEEDED', '03 09:02:30', 1],
  ['B', 'g2', 4000, '03 10:01:00', '03 10:02:00', 'FAILED', '03 10:03:00', 'UNREADABLE_FILE'],
  ['B', 'g1', 4000, '04 00:31:00', '04 00:32:00', 'SUCCEEDED', '04 00:33:00', 3],
  ['A', 'g2', 8000, '04 13:01:00', '04 13:02:00', 'FAILED', '04 13:03:00', 'UNREADABLE_FILE'],
  ['A', 'g2', 600, '04 14:00:00', null, 'CANCELLED', '04 14:05:00'],
  ['C', 'g1', 1000, '10 09:01:00', '10 09:02:00', 'FAILED', '10 09:32:00', 'TIMEOUT'],
];

const SEED_UPLOADS: UploadSeed[] = UPLOAD_ROWS.map(([user, group, size, startedAt, type, at, bytesPerSecond]) => ({
  user,
  group,
  size,
  startedAt: march(startedAt),
  end: { type, at: march(at), bytesPerSecond },
}));

const SEED_JOBS: JobSeed[] = JOB_ROWS.map(([user, group, size, queuedAt, startedAt, status, at, detail]) => ({
  user,
  group,
  size,
  queuedAt: march(queuedAt),
  startedAt: startedAt ? march(startedAt) : undefined,
  end: {
    status,
    at: march(at),
    images: typeof detail === 'number' ? detail : undefined,
    errorCode: typeof detail === 'string' ? detail : undefined,
  },
}));

const INSERT_EVENT = `INSERT INTO analytics_events
  (occurred_at, event_type, user_id, group_id, upload_id, size_bytes, duration_ms, bytes_per_second, outcome, error_code)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`;

const OUTCOMES = { completed: 'success', rejected: 'failure', cancelled: 'cancelled', expired: 'expired' };

/** Writes the seed into the database at `databaseUrl`; `users` maps A, B and C to real user ids. */
export async function seedAnalytics(databaseUrl: string, users: Record<SeedUser, string>): Promise<void> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query('BEGIN');
    for (const upload of SEED_UPLOADS) {
      const id = randomUUID();
      const who = [users[upload.user], upload.group, id];
      await db.query(INSERT_EVENT, [upload.startedAt, 'upload_started', ...who, upload.size, null, null, null, null]);
      const end = upload.end;
      const completed = end.type === 'completed';
      await db.query(INSERT_EVENT, [
        end.at,
        `upload_${end.type}`,
        ...who,
        completed ? upload.size : null,
        completed ? new Date(end.at).getTime() - new Date(upload.startedAt).getTime() : null,
        end.bytesPerSecond ?? null,
        OUTCOMES[end.type],
        end.type === 'rejected' ? 'unsupported_content' : null,
      ]);
    }
    for (const job of SEED_JOBS) await seedJob(db, job, users[job.user]);
    await db.query('COMMIT');
  } finally {
    await db.end();
  }
}

/** One job through its statuses; the trigger records the events, which then get their fixed times. */
async function seedJob(db: pg.Client, job: JobSeed, ownerId: string): Promise<void> {
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO import_jobs (owner_id, source_kind, source_path, file_name, size_bytes, target_type, target_id, group_id, status, queued_at)
     VALUES ($1, 'server', 'seed/cells.tif', 'cells.tif', $2, 'DATASET', '1', $3, 'QUEUED', $4) RETURNING id`,
    [ownerId, job.size, job.group, job.queuedAt],
  );
  const id = inserted.rows[0].id;
  const pin = (type: string, at: string) =>
    db.query('UPDATE analytics_events SET occurred_at = $3 WHERE import_job_id = $1 AND event_type = $2', [
      id,
      type,
      at,
    ]);
  await pin('import_queued', job.queuedAt);
  if (job.startedAt) {
    await db.query(`UPDATE import_jobs SET status = 'RUNNING', attempts = 1, started_at = $2 WHERE id = $1`, [
      id,
      job.startedAt,
    ]);
    await pin('import_started', job.startedAt);
  }
  const { status, at, images = 0, errorCode = status === 'CANCELLED' ? 'CANCELLED' : null } = job.end;
  await db.query(
    `UPDATE import_jobs SET status = $2, finished_at = $3, error_code = $4,
       omero_image_ids = ARRAY(SELECT g::text FROM generate_series(1, $5::int) g) WHERE id = $1`,
    [id, status, at, errorCode, images],
  );
  if (status !== 'CANCELLED') await pin(status === 'SUCCEEDED' ? 'import_succeeded' : 'import_failed', at);
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppError, ErrorCode } from '../../common/errors/app-error.js';
import type {
  AnalyticsDashboardModel,
  AnalyticsDayModel,
  AnalyticsFailureCodeModel,
  AnalyticsGroupDayModel,
  AnalyticsTotalsModel,
  AnalyticsWeekModel,
} from './analytics-dashboard.model.js';

const DAY_MS = 86_400_000;
/** A year and a day: enough for a yearly chart, small enough to answer quickly. */
export const MAX_PERIOD_DAYS = 366;

/** Every count of AnalyticsFigures and the view column it sums. */
const UPLOAD_COUNTS = {
  uploadsStarted: 'uploads_started',
  uploadsCompleted: 'uploads_completed',
  uploadsRejected: 'uploads_rejected',
  uploadsCancelled: 'uploads_cancelled',
  uploadsExpired: 'uploads_expired',
};
const IMPORT_COUNTS = {
  importsQueued: 'imports_queued',
  importsSucceeded: 'imports_succeeded',
  importsFailed: 'imports_failed',
  importsCancelled: 'imports_cancelled',
  imagesCreated: 'images_created',
};
const sums = (columns: Record<string, string>) =>
  Object.entries(columns).map(([name, column]) => `sum(${column})::int AS "${name}"`);
const zeroIfMissing = (alias: string, names: string[]) =>
  names.map((name) => `coalesce(${alias}."${name}", 0) AS "${name}"`);

const IN_PERIOD = 'day >= $1 AND day < $2';

/**
 * The figures of every day of the period (perDay) or of the period as a whole, from the
 * analytics views only, so that the dashboard and Metabase never disagree: counts sum the
 * per-day views, percentiles are taken over the row-level views the per-day percentile views
 * are built from, and active users are counted once however many days they were active.
 */
function figuresQuery(perDay: boolean): string {
  const key = perDay ? 'day' : 'NULL::timestamptz AS day';
  const by = perDay ? 'GROUP BY day' : '';
  // Each part has one row per day (joined on it, by hash) or one for the whole period.
  const join = (table: string, alias: string) =>
    `LEFT JOIN ${table} ${alias} ON ${perDay ? `${alias}.day = d.day` : 'true'}`;
  return `
    WITH days AS (
      ${perDay ? `SELECT $1::timestamptz + n * interval '24 hours' AS day FROM generate_series(0, $3::int - 1) n` : 'SELECT NULL::timestamptz AS day'}
    ), uploads AS (
      SELECT ${key}, ${sums(UPLOAD_COUNTS).join(', ')}, sum(bytes_uploaded)::float8 AS "bytesUploaded"
      FROM analytics.uploads_per_day WHERE ${IN_PERIOD} ${by}
    ), imports AS (
      SELECT ${key}, ${sums(IMPORT_COUNTS).join(', ')},
        sum(imports_succeeded)::float8 / nullif(sum(imports_succeeded) + sum(imports_failed), 0) AS "successRate"
      FROM analytics.import_outcomes_per_day WHERE ${IN_PERIOD} ${by}
    ), throughput AS (
      SELECT ${key},
        percentile_cont(0.5) WITHIN GROUP (ORDER BY bytes_per_second) AS "medianUploadBytesPerSecond",
        percentile_cont(0.95) WITHIN GROUP (ORDER BY bytes_per_second) AS "p95UploadBytesPerSecond"
      FROM analytics.completed_uploads WHERE ${IN_PERIOD} AND bytes_per_second IS NOT NULL ${by}
    ), durations AS (
      SELECT ${key},
        percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_seconds) AS "medianImportSeconds",
        percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_seconds) AS "p95ImportSeconds"
      FROM analytics.finished_imports
      WHERE ${IN_PERIOD} AND outcome = 'succeeded' AND duration_seconds IS NOT NULL ${by}
    ), active AS (
      SELECT ${key}, count(DISTINCT user_id)::int AS "activeUsers"
      FROM analytics.user_activity_per_day WHERE ${IN_PERIOD} ${by}
    )
    SELECT d.day,
      ${zeroIfMissing('u', [...Object.keys(UPLOAD_COUNTS), 'bytesUploaded']).join(', ')},
      ${zeroIfMissing('i', Object.keys(IMPORT_COUNTS)).join(', ')},
      i."successRate", t."medianUploadBytesPerSecond", t."p95UploadBytesPerSecond",
      r."medianImportSeconds", r."p95ImportSeconds",
      coalesce(a."activeUsers", 0) AS "activeUsers"
    FROM days d
    ${join('uploads', 'u')} ${join('imports', 'i')} ${join('throughput', 't')} ${join('durations', 'r')} ${join('active', 'a')}
    ORDER BY d.day`;
}

const DAYS_QUERY = figuresQuery(true);
const TOTALS_QUERY = figuresQuery(false);

const GROUPS_QUERY = `
  SELECT day, group_id AS "groupId", uploads_started::int AS "uploadsStarted",
    uploads_completed::int AS "uploadsCompleted", bytes_uploaded::float8 AS "bytesUploaded"
  FROM analytics.uploads_per_day WHERE ${IN_PERIOD}
  ORDER BY day, group_id NULLS LAST`;

const FAILURES_QUERY = `
  SELECT stage, error_code AS code, sum(failures)::int AS count
  FROM analytics.failures_by_code WHERE ${IN_PERIOD}
  GROUP BY stage, error_code
  ORDER BY count DESC, stage, code`;

/**
 * active_users_per_week, computed as that view is, from user_activity_per_day: a filter on the
 * view's week cannot reach the events' index, a filter on the day can. The weeks are whole,
 * Monday to Sunday, for every week that overlaps the period.
 */
const WEEKS_QUERY = `
  SELECT date_trunc('week', day, 'UTC') AS week,
    count(DISTINCT user_id)::int AS "activeUsers",
    count(DISTINCT user_id) FILTER (WHERE uploads_started > 0)::int AS "uploadingUsers",
    count(DISTINCT user_id) FILTER (WHERE imports_queued > 0)::int AS "importingUsers"
  FROM analytics.user_activity_per_day
  WHERE day >= date_trunc('week', $1::timestamptz, 'UTC')
    AND day < date_trunc('week', $2::timestamptz - interval '24 hours', 'UTC') + interval '168 hours'
  GROUP BY 1
  ORDER BY 1`;

/** The admin dashboard's figures over a period of whole UTC days. */
@Injectable()
export class AnalyticsDashboardService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async dashboard(from: Date, to: Date): Promise<AnalyticsDashboardModel> {
    const days = periodDays(from, to);
    const period = [from.toISOString(), to.toISOString()];
    // One snapshot for all five reads, so the parts of one answer agree with each other.
    return this.db.transaction('REPEATABLE READ', async (manager) => {
      const dayRows = (await manager.query(DAYS_QUERY, [...period, days])) as AnalyticsDayModel[];
      const [totals] = (await manager.query(TOTALS_QUERY, period)) as (AnalyticsTotalsModel & { day: null })[];
      const uploadsByGroup = (await manager.query(GROUPS_QUERY, period)) as AnalyticsGroupDayModel[];
      const failureCodes = (await manager.query(FAILURES_QUERY, period)) as AnalyticsFailureCodeModel[];
      const weeks = (await manager.query(WEEKS_QUERY, period)) as AnalyticsWeekModel[];
      return { from, to, totals, days: dayRows, uploadsByGroup, failureCodes, weeks };
    });
  }
}

/** The number of days from `from` to `to`, or a BAD_USER_INPUT that says what a period must be. */
function periodDays(from: Date, to: Date): number {
  if (from.getTime() % DAY_MS !== 0 || to.getTime() % DAY_MS !== 0) {
    throw new AppError(
      ErrorCode.BAD_USER_INPUT,
      'from and to must be midnight UTC (for example 2025-03-01T00:00:00Z): the figures count whole UTC days.',
    );
  }
  const days = (to.getTime() - from.getTime()) / DAY_MS;
  if (days < 1 || days > MAX_PERIOD_DAYS) {
    throw new AppError(
      ErrorCode.BAD_USER_INPUT,
      `to must be 1 to ${MAX_PERIOD_DAYS} days after from (to is excluded: from 2025-03-01 to 2025-04-01 is March).`,
    );
  }
  return days;
}

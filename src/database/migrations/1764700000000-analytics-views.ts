import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Midnight UTC of the day a timestamp falls on, as a timestamptz (days are UTC days everywhere). */
const utcDay = (column: string) => `date_trunc('day', ${column}, 'UTC')`;

/**
 * The views Metabase and the admin dashboard read (docs/metabase.md), in a schema of their own so
 * that a read-only role can be given exactly them (docs/metabase-readonly.sql). They expose ids,
 * groups, sizes, durations, counts and codes only: never a file name, a path, a message or any
 * other text a user typed. Two row-level views (one row per completed upload, per finished
 * import) hold what percentiles over any period need; the per-day and per-week views are built
 * on them and on `analytics_events`, so a number means the same thing wherever it is read.
 */
const VIEWS: Record<string, string> = {
  completed_uploads: `
    SELECT e.occurred_at AS completed_at,
      ${utcDay('e.occurred_at')} AS day,
      e.upload_id, e.user_id, e.group_id, e.size_bytes,
      (e.duration_ms / 1000.0)::double precision AS duration_seconds,
      e.bytes_per_second
    FROM public.analytics_events e
    WHERE e.event_type = 'upload_completed'`,

  // Cancelled jobs record no event (the trigger counts only what a job achieved), so they come
  // from import_jobs; a cancelled job that is retried later leaves this view.
  finished_imports: `
    SELECT e.occurred_at AS finished_at,
      ${utcDay('e.occurred_at')} AS day,
      e.import_job_id, e.upload_id, e.user_id, e.group_id,
      (CASE e.event_type WHEN 'import_succeeded' THEN 'succeeded' ELSE 'failed' END)::varchar(20) AS outcome,
      e.error_code, e.size_bytes,
      (e.duration_ms / 1000.0)::double precision AS duration_seconds,
      e.image_count
    FROM public.analytics_events e
    WHERE e.event_type IN ('import_succeeded', 'import_failed')
    UNION ALL
    SELECT j.finished_at, ${utcDay('j.finished_at')}, j.id, j.upload_id, j.owner_id, j.group_id,
      'cancelled', 'CANCELLED', j.size_bytes, NULL, NULL
    FROM public.import_jobs j
    WHERE j.status = 'CANCELLED' AND j.finished_at IS NOT NULL`,

  uploads_per_day: `
    SELECT ${utcDay('e.occurred_at')} AS day, e.group_id,
      count(*) FILTER (WHERE e.event_type = 'upload_started') AS uploads_started,
      count(*) FILTER (WHERE e.event_type = 'upload_completed') AS uploads_completed,
      coalesce(sum(e.size_bytes) FILTER (WHERE e.event_type = 'upload_completed'), 0)::bigint AS bytes_uploaded,
      count(*) FILTER (WHERE e.event_type = 'upload_rejected') AS uploads_rejected,
      count(*) FILTER (WHERE e.event_type = 'upload_cancelled') AS uploads_cancelled,
      count(*) FILTER (WHERE e.event_type = 'upload_expired') AS uploads_expired
    FROM public.analytics_events e
    WHERE e.event_type IN ('upload_started', 'upload_completed', 'upload_rejected', 'upload_cancelled', 'upload_expired')
    GROUP BY 1, 2`,

  // The success rate leaves cancellations out: a user's choice says nothing about the importer.
  // One grouped union rather than a join of two groupings, so that a filter on day reaches the
  // events' index through both branches.
  import_outcomes_per_day: `
    SELECT day,
      count(*) FILTER (WHERE outcome = 'queued') AS imports_queued,
      count(*) FILTER (WHERE outcome = 'succeeded') AS imports_succeeded,
      count(*) FILTER (WHERE outcome = 'failed') AS imports_failed,
      count(*) FILTER (WHERE outcome = 'cancelled') AS imports_cancelled,
      count(*) FILTER (WHERE outcome = 'succeeded')::double precision
        / nullif(count(*) FILTER (WHERE outcome IN ('succeeded', 'failed')), 0) AS success_rate,
      coalesce(sum(image_count), 0)::bigint AS images_created
    FROM (
      SELECT ${utcDay('e.occurred_at')} AS day, 'queued'::varchar(20) AS outcome, NULL::integer AS image_count
      FROM public.analytics_events e WHERE e.event_type = 'import_queued'
      UNION ALL
      SELECT day, outcome, image_count FROM analytics.finished_imports
    ) imports
    GROUP BY day`,

  upload_throughput_per_day: `
    SELECT day, count(*) AS completed_uploads,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY bytes_per_second) AS median_bytes_per_second,
      percentile_cont(0.95) WITHIN GROUP (ORDER BY bytes_per_second) AS p95_bytes_per_second
    FROM analytics.completed_uploads
    WHERE bytes_per_second IS NOT NULL
    GROUP BY day`,

  import_duration_per_day: `
    SELECT day, count(*) AS succeeded_imports,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_seconds) AS median_seconds,
      percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_seconds) AS p95_seconds
    FROM analytics.finished_imports
    WHERE outcome = 'succeeded' AND duration_seconds IS NOT NULL
    GROUP BY day`,

  failures_by_code: `
    SELECT ${utcDay('e.occurred_at')} AS day, 'upload'::varchar(10) AS stage, e.error_code, count(*) AS failures
    FROM public.analytics_events e
    WHERE e.event_type = 'upload_rejected'
    GROUP BY 1, 3
    UNION ALL
    SELECT day, 'import', error_code, count(*)
    FROM analytics.finished_imports
    WHERE outcome = 'failed'
    GROUP BY day, error_code`,

  // Active means the user did something: started an upload or had an import queued.
  user_activity_per_day: `
    SELECT ${utcDay('e.occurred_at')} AS day, e.user_id,
      count(*) FILTER (WHERE e.event_type = 'upload_started') AS uploads_started,
      count(*) FILTER (WHERE e.event_type = 'import_queued') AS imports_queued
    FROM public.analytics_events e
    WHERE e.event_type IN ('upload_started', 'import_queued') AND e.user_id IS NOT NULL
    GROUP BY 1, 2`,

  active_users_per_week: `
    SELECT date_trunc('week', day, 'UTC') AS week,
      count(DISTINCT user_id) AS active_users,
      count(DISTINCT user_id) FILTER (WHERE uploads_started > 0) AS uploading_users,
      count(DISTINCT user_id) FILTER (WHERE imports_queued > 0) AS importing_users
    FROM analytics.user_activity_per_day
    GROUP BY 1`,
};

export class AnalyticsViews1764700000000 implements MigrationInterface {
  name = 'AnalyticsViews1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE SCHEMA analytics`);
    await queryRunner.query(
      `COMMENT ON SCHEMA analytics IS 'Usage views for Metabase and the admin dashboard; see docs/metabase.md.'`,
    );
    for (const [name, query] of Object.entries(VIEWS)) {
      await queryRunner.query(`CREATE VIEW analytics.${name} AS ${query}`);
    }
    // The per-day views group by the UTC day of occurred_at within one event type.
    await queryRunner.query(
      `CREATE INDEX analytics_events_type_day_idx ON analytics_events (event_type, (date_trunc('day', occurred_at, 'UTC')))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX analytics_events_type_day_idx`);
    await queryRunner.query(`DROP SCHEMA analytics CASCADE`);
  }
}

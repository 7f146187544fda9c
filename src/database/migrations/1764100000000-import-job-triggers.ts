import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every change of an import job's status is announced (NOTIFY, delivered when its transaction
 * commits) by the database itself, and the ones analytics count are recorded there too
 * (analytics_events: a new job, an attempt started, succeeded or failed; not a cancellation or
 * a return to the queue). Whichever code path makes the change, a worker, the sweep that
 * notices a lost worker or a mutation, it cannot forget either, and neither happens for a
 * change that rolls back. It also saves each change two round trips.
 *
 * The notification is the PostgreSQL PubSub's envelope (src/pubsub/pg-pubsub.ts) on its channel:
 * {"trigger": "importJobUpdated", "payload": {"id", "ownerId", "queued"}}.
 */
export class ImportJobTriggers1764100000000 implements MigrationInterface {
  name = 'ImportJobTriggers1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION import_job_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        event text := CASE
          WHEN TG_OP = 'INSERT' THEN 'import_queued'
          WHEN NEW.status = 'RUNNING' THEN 'import_started'
          WHEN NEW.status = 'SUCCEEDED' THEN 'import_succeeded'
          WHEN NEW.status = 'FAILED' THEN 'import_failed'
        END;
      BEGIN
        IF event IS NOT NULL THEN
          INSERT INTO analytics_events
            (event_type, user_id, group_id, upload_id, import_job_id, size_bytes, duration_ms, image_count, outcome, error_code)
          VALUES (
            event, NEW.owner_id, NEW.group_id, NEW.upload_id, NEW.id,
            CASE WHEN event IN ('import_queued', 'import_succeeded') THEN NEW.size_bytes END,
            CASE WHEN event = 'import_succeeded'
              THEN round(extract(epoch FROM NEW.finished_at - NEW.started_at) * 1000)::bigint END,
            CASE WHEN event = 'import_succeeded' THEN cardinality(NEW.omero_image_ids) END,
            CASE event WHEN 'import_succeeded' THEN 'success' WHEN 'import_failed' THEN 'failure' END,
            CASE WHEN event = 'import_failed' THEN NEW.error_code END);
        END IF;
        PERFORM pg_notify('omero_uploader_events', json_build_object(
          'trigger', 'importJobUpdated',
          'payload', json_build_object('id', NEW.id, 'ownerId', NEW.owner_id, 'queued', NEW.status = 'QUEUED')
        )::text);
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER import_job_inserted AFTER INSERT ON import_jobs
      FOR EACH ROW EXECUTE FUNCTION import_job_changed()`);
    await queryRunner.query(`
      CREATE TRIGGER import_job_status_changed AFTER UPDATE OF status ON import_jobs
      FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION import_job_changed()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER import_job_status_changed ON import_jobs`);
    await queryRunner.query(`DROP TRIGGER import_job_inserted ON import_jobs`);
    await queryRunner.query(`DROP FUNCTION import_job_changed()`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The database announces every change that must end someone's open WebSocket connections: a
 * user disabled, deleted or given another role, an API token revoked or deleted. Whichever
 * code path or operator (plain SQL included) makes the change, every instance hears of it when
 * the change commits, and never for one that rolls back.
 *
 * The notification is the PostgreSQL PubSub's envelope (src/pubsub/pg-pubsub.ts) on its channel:
 * {"trigger": "credentialsChanged", "payload": {"userId", "change", "apiTokenId"?}}, read by
 * src/graphql/credentials-change.ts.
 */
export class CredentialsChangeTriggers1764600000000 implements MigrationInterface {
  name = 'CredentialsChangeTriggers1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION user_credentials_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('omero_uploader_events', json_build_object(
          'trigger', 'credentialsChanged',
          'payload', json_build_object('userId', OLD.id, 'change', CASE
            WHEN TG_OP = 'DELETE' THEN 'deleted'
            WHEN NEW.disabled AND NOT OLD.disabled THEN 'disabled'
            WHEN NEW.role IS DISTINCT FROM OLD.role THEN 'role'
            ELSE 'enabled' END)
        )::text);
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER user_credentials_changed AFTER UPDATE OF disabled, role ON users
      FOR EACH ROW WHEN (OLD.disabled IS DISTINCT FROM NEW.disabled OR OLD.role IS DISTINCT FROM NEW.role)
      EXECUTE FUNCTION user_credentials_changed()`);
    await queryRunner.query(`
      CREATE TRIGGER user_deleted AFTER DELETE ON users
      FOR EACH ROW EXECUTE FUNCTION user_credentials_changed()`);

    await queryRunner.query(`
      CREATE FUNCTION api_token_withdrawn() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('omero_uploader_events', json_build_object(
          'trigger', 'credentialsChanged',
          'payload', json_build_object('userId', OLD.user_id, 'apiTokenId', OLD.id,
            'change', CASE WHEN TG_OP = 'DELETE' THEN 'deleted' ELSE 'revoked' END)
        )::text);
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER api_token_revoked AFTER UPDATE OF revoked_at ON api_tokens
      FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
      EXECUTE FUNCTION api_token_withdrawn()`);
    await queryRunner.query(`
      CREATE TRIGGER api_token_deleted AFTER DELETE ON api_tokens
      FOR EACH ROW EXECUTE FUNCTION api_token_withdrawn()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER api_token_deleted ON api_tokens`);
    await queryRunner.query(`DROP TRIGGER api_token_revoked ON api_tokens`);
    await queryRunner.query(`DROP FUNCTION api_token_withdrawn()`);
    await queryRunner.query(`DROP TRIGGER user_deleted ON users`);
    await queryRunner.query(`DROP TRIGGER user_credentials_changed ON users`);
    await queryRunner.query(`DROP FUNCTION user_credentials_changed()`);
  }
}

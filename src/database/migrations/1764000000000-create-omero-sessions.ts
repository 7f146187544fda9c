import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * OMERO sign-in: accounts without a password of their own, and each user's OMERO session, kept
 * so that group and target listings and imports run as that user long after the sign-in.
 */
export class CreateOmeroSessions1764000000000 implements MigrationInterface {
  name = 'CreateOmeroSessions1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL`);
    // key_digest: the sha256 of the OMERO session key, to find a session by its key without
    // keeping the key in the clear. sealed: the key and the user's OMERO.web cookies, encrypted
    // (AES-256-GCM) with a key derived from the JWT secret. user_id is null for the moment
    // between OMERO accepting a sign-in and the account being found or made.
    await queryRunner.query(`
      CREATE TABLE omero_sessions (
        key_digest char(64) PRIMARY KEY,
        user_id uuid UNIQUE REFERENCES users(id) ON DELETE CASCADE,
        sealed text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE omero_sessions`);
    // Not a scrypt hash, so no password matches it: these accounts still cannot sign in locally.
    await queryRunner.query(`UPDATE users SET password_hash = 'none' WHERE password_hash IS NULL`);
    await queryRunner.query(`ALTER TABLE users ALTER COLUMN password_hash SET NOT NULL`);
  }
}

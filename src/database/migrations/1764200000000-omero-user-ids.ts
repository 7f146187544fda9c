import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Accounts that come from OMERO are known by OMERO's user id, not by a name regardless of case:
 * OMERO's "Alice" and "alice" are two people (its default, omero.security.ignore_case=false).
 *
 * Existing rows get no id: an account that OMERO sign-in made before this had only a name, and
 * the first OMERO sign-in whose name matches it exactly (case included) claims it. Names stay
 * unique regardless of case among the accounts kept here without an OMERO id (the app's own),
 * and are not unique among OMERO's: a name can move from one OMERO user to another (a rename,
 * a deleted and re-created user), while the id cannot.
 */
export class OmeroUserIds1764200000000 implements MigrationInterface {
  name = 'OmeroUserIds1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE users ADD COLUMN omero_user_id bigint`);
    await queryRunner.query(`CREATE UNIQUE INDEX users_omero_user_id_key ON users (omero_user_id)`);
    await queryRunner.query(`DROP INDEX users_username_lower_key`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX users_local_username_lower_key ON users (lower(username)) WHERE omero_user_id IS NULL`,
    );
    // For the exact-name match of an OMERO sign-in that finds no account with its id.
    await queryRunner.query(`CREATE INDEX users_username_idx ON users (username)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Fails while two accounts share a name regardless of case: merging them is for a person to decide.
    await queryRunner.query(`DROP INDEX users_username_idx`);
    await queryRunner.query(`DROP INDEX users_local_username_lower_key`);
    await queryRunner.query(`CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username))`);
    await queryRunner.query(`DROP INDEX users_omero_user_id_key`);
    await queryRunner.query(`ALTER TABLE users DROP COLUMN omero_user_id`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sandbox images remember the import (job) that recorded them, so that an attempt interrupted
 * between moving a file into the sandbox repository and recording its image, or between
 * recording it and the job's outcome, finishes on its retry instead of failing for a missing
 * source or recording the image twice. Earlier images have no key.
 */
export class SandboxImportKeys1764400000000 implements MigrationInterface {
  name = 'SandboxImportKeys1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE sandbox_images ADD COLUMN import_key text`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX sandbox_images_import_key ON sandbox_images (import_key, series_index)
       WHERE import_key IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX sandbox_images_import_key`);
    await queryRunner.query(`ALTER TABLE sandbox_images DROP COLUMN import_key`);
  }
}

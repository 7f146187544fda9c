import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Job errors written before users were kept from the inside of the system could name OMERO's
 * address ("The OMERO server omero.example.org:4064 cannot be reached"), an OMERO.web URL or a
 * path on the server. Such a message moves to the job's importer log (`log`, which only
 * administrators read, as GraphQL `importerLog`) and the user reads a plain one instead. The
 * patterns are those of the messages the app used to write: a URL, a host:port, an absolute path.
 */
const LEAKY = `error_message ~* '([a-z][a-z0-9+.-]*://|[a-z0-9-]+(\\.[a-z0-9-]+)+:[0-9]{1,5}|[0-9]{1,3}(\\.[0-9]{1,3}){3}:[0-9]{1,5}|(^|[[:space:]"''(])/[^[:space:]/]+/)'`;

export class ScrubImportJobErrors1764500000000 implements MigrationInterface {
  name = 'ScrubImportJobErrors1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      UPDATE import_jobs SET
        log = right(concat_ws(E'\\n', 'Message shown before: ' || error_message, log), 20000),
        error_message = CASE error_code
          WHEN 'OMERO_UNAVAILABLE' THEN 'OMERO could not be reached. The import can be retried once it is back.'
          ELSE 'The import failed. An administrator can read the cause in the importer''s log.'
        END
      WHERE error_message IS NOT NULL AND ${LEAKY}`);
  }

  async down(): Promise<void> {
    // The old messages are kept in the log; putting them back in front of users is not wanted.
  }
}

import { Logger } from '@nestjs/common';
import pg from 'pg';
import { connectTimeouts } from '../../database/database-timeouts.js';
import { sessionKeyDigest } from './omero-session.store.js';

const logger = new Logger('SessionLock');

/**
 * Holds one OMERO session for an import on every instance of the app, until the returned
 * function releases it. Rejects if `signal` aborts while it waits.
 *
 * Why: with `-k`, the importer uses the session's current group, so each import switches the
 * group first (docs/omero.md, "The importer"). Two imports of one session into different groups, on two worker
 * instances at once, would switch it under each other.
 */
export type SessionLock = (sessionKey: string, signal: AbortSignal) => Promise<() => Promise<void>>;

/**
 * A PostgreSQL advisory lock on a connection of its own, held for the whole import: if the
 * process dies, the connection closes and the lock goes with it. Keyed by a digest of the
 * session key, never the key itself. Connecting is bounded by `timeoutSeconds`; waiting for the
 * lock is not (it waits for another import of the session, on purpose), nor is holding it.
 */
export function pgSessionLock(databaseUrl: string, timeoutSeconds = 10): SessionLock {
  return async (sessionKey, signal) => {
    signal.throwIfAborted();
    const client = new pg.Client({
      connectionString: databaseUrl,
      application_name: 'omero-uploader-import-lock',
      ...connectTimeouts(timeoutSeconds),
    });
    // A dropped connection also drops the lock: worth a line for whoever investigates an overlap.
    client.on('error', (error) => logger.warn(`an OMERO session lock's connection failed: ${error.message}`));
    const close = () => client.end().catch(() => undefined);
    await client.connect();
    // Closing the connection is the way to stop waiting for the lock.
    signal.addEventListener('abort', close, { once: true });
    try {
      signal.throwIfAborted();
      await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [
        `omero-session:${sessionKeyDigest(sessionKey)}`,
      ]);
      signal.throwIfAborted();
    } catch (error) {
      await close();
      throw error;
    } finally {
      signal.removeEventListener('abort', close);
    }
    return close;
  };
}

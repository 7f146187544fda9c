import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { OmeroWebSessionStore, StoredOmeroWebSession } from './omero-web-session.js';
import type { SealedBox } from './sealed-box.js';

/** What one row holds, sealed: the OMERO session key itself, and its OMERO.web cookies. */
interface SealedSession extends StoredOmeroWebSession {
  sessionKey: string;
}

/** Sessions OMERO accepted but no account claimed (a failed sign-in step) go after this. */
const UNCLAIMED_FOR = '1 hour';

/** How a session key is known without keeping it in the clear (here, and in SessionLock). */
export const sessionKeyDigest = (sessionKey: string) => createHash('sha256').update(sessionKey).digest('hex');

/**
 * Each user's OMERO session, in PostgreSQL (table omero_sessions), so that it survives restarts
 * and every instance and import worker can use it. The key and the cookies are credentials:
 * they are stored encrypted and never leave the server, in an answer or in a log.
 *
 * A user has one session here, their latest sign-in's. The adapter finds a session by its key
 * (OmeroWebSessionStore); the app, which knows users by id, by the user (keyOf).
 */
export class OmeroSessionStore implements OmeroWebSessionStore {
  constructor(
    private readonly db: DataSource,
    private readonly box: SealedBox,
  ) {}

  async get(sessionKey: string): Promise<StoredOmeroWebSession | undefined> {
    const session = await this.read('key_digest', sessionKeyDigest(sessionKey));
    return session && { username: session.username, userId: session.userId, cookies: session.cookies };
  }

  async set(sessionKey: string, session: StoredOmeroWebSession): Promise<void> {
    const sealed = this.box.seal(JSON.stringify({ ...session, sessionKey } satisfies SealedSession));
    await this.db.query(
      `INSERT INTO omero_sessions (key_digest, sealed) VALUES ($1, $2)
       ON CONFLICT (key_digest) DO UPDATE SET sealed = EXCLUDED.sealed, updated_at = now()`,
      [sessionKeyDigest(sessionKey), sealed],
    );
  }

  async delete(sessionKey: string): Promise<void> {
    await this.db.query('DELETE FROM omero_sessions WHERE key_digest = $1', [sessionKeyDigest(sessionKey)]);
  }

  /** Makes the session (stored by the sign-in) the user's one session, replacing any earlier. */
  async claim(appUserId: string, sessionKey: string): Promise<void> {
    await this.db.transaction(async (manager) => {
      // Two sign-ins of one user at once take turns, so exactly one session ends up theirs. A
      // lock of this module's own (held until the commit), not a row lock on `users`: that
      // table is the Auth module's, and locking its rows would tie sign-ins to its writes.
      await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
        `omero-session-claim:${appUserId}`,
      ]);
      await manager.query(
        `DELETE FROM omero_sessions
         WHERE (user_id = $1 AND key_digest <> $2)
            OR (user_id IS NULL AND created_at < now() - interval '${UNCLAIMED_FOR}')`,
        [appUserId, sessionKeyDigest(sessionKey)],
      );
      await manager.query('UPDATE omero_sessions SET user_id = $1, updated_at = now() WHERE key_digest = $2', [
        appUserId,
        sessionKeyDigest(sessionKey),
      ]);
    });
  }

  /**
   * The user's OMERO session key, if they have a session here that OMERO opened for them: for
   * the OMERO user with the account's OMERO id or, on an account no OMERO user has claimed yet,
   * with exactly its name. A session stored for another OMERO user is never handed out: before
   * OMERO ids were kept, "Alice" and "alice" shared one account, and its session was whichever
   * of them signed in last.
   */
  async keyOf(appUserId: string): Promise<string | undefined> {
    const [owner] = (await this.db.query('SELECT username, omero_user_id FROM users WHERE id = $1', [appUserId])) as {
      username: string;
      omero_user_id: string | null;
    }[];
    const session = owner && (await this.read('user_id', appUserId));
    if (!session) return undefined;
    const theirs =
      owner.omero_user_id === null
        ? session.username === owner.username
        : session.userId === Number(owner.omero_user_id);
    return theirs ? session.sessionKey : undefined;
  }

  /** A row that no longer opens (the JWT secret changed) counts as no session: sign in again. */
  private async read(column: 'key_digest' | 'user_id', value: string): Promise<SealedSession | undefined> {
    const [row] = (await this.db.query(`SELECT sealed FROM omero_sessions WHERE ${column} = $1`, [value])) as {
      sealed: string;
    }[];
    const plain = row && this.box.open(row.sealed);
    return plain ? (JSON.parse(plain) as SealedSession) : undefined;
  }
}

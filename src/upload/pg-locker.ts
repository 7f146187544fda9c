import { Logger } from '@nestjs/common';
import { ERRORS, type Lock, type Locker, type RequestRelease } from '@tus/utils';
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PgPubSub } from '../pubsub/pg-pubsub.js';

const RELEASE_REQUESTED = 'tusLockReleaseRequested';
const RETRY_MS = 50;
/**
 * After a request unlocks, this instance keeps the advisory lock this long, so the client's
 * next PATCH (usually milliseconds later) takes it without a database round trip. Anyone
 * else who asks for it gets it at once.
 */
const LEASE_MS = 2_000;

interface Lease {
  client: pg.PoolClient;
  timer: NodeJS.Timeout;
}

/**
 * tus locks on PostgreSQL advisory locks, so that instances sharing the database and the
 * upload folder never write one upload at once. A session-level advisory lock lives on one
 * connection, so each held lock keeps a connection from this locker's own pool until unlocked
 * (and PostgreSQL frees it by itself if that connection dies).
 *
 * When a request waits for a lock that another request holds (typically a client resuming
 * after a network drop while the server still serves its dead connection), the holder is asked
 * to let go, on this instance directly and on the others through the PubSub, as tus's own
 * in-memory locker does within one process.
 */
export class PgLocker implements Locker {
  private readonly logger = new Logger(PgLocker.name);
  private readonly pool: pg.Pool;
  /** Locks a request of this instance holds, and how to ask that request to finish early. */
  readonly held = new Map<string, RequestRelease>();
  /** Locks this instance still holds in PostgreSQL, with no request using them. */
  private readonly leases = new Map<string, Lease>();
  private subscription?: number;

  constructor(
    databaseUrl: string,
    private readonly pubsub: PgPubSub,
    readonly acquireTimeoutMs = 30_000,
    maxConnections = 50,
  ) {
    this.pool = new pg.Pool({
      connectionString: databaseUrl,
      max: maxConnections,
      application_name: 'omero-uploader-locks',
    });
    this.pool.on('error', (error) => this.logger.warn(`lock connection failed: ${error.message}`));
  }

  async start(): Promise<void> {
    this.subscription = await this.pubsub.subscribe(RELEASE_REQUESTED, (payload) =>
      this.releaseLocally((payload as { id: string }).id),
    );
  }

  async close(): Promise<void> {
    if (this.subscription) this.pubsub.unsubscribe(this.subscription);
    await Promise.all([...this.leases.keys()].map((id) => this.endLease(id)));
    await this.pool.end();
  }

  newLock(id: string): Lock {
    return new PgLock(id, this);
  }

  /**
   * The lock if nobody holds it right now, else null, without disturbing the holder: for
   * housekeeping that must never interrupt an upload in progress.
   */
  async tryLock(id: string): Promise<Lock | null> {
    const lock = new PgLock(id, this);
    try {
      await lock.lock(AbortSignal.abort(), () => undefined, false);
      return lock;
    } catch {
      return null;
    }
  }

  connect(): Promise<pg.PoolClient> {
    return this.pool.connect();
  }

  /** Asks whoever holds `id`, here or on another instance, to let it go. */
  requestRelease(id: string): void {
    if (!this.releaseLocally(id)) void this.pubsub.publish(RELEASE_REQUESTED, { id }).catch(() => undefined);
  }

  /** The connection of a lease on `id`, which the caller now holds, or undefined. */
  takeLease(id: string): pg.PoolClient | undefined {
    const lease = this.leases.get(id);
    if (!lease) return undefined;
    clearTimeout(lease.timer);
    this.leases.delete(id);
    return lease.client;
  }

  /** Keeps an unlocked lock for a moment, for the same client's next request. */
  keepLease(id: string, client: pg.PoolClient): void {
    const timer = setTimeout(() => void this.endLease(id), LEASE_MS).unref();
    this.leases.set(id, { client, timer });
  }

  private releaseLocally(id: string): boolean {
    const holder = this.held.get(id);
    if (holder) {
      void holder();
      return true;
    }
    if (this.leases.has(id)) {
      void this.endLease(id);
      return true;
    }
    return false;
  }

  private async endLease(id: string): Promise<void> {
    const client = this.takeLease(id);
    if (client) await unlockAndRelease(client, id);
  }
}

const lockKey = (id: string) => `tus:${id}`;

async function unlockAndRelease(client: pg.PoolClient, id: string): Promise<void> {
  try {
    await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [lockKey(id)]);
    client.release();
  } catch (error) {
    // A broken connection has lost its locks with it; never hand it out again.
    client.release(error as Error);
  }
}

class PgLock implements Lock {
  private client?: pg.PoolClient;

  constructor(
    private readonly id: string,
    private readonly locker: PgLocker,
  ) {}

  async lock(signal: AbortSignal, requestRelease: RequestRelease, askHolder = true): Promise<void> {
    const client = this.locker.takeLease(this.id) ?? (await this.acquire(signal, askHolder));
    this.client = client;
    this.locker.held.set(this.id, requestRelease);
  }

  private async acquire(signal: AbortSignal, askHolder: boolean): Promise<pg.PoolClient> {
    const client = await this.locker.connect();
    const deadline = Date.now() + this.locker.acquireTimeoutMs;
    let askedHolder = !askHolder;
    try {
      for (;;) {
        const { rows } = await client.query<{ locked: boolean }>(
          'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked',
          [lockKey(this.id)],
        );
        if (rows[0].locked) return client;
        if (!askedHolder) {
          this.locker.requestRelease(this.id);
          askedHolder = true;
        }
        if (signal.aborted || Date.now() > deadline) throw ERRORS.ERR_LOCK_TIMEOUT;
        await sleep(RETRY_MS);
      }
    } catch (error) {
      client.release();
      throw error;
    }
  }

  async unlock(): Promise<void> {
    const client = this.client;
    if (!client) throw new Error(`Releasing an unlocked lock: ${this.id}`);
    this.client = undefined;
    this.locker.held.delete(this.id);
    this.locker.keepLease(this.id, client);
  }
}

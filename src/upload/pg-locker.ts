import { Logger } from '@nestjs/common';
import { ERRORS, type Lock, type Locker, type RequestRelease } from '@tus/utils';
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { statementTimeouts } from '../database/database-timeouts.js';
import { isDatabaseUnavailable } from '../database/database-errors.js';
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
  /** Held locks someone has asked for: they are given up at unlock, not leased. */
  private readonly wanted = new Set<string>();
  private subscription?: number;
  readonly acquireTimeoutMs: number;
  private readonly maxConnections: number;

  constructor(
    databaseUrl: string,
    private readonly pubsub: PgPubSub,
    { acquireTimeoutMs = 30_000, maxConnections = 40, timeoutSeconds = 10 } = {},
  ) {
    this.acquireTimeoutMs = acquireTimeoutMs;
    this.maxConnections = maxConnections;
    this.pool = new pg.Pool({
      connectionString: databaseUrl,
      max: maxConnections,
      application_name: 'omero-uploader-locks',
      // A full pool or a database that stopped answering must not make a request wait forever.
      // Every statement here is short: a held lock waits on an idle connection, untouched.
      ...statementTimeouts(timeoutSeconds),
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

  /**
   * A connection for a lock. Checked-out pg clients have no error listener of their own, and
   * an unhandled 'error' (the server restarting, a killed backend) would end the process; the
   * caller gets `onLost` instead.
   */
  async connect(onLost: (error: Error) => void): Promise<pg.PoolClient> {
    const full = this.pool.idleCount === 0 && this.pool.totalCount >= this.maxConnections;
    const client = await this.pool.connect().catch((error: unknown) => {
      // Waiting for a full pool is a lock timeout; the database not answering is a 503 (the
      // error filter knows its errors).
      throw !full && isDatabaseUnavailable(error) ? error : ERRORS.ERR_LOCK_TIMEOUT;
    });
    client.on('error', onLost);
    return client;
  }

  /** Asks whoever holds `id`, here or on another instance, to let it go. */
  requestRelease(id: string): void {
    if (!this.releaseLocally(id)) void this.pubsub.publish(RELEASE_REQUESTED, { id }).catch(() => undefined);
  }

  /**
   * The lock on `id`, held by the caller, is given up when it is unlocked rather than leased:
   * for an upload that has just completed, no next PATCH will come to use the lease.
   */
  giveUpAtUnlock(id: string): void {
    this.wanted.add(id);
  }

  /** The connection of a lease on `id`, which the caller now holds, or undefined. */
  takeLease(id: string): pg.PoolClient | undefined {
    const lease = this.leases.get(id);
    if (!lease) return undefined;
    clearTimeout(lease.timer);
    this.leases.delete(id);
    return lease.client;
  }

  /** Leased connections report errors here rather than to the request that leased them last. */
  guardLease(client: pg.PoolClient): void {
    client.removeAllListeners('error');
    client.on('error', (error: Error) => this.leaseLost(client, error));
  }

  /**
   * After a request unlocks: keeps the lock a moment for the same client's next request, or,
   * when someone asked for it meanwhile or its connection broke, gives it up now.
   */
  async unlocked(id: string, client: pg.PoolClient, broken?: Error): Promise<void> {
    this.held.delete(id);
    if (broken) return releaseClient(client, broken);
    if (this.wanted.delete(id)) return unlockAndRelease(client, id);
    this.guardLease(client);
    const timer = setTimeout(() => void this.endLease(id), LEASE_MS).unref();
    this.leases.set(id, { client, timer });
  }

  /** A leased lock whose connection broke is gone: forget it. */
  leaseLost(client: pg.PoolClient, error: Error): void {
    for (const [id, lease] of this.leases) {
      if (lease.client !== client) continue;
      clearTimeout(lease.timer);
      this.leases.delete(id);
      releaseClient(client, error);
    }
  }

  private releaseLocally(id: string): boolean {
    const holder = this.held.get(id);
    if (holder) {
      this.wanted.add(id);
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
    releaseClient(client);
  } catch (error) {
    releaseClient(client, error as Error);
  }
}

/** Back to the pool; a broken connection, whose locks died with it, is discarded instead. */
function releaseClient(client: pg.PoolClient, error?: Error): void {
  client.removeAllListeners('error');
  // The pool's own listener is gone too, so late errors from a discarded client are ignored.
  client.on('error', () => undefined);
  client.release(error);
}

class PgLock implements Lock {
  private client?: pg.PoolClient;
  private broken?: Error;
  private requestRelease?: RequestRelease;

  constructor(
    private readonly id: string,
    private readonly locker: PgLocker,
  ) {}

  async lock(signal: AbortSignal, requestRelease: RequestRelease, askHolder = true): Promise<void> {
    this.requestRelease = requestRelease;
    const leased = this.locker.takeLease(this.id);
    if (leased) this.watch(leased);
    this.client = leased ?? (await this.acquire(signal, askHolder));
    this.locker.held.set(this.id, requestRelease);
  }

  /** While held, a broken connection means the lock is lost: the request is asked to stop. */
  private readonly onLost = (error: Error) => {
    this.broken = error;
    void this.requestRelease?.();
  };

  private watch(client: pg.PoolClient): void {
    client.removeAllListeners('error');
    client.on('error', this.onLost);
  }

  private async acquire(signal: AbortSignal, askHolder: boolean): Promise<pg.PoolClient> {
    const client = await this.locker.connect(this.onLost);
    const deadline = Date.now() + this.locker.acquireTimeoutMs;
    let askedHolder = !askHolder;
    try {
      for (;;) {
        if (this.broken) throw this.broken;
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
        // A request of this instance may have finished and leased it meanwhile.
        const leased = this.locker.takeLease(this.id);
        if (leased) {
          releaseClient(client);
          this.watch(leased);
          return leased;
        }
      }
    } catch (error) {
      // A connection whose statement failed (timed out, broken) is discarded, not reused.
      const failed = error === ERRORS.ERR_LOCK_TIMEOUT ? undefined : (error as Error);
      releaseClient(client, this.broken ?? failed);
      throw error === this.broken ? ERRORS.ERR_LOCK_TIMEOUT : error;
    }
  }

  async unlock(): Promise<void> {
    const client = this.client;
    if (!client) throw new Error(`Releasing an unlocked lock: ${this.id}`);
    this.client = undefined;
    await this.locker.unlocked(this.id, client, this.broken);
  }
}

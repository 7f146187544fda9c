import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { setTimeout as sleep } from 'node:timers/promises';
import PgBoss from 'pg-boss';
import type { DataSource, EntityManager } from 'typeorm';
import { databaseUrlOf } from '../database/database-url.js';
import { statementTimeouts } from '../database/database-timeouts.js';
import { Environment } from '../environment/environment.js';

const IMPORT_QUEUE = 'omero-import';
const SCHEMA = 'pgboss';
/** How often an idle instance looks at an empty queue (a NOTIFY wakes it sooner). */
const POLL_MS = 500;
/** How long shutdown waits for the jobs in hand. */
const STOP_TIMEOUT_MS = 20_000;
/** pg-boss's own connections per instance: its statements are short, a few suffice. */
const QUEUE_CONNECTIONS = 4;
/** What pg-boss adds to the import timeout before it counts a job expired. */
const EXPIRY_MARGIN_SECONDS = 300;

interface QueuedImport {
  jobId: string;
}

/** Runs one job; calls `free` once its import slot may go to the next job. */
type Run = (jobId: string, free: () => void) => Promise<void>;

/**
 * The import queue on pg-boss, in the app's own database. pg-boss only delivers: whether a job
 * runs, retries or ends is decided by the import_jobs row (ImportWorker), so its own retries
 * are off. The queue's policy is "short" and entries are keyed by the job id, so sending a job
 * that is already waiting does nothing, which lets the maintenance sweep re-send without fear
 * of duplicates.
 *
 * Not "stately": that policy also refuses to start an entry while another with its key is
 * active, and the entry of a worker that died stays active until it expires (the import
 * timeout, an hour by default). The job the sweep queued again would wait that long, and as the
 * oldest entry it is the one every fetch tries first, so the whole queue would wait with it.
 * Two workers never run one job anyway: claiming it is a compare-and-update of its row.
 *
 * pg-boss's schema belongs to pg-boss, and this service is the only code that touches it,
 * through pg-boss's API wherever it has a call. It has none for two things, done here in SQL
 * on its job table: starting a waiting entry at once (send with `now`: pg-boss knows entries
 * only by their own id, not by the key we give them), and finding jobs without a live entry
 * (`stranded`: one query joining import_jobs, which it only reads, so that a deep queue never
 * hides a stranded job).
 */
@Injectable()
export class ImportQueue implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ImportQueue.name);
  private boss: PgBoss;
  // The fetch loop of work(): jobs in hand, and its wake-up.
  private busy = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private stopping = false;
  private woken = false;
  private wakeUp?: () => void;
  private dispatching?: Promise<void>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(Environment) private readonly env: Environment,
  ) {}

  async onModuleInit(): Promise<void> {
    // pg-boss hands these to its pg pool. Its statements are short (fetch, send, maintenance,
    // each at most waiting for another instance's); one that times out gets its connection
    // discarded by the pool, and the work is tried again at the next poll or maintenance.
    const bounded = statementTimeouts(this.env.DATABASE_TIMEOUT_SECONDS);
    this.boss = new PgBoss({
      connectionString: databaseUrlOf(this.db),
      schema: SCHEMA,
      max: QUEUE_CONNECTIONS,
      application_name: 'omero-uploader-queue',
      ...bounded,
    });
    this.boss.on('error', (error) => this.logger.error(`queue: ${error.message}`));
    await this.boss.start();
    await this.boss.createQueue(IMPORT_QUEUE, { name: IMPORT_QUEUE, policy: 'short' });
    // Databases from before kept the queue "stately"; createQueue leaves an existing queue as is.
    await this.boss.updateQueue(IMPORT_QUEUE, { name: IMPORT_QUEUE, policy: 'short' });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.wake();
    // The fetch loop ends (what it fetched meanwhile goes back to the queue), and the jobs in
    // hand finish (the worker service aborts imports, which go back to the queue too).
    const stopped = Promise.all([this.dispatching, ...this.inFlight]);
    await Promise.race([stopped, sleep(STOP_TIMEOUT_MS, undefined, { ref: false })]);
    await this.boss?.stop({ graceful: true, wait: true, timeout: STOP_TIMEOUT_MS });
  }

  /**
   * Queues a job, inside the caller's transaction when a manager is given. `now`: an entry of
   * this job already waiting out a retry delay starts at once instead (the queue keeps one
   * waiting entry per job, so a plain send would be ignored and the job would wait).
   */
  async send(
    jobId: string,
    options: { manager?: EntityManager; startAfter?: Date; now?: boolean } = {},
  ): Promise<void> {
    const { manager, startAfter, now } = options;
    const executeSql = async (text: string, values: unknown[]) => ({
      rows: (await (manager ?? this.db.manager).query(text, values)) as unknown[],
    });
    if (now) {
      // pg-boss has no call for this (see the class comment); its job table is part of its
      // documented schema.
      await executeSql(
        `UPDATE ${SCHEMA}.job SET start_after = now() WHERE name = $1 AND singleton_key = $2 AND state = 'created'`,
        [IMPORT_QUEUE, jobId],
      );
    }
    await this.boss.send(IMPORT_QUEUE, { jobId } satisfies QueuedImport, {
      singletonKey: jobId,
      retryLimit: 0,
      // pg-boss gives up on a job after this; ImportWorker's heartbeats notice dead workers sooner.
      expireInSeconds: this.env.IMPORT_TIMEOUT_MINUTES * 60 + EXPIRY_MARGIN_SECONDS,
      startAfter,
      db: manager ? { executeSql } : undefined,
    });
  }

  /**
   * QUEUED jobs, queued more than `staleSeconds` ago, that no live worker is about to start: no
   * entry waiting in the queue, and none fetched within `staleSeconds`. A worker claims a job
   * the moment it fetches its entry, so an entry fetched longer ago whose job is still QUEUED
   * belongs to an instance that died in between; pg-boss would keep it active until it expires
   * (the import timeout, an hour by default), so it does not count. One query, so that a deep
   * queue of waiting jobs never hides a stranded one.
   */
  async stranded(staleSeconds: number, limit = 500): Promise<string[]> {
    const rows = (await this.db.query(
      `SELECT j.id FROM import_jobs j
       WHERE j.status = 'QUEUED' AND j.queued_at < now() - make_interval(secs => $2)
         AND NOT EXISTS (
           SELECT 1 FROM ${SCHEMA}.job q
           WHERE q.name = $1 AND q.singleton_key = j.id::text
             AND (q.state IN ('created', 'retry')
                  OR (q.state = 'active' AND q.started_on > now() - make_interval(secs => $2))))
       ORDER BY j.queued_at LIMIT $3`,
      [IMPORT_QUEUE, staleSeconds, limit],
    )) as { id: string }[];
    return rows.map((row) => row.id);
  }

  /**
   * Runs queued jobs on this instance, at most `slots` at once. A job's slot is held until `run`
   * calls its `free` (the import itself is over) or returns: the bookkeeping after an import
   * (recording its outcome, completing the queue entry) no longer keeps the next import waiting.
   * Entries are fetched only for free slots, so this instance never holds a job it cannot start
   * while another instance could.
   */
  work(slots: number, run: Run): void {
    this.dispatching = this.dispatch(slots, run);
  }

  /** Looks for work at once rather than at the next poll (a job was queued, or a slot freed). */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** The fetch loop: takes entries for the free slots, then sleeps until woken or the next poll. */
  private async dispatch(slots: number, run: Run): Promise<void> {
    while (!this.stopping) {
      this.woken = false;
      const free = slots - this.busy;
      let entries: PgBoss.Job<QueuedImport>[] = [];
      try {
        if (free > 0) entries = await this.boss.fetch<QueuedImport>(IMPORT_QUEUE, { batchSize: free });
      } catch (error) {
        // pg-boss already swallows query errors here; anything else must not end the loop.
        this.logger.error(`could not fetch from the import queue: ${String(error)}`);
      }
      if (this.stopping) {
        // Fetched as we stopped: back to the queue at once, for another instance.
        for (const entry of entries) {
          try {
            await this.send(entry.data.jobId);
            await this.boss.complete(IMPORT_QUEUE, entry.id);
          } catch (error) {
            this.logger.warn(`job ${entry.data.jobId} stays for the sweep to queue again: ${String(error)}`);
          }
        }
        return;
      }
      for (const entry of entries) this.start(entry, run);
      if ((entries.length === 0 || this.busy >= slots) && !this.woken) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          this.wakeUp = resolve;
          timer = setTimeout(resolve, POLL_MS);
        });
        clearTimeout(timer);
        this.wakeUp = undefined;
      }
    }
  }

  private start(entry: PgBoss.Job<QueuedImport>, run: Run): void {
    this.busy++;
    let freed = false;
    const free = () => {
      if (freed) return;
      freed = true;
      this.busy--;
      this.wake();
    };
    const task = run(entry.data.jobId, free)
      .catch((error: unknown) => this.logger.error(`import ${entry.data.jobId}: ${String(error)}`))
      .then(() => this.boss.complete(IMPORT_QUEUE, entry.id))
      .catch((error: unknown) => this.logger.warn(`could not complete queue entry ${entry.id}: ${String(error)}`))
      .finally(() => {
        free();
        this.inFlight.delete(task);
      });
    this.inFlight.add(task);
  }
}

import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import PgBoss from 'pg-boss';
import type { DataSource, EntityManager } from 'typeorm';
import { databaseUrlOf } from '../database/database-url.js';
import { Environment } from '../environment/environment.js';

const IMPORT_QUEUE = 'omero-import';
const SCHEMA = 'pgboss';

interface QueuedImport {
  jobId: string;
}

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
 */
@Injectable()
export class ImportQueue implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ImportQueue.name);
  private boss: PgBoss;
  private readonly workerIds: string[] = [];

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(Environment) private readonly env: Environment,
  ) {}

  async onModuleInit(): Promise<void> {
    this.boss = new PgBoss({
      connectionString: databaseUrlOf(this.db),
      schema: SCHEMA,
      max: 4,
      application_name: 'omero-uploader-queue',
    });
    this.boss.on('error', (error) => this.logger.error(`queue: ${error.message}`));
    await this.boss.start();
    await this.boss.createQueue(IMPORT_QUEUE, { name: IMPORT_QUEUE, policy: 'short' });
    // Databases from before kept the queue "stately"; createQueue leaves an existing queue as is.
    await this.boss.updateQueue(IMPORT_QUEUE, { name: IMPORT_QUEUE, policy: 'short' });
  }

  async onApplicationShutdown(): Promise<void> {
    // Workers finish the job in hand (the worker service aborts long imports first).
    await this.boss?.stop({ graceful: true, wait: true, timeout: 20_000 });
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
      // pg-boss has no call for this; its job table is part of its documented schema.
      await executeSql(
        `UPDATE ${SCHEMA}.job SET start_after = now() WHERE name = $1 AND singleton_key = $2 AND state = 'created'`,
        [IMPORT_QUEUE, jobId],
      );
    }
    await this.boss.send(IMPORT_QUEUE, { jobId } satisfies QueuedImport, {
      singletonKey: jobId,
      retryLimit: 0,
      // pg-boss gives up on a job after this; ImportWorker's heartbeats notice dead workers sooner.
      expireInSeconds: this.env.IMPORT_TIMEOUT_MINUTES * 60 + 300,
      startAfter,
      db: manager ? { executeSql } : undefined,
    });
  }

  /** Starts `concurrency` workers on this instance, each running one job at a time. */
  async work(concurrency: number, run: (jobId: string) => Promise<void>): Promise<void> {
    for (let i = 0; i < concurrency; i++) {
      let id: string | undefined;
      id = await this.boss.work<QueuedImport>(
        IMPORT_QUEUE,
        { batchSize: 1, pollingIntervalSeconds: 0.5 },
        async ([job]) => {
          try {
            await run(job.data.jobId);
          } finally {
            // After a job pg-boss waits out the rest of its polling interval before fetching
            // again, which caps a worker at two jobs a second however full the queue. A worker
            // that found a job looks for the next at once; only an empty queue is polled.
            if (id) this.boss.notifyWorker(id);
          }
        },
      );
      this.workerIds.push(id);
    }
  }

  /** Wakes this instance's idle workers at once rather than at their next poll. */
  wake(): void {
    for (const id of this.workerIds) this.boss.notifyWorker(id);
  }
}

import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Environment } from '../environment/environment.js';
import { ImportJobsService } from './import-jobs.service.js';
import { ImportQueue } from './import-queue.service.js';

/**
 * A RUNNING job whose heartbeat is this many intervals old lost its worker: several missed
 * beats, so that a busy event loop or a slow database moment never passes for a dead process.
 */
const STALE_AFTER_HEARTBEATS = 4.5;
/** How often every worker instance looks for such jobs, in heartbeat intervals. */
const SWEEP_EVERY_HEARTBEATS = 1.5;

/**
 * Finds the jobs no worker will finish (unless APP_ROLE=web), on every worker instance. Jobs
 * whose worker died (no heartbeat) go back to the queue, or fail after their last attempt (the
 * database counts and announces either). Queued jobs that no live worker is about to start are
 * sent again: their entry was fetched by an instance that died before claiming the job, or was
 * dropped. Both kinds wait the same 4.5 heartbeats, so a job whose instance died anywhere
 * between the fetch and the end of its import runs again within 4.5 + 1.5 heartbeats (a minute
 * by default) of the death, once any worker instance runs.
 */
@Injectable()
export class ImportSweep implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ImportSweep.name);
  private timer?: NodeJS.Timeout;
  /** The round under way: rounds never overlap, so a slow database is not asked twice as often. */
  private round?: Promise<void>;

  constructor(
    @Inject(Environment) private readonly env: Environment,
    private readonly queue: ImportQueue,
    private readonly jobs: ImportJobsService,
  ) {}

  onApplicationBootstrap(): void {
    if (this.env.APP_ROLE === 'web') return;
    const sweepMs = this.env.IMPORT_HEARTBEAT_SECONDS * SWEEP_EVERY_HEARTBEATS * 1000;
    this.timer = setInterval(() => void this.sweep(), sweepMs).unref();
    void this.sweep();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.round;
  }

  sweep(): Promise<void> {
    this.round ??= this.sweepOnce().finally(() => (this.round = undefined));
    return this.round;
  }

  private async sweepOnce(): Promise<void> {
    const staleSeconds = this.env.IMPORT_HEARTBEAT_SECONDS * STALE_AFTER_HEARTBEATS;
    try {
      await this.jobs.requeueLost(staleSeconds, this.env.IMPORT_MAX_ATTEMPTS);
      for (const id of await this.queue.stranded(staleSeconds)) {
        this.logger.warn(`import ${id} was queued but no worker took it; queued again`);
        await this.queue.send(id);
      }
    } catch (error) {
      this.logger.error(`import sweep failed: ${String(error)}`);
    }
  }
}

import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Environment } from '../environment/environment.js';
import { UploadsService } from './uploads.service.js';

/**
 * Every UPLOAD_SWEEP_SECONDS, and once at start: completes uploads stranded by a stop between
 * their last byte and their completion, deletes expired ones, and forgets the tus records of
 * uploads completed longer ago than the expiry period. Every instance runs it;
 * the upload locks keep them from doing the same work twice.
 */
@Injectable()
export class UploadMaintenanceJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(UploadMaintenanceJob.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly uploads: UploadsService,
    @Inject(Environment) private readonly env: Environment,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.runOnce(), this.env.UPLOAD_SWEEP_SECONDS * 1000).unref();
    void this.runOnce();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One sweep; a sweep still running is joined rather than overlapped. */
  runOnce(): Promise<void> {
    this.running ??= (async () => {
      try {
        const completed = await this.uploads.completeStranded();
        const expired = await this.uploads.expireDue();
        const pruned = await this.uploads.pruneFinishedRecords();
        if (completed || expired || pruned) this.logger.log({ event: 'upload_sweep', completed, expired, pruned });
      } catch (error) {
        this.logger.error(`upload sweep failed: ${String(error)}`);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }
}

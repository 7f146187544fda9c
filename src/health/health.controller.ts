import { Controller, Get, Logger, type OnApplicationShutdown, Res } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import type { DataSource } from 'typeorm';
import { Public } from '../auth/decorators.js';
import { databaseUrlOf } from '../database/database-url.js';
import { UploadStorage } from '../upload/upload-storage.js';
import { DatabaseProbe } from './database-probe.js';

@Controller('api/health')
export class HealthController implements OnApplicationShutdown {
  private readonly startedAt = Date.now();
  private readonly logger = new Logger(HealthController.name);
  private readonly probe: DatabaseProbe;

  constructor(
    @InjectDataSource() db: DataSource,
    private readonly storage: UploadStorage,
  ) {
    // Anyone may ask, and the driver's words can name the database's address or user: those
    // go to the log only.
    this.probe = new DatabaseProbe(databaseUrlOf(db), (error) =>
      this.logger.warn(`health check: the database failed: ${String(error)}`),
    );
  }

  /**
   * 200 when the database answers within two seconds, else 503; for load balancers and people.
   * Low storage makes the status `degraded` but keeps 200: every instance shares the uploads
   * volume, so a load balancer that dropped one for it would drop them all, and sign-in,
   * listings, imports and uploads that still fit would stop too. Monitoring alerts on it.
   */
  @Get()
  @Public()
  async health(@Res({ passthrough: true }) response: Response) {
    const [database, storage] = await Promise.all([this.probe.check(), this.storage.health()]);
    const healthy = database.status === 'up';
    response.status(healthy ? 200 : 503);
    return {
      status: !healthy ? 'unavailable' : storage.status === 'ok' ? 'ok' : 'degraded',
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      database,
      storage,
    };
  }

  onApplicationShutdown(): void {
    this.probe.close();
  }
}

import { Controller, Get, Logger, Res } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import type { DataSource } from 'typeorm';
import { Public } from '../auth/decorators.js';
import { UploadStorage } from '../upload/upload-storage.js';

const DATABASE_TIMEOUT_MS = 2000;
const DATABASE_NO_ANSWER = 'no answer within 2 s';

@Controller('api/health')
export class HealthController {
  private readonly startedAt = Date.now();
  private readonly logger = new Logger(HealthController.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly storage: UploadStorage,
  ) {}

  /**
   * 200 when the database answers within two seconds, else 503; for load balancers and people.
   * Low storage makes the status `degraded` but keeps 200: every instance shares the uploads
   * volume, so a load balancer that dropped one for it would drop them all, and sign-in,
   * listings, imports and uploads that still fit would stop too. Monitoring alerts on it.
   */
  @Get()
  @Public()
  async health(@Res({ passthrough: true }) response: Response) {
    const started = performance.now();
    let database: { status: 'up' | 'down'; latencyMs?: number; error?: string };
    try {
      await Promise.race([
        this.db.query('SELECT 1'),
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error(DATABASE_NO_ANSWER)), DATABASE_TIMEOUT_MS).unref(),
        ),
      ]);
      database = { status: 'up', latencyMs: Math.round((performance.now() - started) * 10) / 10 };
    } catch (error) {
      // Anyone may ask, and the driver's words can name the database's address or user: those
      // go to the log only.
      this.logger.warn(`health check: the database failed: ${String(error)}`);
      const timedOut = error instanceof Error && error.message === DATABASE_NO_ANSWER;
      database = { status: 'down', error: timedOut ? DATABASE_NO_ANSWER : 'the database refused the check' };
    }
    const healthy = database.status === 'up';
    const storage = await this.storage.health();
    response.status(healthy ? 200 : 503);
    return {
      status: !healthy ? 'unavailable' : storage.status === 'ok' ? 'ok' : 'degraded',
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      database,
      storage,
    };
  }
}

import { Controller, Get, type OnApplicationShutdown, Res } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import type { DataSource } from 'typeorm';
import { Public } from '../auth/decorators.js';
import { databaseUrlOf } from '../database/database-url.js';
import { DatabaseProbe } from './database-probe.js';

@Controller('api/health')
export class HealthController implements OnApplicationShutdown {
  private readonly startedAt = Date.now();
  private readonly probe: DatabaseProbe;

  constructor(@InjectDataSource() db: DataSource) {
    this.probe = new DatabaseProbe(databaseUrlOf(db));
  }

  /** 200 when the database answers within two seconds, else 503; for load balancers and people. */
  @Get()
  @Public()
  async health(@Res({ passthrough: true }) response: Response) {
    const database = await this.probe.check();
    const healthy = database.status === 'up';
    response.status(healthy ? 200 : 503);
    return {
      status: healthy ? 'ok' : 'unavailable',
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      database,
    };
  }

  onApplicationShutdown(): void {
    this.probe.close();
  }
}

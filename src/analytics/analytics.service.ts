import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager, Repository } from 'typeorm';
import { AnalyticsEvent } from './analytics-event.entity.js';

export type NewAnalyticsEvent = Partial<Omit<AnalyticsEvent, 'id' | 'occurredAt'>> & Pick<AnalyticsEvent, 'eventType'>;

@Injectable()
export class AnalyticsService {
  private readonly logger = new Logger(AnalyticsService.name);

  constructor(@InjectRepository(AnalyticsEvent) private readonly events: Repository<AnalyticsEvent>) {}

  /**
   * Records an event, inside the caller's transaction when one is given. Outside a transaction
   * a failure is logged and swallowed: losing a usage row must never fail an upload.
   */
  async record(event: NewAnalyticsEvent, manager?: EntityManager): Promise<void> {
    if (manager) {
      await manager.insert(AnalyticsEvent, event);
      return;
    }
    try {
      await this.events.insert(event);
    } catch (error) {
      this.logger.error(`could not record ${event.eventType}: ${String(error)}`);
    }
  }
}

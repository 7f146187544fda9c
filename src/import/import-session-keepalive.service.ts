import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Environment } from '../environment/environment.js';
import { OmeroGateway } from '../omero/omero-gateway.port.js';
import { ImportJobsService } from './import-jobs.service.js';

/** What a user whose queued imports lost their OMERO session reads on each of them. */
export const SESSION_ENDED_MESSAGE = 'Your OMERO session ended; sign in again and press Retry.';

/**
 * Pings in a row that must find a session gone before its queued imports fail: OMERO.web
 * answers a keep-alive the same way while the OMERO server behind it restarts, and a short
 * outage must not fail everyone's queue.
 */
const STRIKES = 2;

/**
 * Keeps the OMERO session of every user with QUEUED or RUNNING imports alive while they wait
 * (OMERO ends a session nobody joined for 10 minutes by default, and a queue can be longer than
 * that), by joining it every OMERO_KEEPALIVE_SECONDS through OMERO.web's keep-alive. A session
 * that is gone all the same (closed, OMERO restarted without it) cannot be revived: the user's
 * queued imports fail at once with SESSION_EXPIRED and a message saying what to do, instead of
 * waiting their turn to fail. Running imports are left alone (`omero import` keeps its session
 * alive itself).
 *
 * Runs on every instance, web and worker alike: a ping is one light request per user, and a
 * second instance pinging as well only joins the session once more.
 */
@Injectable()
export class ImportSessionKeepAlive implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ImportSessionKeepAlive.name);
  private timer?: NodeJS.Timeout;
  private round?: Promise<void>;
  /** Consecutive pings that found each user's session gone. */
  private readonly strikes = new Map<string, number>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(Environment) private readonly env: Environment,
    private readonly gateway: OmeroGateway,
    private readonly jobs: ImportJobsService,
  ) {}

  onApplicationBootstrap(): void {
    // Imports run on worker instances: web-only ones have no queue to keep sessions alive for.
    if (this.gateway.kind === 'sandbox' || this.env.APP_ROLE === 'web') return;
    this.timer = setInterval(() => {
      // A slow round (OMERO.web timing out) is never overlapped by the next one.
      this.round ??= this.pingAll().finally(() => (this.round = undefined));
    }, this.env.OMERO_KEEPALIVE_SECONDS * 1000).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.round;
  }

  /** One round: every user with imports waiting or running. */
  async pingAll(): Promise<void> {
    let owners: { id: string; username: string }[];
    try {
      owners = (await this.db.query(
        `SELECT u.id, u.username FROM users u
         WHERE EXISTS (SELECT 1 FROM import_jobs j WHERE j.owner_id = u.id AND j.status IN ('QUEUED', 'RUNNING'))`,
      )) as { id: string; username: string }[];
    } catch (error) {
      this.logger.warn(`could not list the users whose OMERO sessions to keep alive: ${String(error)}`);
      return;
    }
    const listed = new Set(owners.map((owner) => owner.id));
    for (const id of this.strikes.keys()) if (!listed.has(id)) this.strikes.delete(id);
    for (const owner of owners) {
      try {
        await this.ping(owner);
      } catch (error) {
        this.logger.warn(`could not keep the OMERO session of user ${owner.id} alive: ${String(error)}`);
      }
    }
  }

  private async ping(owner: { id: string; username: string }): Promise<void> {
    const state = await this.gateway.keepSessionAlive(owner);
    if (state !== 'ended') {
      // 'unknown' (OMERO unreachable) neither counts nor clears: the next answer decides.
      if (state === 'alive') this.strikes.delete(owner.id);
      return;
    }
    const strikes = (this.strikes.get(owner.id) ?? 0) + 1;
    this.strikes.set(owner.id, strikes);
    if (strikes < STRIKES) return;
    const failed = await this.jobs.failQueuedOf(owner.id, 'SESSION_EXPIRED', SESSION_ENDED_MESSAGE);
    if (failed.length > 0) {
      this.logger.warn(
        `the OMERO session of user ${owner.id} ended: ${failed.length} queued import(s) failed with SESSION_EXPIRED`,
      );
    }
  }
}

import { Logger } from '@nestjs/common';
import type { PgPubSub } from '../pubsub/pg-pubsub.js';

/** A missed notification (listener reconnecting) is corrected within this time. */
const REFRESH_MS = 60_000;

/**
 * A small piece of configuration read from the database and kept in memory, because a request
 * path reads it on every request. Every instance reloads it when any instance changes it
 * (`changed()`, through the PostgreSQL PubSub), and once a minute in case it missed that.
 */
export class SharedCache<T> {
  private readonly logger = new Logger(SharedCache.name);
  private cached?: T;
  private subscription?: number;
  private timer?: NodeJS.Timeout;
  private stopReconnect?: () => void;
  private loads = 0;
  private applied = 0;

  constructor(
    /** The PubSub trigger, and the name in log lines. */
    private readonly trigger: string,
    private readonly pubsub: PgPubSub,
    private readonly load: () => Promise<T>,
  ) {}

  async start(): Promise<void> {
    // Subscribed first, so that no change made during the first load goes unheard.
    this.subscription = await this.pubsub.subscribe(this.trigger, () => void this.reload());
    // Changes made while the listener was away (the database restarting) were not heard.
    this.stopReconnect = this.pubsub.onReconnect(() => void this.reload());
    await this.reload();
    this.timer = setInterval(() => void this.reload(), REFRESH_MS).unref();
  }

  stop(): void {
    if (this.subscription) this.pubsub.unsubscribe(this.subscription);
    clearInterval(this.timer);
    this.stopReconnect?.();
  }

  get value(): T {
    if (this.cached === undefined) throw new Error(`${this.trigger}: read before start()`);
    return this.cached;
  }

  /**
   * After a change was committed: reload here at once, then tell the other instances (and the
   * GraphQL subscriptions fed by the same event; `payload` says what changed).
   */
  async changed(payload: object = {}): Promise<void> {
    await this.reload();
    await this.pubsub.publish(this.trigger, payload);
  }

  private async reload(): Promise<void> {
    // Loads may overlap (a notification during the minute's reload): only a newer one may win.
    const load = ++this.loads;
    try {
      const value = await this.load();
      if (load > this.applied) {
        this.applied = load;
        this.cached = value;
      }
    } catch (error) {
      if (this.cached === undefined) throw error;
      this.logger.warn(`${this.trigger}: could not reload, keeping the last value: ${String(error)}`);
    }
  }
}

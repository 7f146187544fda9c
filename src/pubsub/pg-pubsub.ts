import { Logger } from '@nestjs/common';
import { PubSubEngine } from 'graphql-subscriptions';
import pg from 'pg';
import { connectTimeouts } from '../database/database-timeouts.js';

/** The one PostgreSQL channel every instance listens on; the trigger name travels in the payload. */
export const PUBSUB_CHANNEL = 'omero_uploader_events';

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7999;
/** The listener's reconnect backoff: the first delay, doubled after each failure up to the cap. */
const RECONNECT_BASE_MS = 100;
const RECONNECT_CAP_MS = 10_000;

/** What each notification carries. Database triggers publish too (import jobs): keep them in step. */
interface Envelope {
  trigger: string;
  payload: unknown;
}

/**
 * A graphql-subscriptions PubSub on PostgreSQL LISTEN/NOTIFY: an event published on any
 * instance reaches the subscribers of every instance sharing the database. Payloads must be
 * small (send ids and let subscribers reload rows). Events published while this instance is
 * reconnecting its listener are not replayed; subscribers that must not miss a state read it
 * from the database after (re)subscribing, or on `onReconnect`.
 */
export class PgPubSub extends PubSubEngine {
  private listener?: pg.Client;
  private readonly handlers = new Map<number, { trigger: string; onMessage: (payload: unknown) => void }>();
  private nextId = 1;
  private closed = false;
  private reconnectDelayMs = RECONNECT_BASE_MS;
  private reconnectTimer?: NodeJS.Timeout;
  private readonly reconnectListeners = new Set<() => void>();
  private connectedOnce = false;
  private readonly logger = new Logger(PgPubSub.name);

  constructor(
    private readonly url: string,
    private readonly notify: (sql: string, parameters: unknown[]) => Promise<unknown>,
    /** DATABASE_TIMEOUT_SECONDS: bounds connecting and the LISTEN command, never the wait for events. */
    private readonly timeoutSeconds = 10,
  ) {
    super();
  }

  /** Resolves once this instance is listening. */
  async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.url,
      application_name: 'omero-uploader-pubsub',
      ...connectTimeouts(this.timeoutSeconds),
      // Bounds LISTEN itself; the connection then waits idle for notifications, which no
      // statement timeout touches.
      query_timeout: this.timeoutSeconds * 1000,
    });
    client.on('notification', (message) => this.dispatch(message.payload));
    client.on('error', (error) => this.logger.warn(`listener connection failed: ${error.message}`));
    try {
      await client.connect();
      await client.query(`LISTEN ${PUBSUB_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    // Only the current listener schedules a reconnect when it ends, so attempts never multiply.
    client.on('end', () => {
      if (this.listener !== client) return;
      this.listener = undefined;
      this.reconnectLater();
    });
    this.listener = client;
    this.reconnectDelayMs = RECONNECT_BASE_MS;
    if (this.connectedOnce) {
      this.logger.log('listener reconnected');
      for (const listener of this.reconnectListeners) listener();
    }
    this.connectedOnce = true;
  }

  /**
   * Calls `listener` each time the listener connection is back after it was lost: events
   * published meanwhile were missed, so whoever caches state reloads it. Returns the way to stop.
   */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.handlers.clear();
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
  }

  async publish(trigger: string, payload: unknown): Promise<void> {
    const message = JSON.stringify({ trigger, payload } satisfies Envelope);
    if (Buffer.byteLength(message) > MAX_PAYLOAD_BYTES) {
      throw new Error(`The event "${trigger}" is over ${MAX_PAYLOAD_BYTES} bytes; publish ids, not rows.`);
    }
    await this.notify('SELECT pg_notify($1, $2)', [PUBSUB_CHANNEL, message]);
  }

  async subscribe(trigger: string, onMessage: (payload: unknown) => void): Promise<number> {
    const id = this.nextId++;
    this.handlers.set(id, { trigger, onMessage });
    return id;
  }

  unsubscribe(id: number): void {
    this.handlers.delete(id);
  }

  private dispatch(raw: string | undefined): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(raw ?? '') as Envelope;
    } catch {
      this.logger.warn(`ignored a malformed notification: ${raw?.slice(0, 200)}`);
      return;
    }
    for (const { trigger, onMessage } of this.handlers.values()) {
      if (trigger === envelope.trigger) onMessage(envelope.payload);
    }
  }

  /** One pending attempt at a time, with a doubling delay up to 10 s. */
  private reconnectLater(): void {
    if (this.closed || this.reconnectTimer) return;
    const delay = this.reconnectDelayMs;
    this.reconnectDelayMs = Math.min(delay * 2, RECONNECT_CAP_MS);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect().catch((error: unknown) => {
        this.logger.error(`listener could not reconnect, retrying: ${String(error)}`);
        this.reconnectLater();
      });
    }, delay).unref();
  }
}

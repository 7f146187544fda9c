import pg from 'pg';
import { closeSocket } from '../database/bounded-client.js';

/** How long health waits for the database, whatever DATABASE_TIMEOUT_SECONDS says. */
const PROBE_TIMEOUT_MS = 2000;

export type ProbeResult = { status: 'up'; latencyMs: number } | { status: 'down'; error: string };

/**
 * Health's own connection to the database, outside the app's pool: when hung queries hold
 * every pooled connection, a probe queued behind them would say nothing about the database.
 * One connection, kept between probes; concurrent probes share one round trip, so a flood of
 * health checks costs the database one query at a time.
 */
export class DatabaseProbe {
  private client?: pg.Client;
  private running?: Promise<ProbeResult>;

  constructor(
    private readonly url: string,
    private readonly onFailure: (error: unknown) => void = () => undefined,
  ) {}

  check(): Promise<ProbeResult> {
    this.running ??= this.probe().finally(() => (this.running = undefined));
    return this.running;
  }

  close(): void {
    this.discard();
  }

  private async probe(): Promise<ProbeResult> {
    const started = performance.now();
    try {
      await this.query();
      return { status: 'up', latencyMs: Math.round((performance.now() - started) * 10) / 10 };
    } catch (error) {
      this.onFailure(error);
      const timedOut = isTimeout(error);
      // The driver's message names the host and port; health is public.
      return {
        status: 'down',
        error: timedOut
          ? `The database did not answer within ${PROBE_TIMEOUT_MS / 1000} s.`
          : 'The database refused or dropped the connection.',
      };
    }
  }

  /**
   * SELECT 1, on the kept connection or a new one. A kept connection the server ended while it
   * sat idle (a restart, an administrator) fails at once without saying anything about the
   * database now: that failure gets one more try on a new connection. A connection that timed
   * out may still wait for its answer, so it is never reused, and a timeout is not tried again.
   */
  private async query(): Promise<void> {
    const reused = this.client !== undefined;
    try {
      this.client ??= await this.connect();
      await this.client.query('SELECT 1');
    } catch (error) {
      this.discard();
      if (!reused || isTimeout(error)) throw error;
      this.client = await this.connect();
      await this.client.query('SELECT 1').catch((retried: unknown) => {
        this.discard();
        throw retried;
      });
    }
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.url,
      application_name: 'omero-uploader-health',
      connectionTimeoutMillis: PROBE_TIMEOUT_MS,
      query_timeout: PROBE_TIMEOUT_MS,
    });
    client.on('error', () => this.discard(client));
    try {
      await client.connect();
    } catch (error) {
      destroy(client);
      throw error;
    }
    return client;
  }

  private discard(client = this.client): void {
    if (!client) return;
    if (client === this.client) this.client = undefined;
    destroy(client);
  }
}

const isTimeout = (error: unknown) => error instanceof Error && /timeout|timed out/i.test(error.message);

/** Ends a connection at once: a polite end() waits for a server that may be frozen. */
function destroy(client: pg.Client): void {
  client.on('error', () => undefined);
  closeSocket(client);
  void client.end().catch(() => undefined);
}

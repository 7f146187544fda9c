import pg from 'pg';

const QUERY_READ_TIMEOUT = 'Query read timeout';

/**
 * A node-postgres client that closes its connection when a query outlives `query_timeout`.
 * node-postgres only stops waiting then: the connection still waits for that answer, and each
 * later query on it queues behind. Returned to a pool, it would be handed out again and again
 * to a server that may never answer: a database host that restarted behind a lost network
 * sends nothing on the old connection until TCP gives up, some fifteen minutes later. Closed,
 * the pool discards it and opens a new one when the database is back.
 */
export class BoundedClient extends pg.Client {
  override query(...args: unknown[]): never {
    const last = args.at(-1);
    if (typeof last === 'function') {
      // The callback form (pg-pool's own pool.query).
      args[args.length - 1] = (error: Error | null, result: unknown) => {
        this.dropIfTimedOut(error);
        (last as (error: Error | null, result: unknown) => void)(error, result);
      };
    }
    const result = pg.Client.prototype.query.apply(this, args as never) as unknown;
    if (result instanceof Promise) result.catch((error: unknown) => this.dropIfTimedOut(error));
    return result as never;
  }

  private dropIfTimedOut(error: unknown): void {
    if (!(error instanceof Error) || error.message !== QUERY_READ_TIMEOUT) return;
    closeSocket(this);
  }
}

/**
 * Closes a client's socket at once, without the goodbye a polite end() waits to send to a
 * server that may be frozen. node-postgres has no public call for it: `connection.stream` is
 * its socket.
 */
export function closeSocket(client: pg.Client): void {
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

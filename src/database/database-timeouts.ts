/**
 * What every connection of the app to PostgreSQL may wait for, from DATABASE_TIMEOUT_SECONDS.
 * Without these a database that stops answering (frozen, unreachable) holds every request
 * forever: the TCP connection stays open and node-postgres waits as long as it does.
 */

import { BoundedClient } from './bounded-client.js';

/** Dead peers (a crashed host, a dropped network) are noticed by the kernel after this idle time. */
const KEEPALIVE_MS = 30_000;

/** For connections that only wait on purpose (LISTEN, advisory locks awaited for a whole import). */
export function connectTimeouts(timeoutSeconds: number) {
  return {
    connectionTimeoutMillis: timeoutSeconds * 1000,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_MS,
  };
}

/**
 * For connections whose every statement is short. `statement_timeout` makes PostgreSQL itself
 * cancel a statement that runs too long (a lock wait, a slow plan), which keeps the connection
 * usable; `query_timeout` is node-postgres giving up on its own, the only thing that fires
 * when the server is frozen and answers nothing at all; BoundedClient then drops the
 * connection, which still waits for that answer, so that a pool never hands it out again.
 */
export function statementTimeouts(timeoutSeconds: number) {
  return {
    ...connectTimeouts(timeoutSeconds),
    Client: BoundedClient,
    statement_timeout: timeoutSeconds * 1000,
    query_timeout: timeoutSeconds * 1000,
  };
}

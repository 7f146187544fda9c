/** What a person is told while the database cannot serve their request. */
export const DATABASE_UNAVAILABLE_MESSAGE = 'The database is not answering; try again in a minute.';

/**
 * SQLSTATEs that mean "the database cannot serve this now", not "this request is wrong":
 * connection exceptions (08), a server shutting down, crashed or starting (57P01-57P03), a
 * statement cancelled by statement_timeout (57014), too many connections (53300) and a lock
 * not granted in time (55P03).
 */
const UNAVAILABLE_STATES = /^(08...|57P0[1-3]|57014|53300|55P03)$/;

/** node-postgres and pg-pool errors of a connection that failed, ended or timed out. */
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect$/,
  /^Query read timeout$/,
  /^Client has encountered a connection error and is not queryable$/,
  /^Client was closed and is not queryable$/,
  /^the database system is (starting up|shutting down|in recovery mode)/,
];

const UNAVAILABLE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * Whether `error` (as thrown by node-postgres, pg-pool, pg-boss or TypeORM, which wraps the
 * driver's error in `driverError`) says the database is unreachable, down or too slow.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  const { code, message, driverError, cause } = error as {
    code?: unknown;
    message?: unknown;
    driverError?: unknown;
    cause?: unknown;
  };
  if (typeof code === 'string' && (UNAVAILABLE_STATES.test(code) || UNAVAILABLE_ERRNOS.has(code))) return true;
  if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message))) return true;
  return isDatabaseUnavailable(driverError, depth + 1) || isDatabaseUnavailable(cause, depth + 1);
}

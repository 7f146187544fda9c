import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppError, ErrorCode } from '../common/errors/app-error.js';
import { Environment } from '../environment/environment.js';

/**
 * Counts failed logins per username and per client address over a sliding window, in
 * PostgreSQL so that all instances share the count. Each attempt is recorded as a failure
 * before the password is checked, so a burst of simultaneous guesses is counted in full; a
 * success then removes its own record and the username's past failures (not the address's:
 * one address guessing many accounts stays limited).
 */
@Injectable()
export class LoginThrottleService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(Environment) private readonly env: Environment,
  ) {}

  /**
   * Records an attempt, then throws 429 with Retry-After if either key is over its limit.
   * Returns the attempt's record ids, for `succeeded`.
   */
  async begin(username: string, address: string): Promise<string[]> {
    const keys = [userKey(username), addressKey(address)];
    const window = this.env.LOGIN_WINDOW_MINUTES;
    const inserted = (await this.db.query(
      `WITH pruned AS (
         DELETE FROM login_failures WHERE id IN (
           SELECT id FROM login_failures WHERE failed_at <= now() - make_interval(mins => $3) LIMIT 100)
       )
       INSERT INTO login_failures (key) VALUES ($1), ($2) RETURNING id`,
      [...keys, window],
    )) as { id: string }[];
    const [row] = (await this.db.query(
      `SELECT
         count(*) FILTER (WHERE key = $1) AS user_attempts,
         count(*) FILTER (WHERE key = $2) AS address_attempts,
         min(failed_at) FILTER (WHERE key = $1) AS user_oldest,
         min(failed_at) FILTER (WHERE key = $2) AS address_oldest
       FROM login_failures
       WHERE key IN ($1, $2) AND failed_at > now() - make_interval(mins => $3)`,
      [...keys, window],
    )) as { user_attempts: string; address_attempts: string; user_oldest: Date; address_oldest: Date }[];

    // The counts include this attempt: the limit is how many failures may come before it.
    const limited =
      Number(row.user_attempts) > this.env.LOGIN_MAX_FAILURES_PER_USER
        ? row.user_oldest
        : Number(row.address_attempts) > this.env.LOGIN_MAX_FAILURES_PER_ADDRESS
          ? row.address_oldest
          : null;
    if (limited) {
      // Refused unjudged, so no failure: else retrying while locked out would extend the lockout.
      await this.abandoned(inserted.map(({ id }) => id));
      const retryAfter = Math.max(1, Math.ceil((limited.getTime() + window * 60_000 - Date.now()) / 1000));
      throw new AppError(
        ErrorCode.TOO_MANY_REQUESTS,
        `Too many failed sign-in attempts. Wait ${formatWait(retryAfter)} and try again, or ask an administrator to reset your password.`,
        { 'Retry-After': String(retryAfter) },
      );
    }
    return inserted.map(({ id }) => id);
  }

  /**
   * The attempt could not be judged (the identity source was unreachable): it is no failure,
   * or an outage would lock people out for a whole window after it ends.
   */
  async abandoned(attempt: string[]): Promise<void> {
    await this.db.query('DELETE FROM login_failures WHERE id = ANY($1::bigint[])', [attempt]);
  }

  /** The attempt was right: it is no failure, and neither are the username's earlier ones. */
  async succeeded(username: string, attempt: string[]): Promise<void> {
    await this.db.query('DELETE FROM login_failures WHERE id = ANY($1::bigint[]) OR key = $2', [
      attempt,
      userKey(username),
    ]);
  }
}

const userKey = (username: string) => `user:${username.toLowerCase().slice(0, 150)}`;
const addressKey = (address: string) => `address:${address}`;

function formatWait(seconds: number): string {
  if (seconds < 90) return `${seconds} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

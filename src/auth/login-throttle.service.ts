import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppError, ErrorCode } from '../common/errors/app-error.js';
import { Environment } from '../environment/environment.js';

/**
 * Counts failed logins per username and per client address over a sliding window, in
 * PostgreSQL so that all instances share the count. A success clears the username's count
 * (not the address's: one address guessing many accounts stays limited).
 */
@Injectable()
export class LoginThrottleService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(Environment) private readonly env: Environment,
  ) {}

  /** Throws 429 with Retry-After when either key has used up its failures. */
  async assertAllowed(username: string, address: string): Promise<void> {
    const [row] = (await this.db.query(
      `SELECT
         count(*) FILTER (WHERE key = $1) AS user_failures,
         count(*) FILTER (WHERE key = $2) AS address_failures,
         min(failed_at) FILTER (WHERE key = $1) AS user_oldest,
         min(failed_at) FILTER (WHERE key = $2) AS address_oldest
       FROM login_failures
       WHERE key IN ($1, $2) AND failed_at > now() - make_interval(mins => $3)`,
      [userKey(username), addressKey(address), this.env.LOGIN_WINDOW_MINUTES],
    )) as { user_failures: string; address_failures: string; user_oldest: Date | null; address_oldest: Date | null }[];

    const limited =
      Number(row.user_failures) >= this.env.LOGIN_MAX_FAILURES_PER_USER
        ? row.user_oldest
        : Number(row.address_failures) >= this.env.LOGIN_MAX_FAILURES_PER_ADDRESS
          ? row.address_oldest
          : null;
    if (!limited) return;
    const windowMs = this.env.LOGIN_WINDOW_MINUTES * 60_000;
    const retryAfter = Math.max(1, Math.ceil((limited.getTime() + windowMs - Date.now()) / 1000));
    throw new AppError(
      ErrorCode.TOO_MANY_REQUESTS,
      `Too many failed sign-in attempts. Wait ${formatWait(retryAfter)} and try again, or ask an administrator to reset your password.`,
      { 'Retry-After': String(retryAfter) },
    );
  }

  async recordFailure(username: string, address: string): Promise<void> {
    await this.db.query(
      `WITH pruned AS (
         DELETE FROM login_failures WHERE key IN ($1, $2) AND failed_at <= now() - make_interval(mins => $3)
       )
       INSERT INTO login_failures (key) VALUES ($1), ($2)`,
      [userKey(username), addressKey(address), this.env.LOGIN_WINDOW_MINUTES],
    );
  }

  async clearUser(username: string): Promise<void> {
    await this.db.query('DELETE FROM login_failures WHERE key = $1', [userKey(username)]);
  }
}

const userKey = (username: string) => `user:${username.toLowerCase().slice(0, 150)}`;
const addressKey = (address: string) => `address:${address}`;

function formatWait(seconds: number): string {
  if (seconds < 90) return `${seconds} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

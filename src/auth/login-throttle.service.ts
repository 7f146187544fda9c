import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppError, ErrorCode } from '../common/errors/app-error.js';
import { Environment } from '../environment/environment.js';

/** How many expired failure records each attempt deletes, so that no attempt pays for a backlog. */
const PRUNE_BATCH = 100;

/** Who is trying to sign in, as far as the throttle knows before the password is checked. */
export interface SignInAttempt {
  username: string;
  address: string;
  /** The nonce of a genuine device cookie for exactly this username (see device-cookies.ts). */
  device?: string;
}

/** An attempt under way: its failure records, and the device it came from if known. */
export interface ThrottledAttempt {
  ids: string[];
  username: string;
  device?: string;
}

interface Limit {
  key: string;
  max: number;
  /** The end of the refusal, in the words of the 429's message. */
  advice: string;
}

/**
 * Counts failed logins over a sliding window, in PostgreSQL so that all instances share the
 * count, following OWASP's device-cookie scheme:
 *
 * - An attempt from a device that signed in as this username before (a genuine device cookie)
 *   is counted against that device only (LOGIN_MAX_FAILURES_PER_DEVICE). Exhausting it refuses
 *   that cookie, nobody else.
 * - Any other attempt is counted per username and per client address, as it always was
 *   (LOGIN_MAX_FAILURES_PER_USER, LOGIN_MAX_FAILURES_PER_ADDRESS). Guessing from anywhere stays
 *   that slow; it only no longer locks out the owner's own browsers.
 *
 * Each attempt is recorded as a failure before the password is checked, so a burst of
 * simultaneous guesses is counted in full; a success then removes its own records and the
 * earlier failures of what it was counted against (not the address's: one address guessing many
 * accounts stays limited).
 */
@Injectable()
export class LoginThrottleService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(Environment) private readonly env: Environment,
  ) {}

  /** Records the attempt, then throws 429 with Retry-After if any of its keys is over its limit. */
  async begin(attempt: SignInAttempt): Promise<ThrottledAttempt> {
    const limits = this.limitsOf(attempt);
    const keys = limits.map((limit) => limit.key);
    const window = this.env.LOGIN_WINDOW_MINUTES;
    const inserted = (await this.db.query(
      `WITH pruned AS (
         DELETE FROM login_failures WHERE id IN (
           SELECT id FROM login_failures WHERE failed_at <= now() - make_interval(mins => $2) LIMIT ${PRUNE_BATCH})
       )
       INSERT INTO login_failures (key) SELECT unnest($1::varchar[]) RETURNING id`,
      [keys, window],
    )) as { id: string }[];
    const throttled: ThrottledAttempt = { ids: inserted.map(({ id }) => id), ...attempt };
    const counts = (await this.db.query(
      `SELECT key, count(*)::int AS attempts, min(failed_at) AS oldest
       FROM login_failures
       WHERE key = ANY($1::varchar[]) AND failed_at > now() - make_interval(mins => $2)
       GROUP BY key`,
      [keys, window],
    )) as { key: string; attempts: number; oldest: Date }[];

    // The counts include this attempt: the limit is how many failures may come before it.
    for (const limit of limits) {
      const count = counts.find((row) => row.key === limit.key);
      if (!count || count.attempts <= limit.max) continue;
      // Refused unjudged, so no failure: else retrying while locked out would extend the lockout.
      await this.abandoned(throttled);
      const retryAfter = Math.max(1, Math.ceil((count.oldest.getTime() + window * 60_000 - Date.now()) / 1000));
      throw new AppError(
        ErrorCode.TOO_MANY_REQUESTS,
        `Too many failed sign-in attempts${attempt.device ? ' from this browser' : ''}. Wait ${formatWait(retryAfter)} and try again${limit.advice}.`,
        { 'Retry-After': String(retryAfter) },
      );
    }
    return throttled;
  }

  /**
   * The attempt could not be judged (the identity source was unreachable): it is no failure,
   * or an outage would lock people out for a whole window after it ends.
   */
  async abandoned(attempt: ThrottledAttempt): Promise<void> {
    await this.db.query('DELETE FROM login_failures WHERE id = ANY($1::bigint[])', [attempt.ids]);
  }

  /**
   * The attempt was right: it is no failure, and neither are the earlier ones of the device or
   * username it was counted against. A success from the owner's device leaves the username's
   * count alone, or each of their sign-ins would give an attacker elsewhere a fresh budget.
   */
  async succeeded(attempt: ThrottledAttempt): Promise<void> {
    await this.db.query('DELETE FROM login_failures WHERE id = ANY($1::bigint[]) OR key = $2', [
      attempt.ids,
      attempt.device ? deviceKey(attempt.device) : userKey(attempt.username),
    ]);
  }

  private limitsOf({ username, address, device }: SignInAttempt): Limit[] {
    if (device) return [{ key: deviceKey(device), max: this.env.LOGIN_MAX_FAILURES_PER_DEVICE, advice: '' }];
    const reset = ', or ask an administrator to reset your password';
    return [
      { key: userKey(username), max: this.env.LOGIN_MAX_FAILURES_PER_USER, advice: reset },
      { key: addressKey(address), max: this.env.LOGIN_MAX_FAILURES_PER_ADDRESS, advice: reset },
    ];
  }
}

/**
 * Per username regardless of case: with the app's own accounts "Admin" is "admin", and with
 * OMERO's, where they are two people, sharing one count only makes guessing slower.
 */
const userKey = (username: string) => `user:${username.toLowerCase().slice(0, 150)}`;
const addressKey = (address: string) => `address:${address}`;
const deviceKey = (device: string) => `device:${device}`;

function formatWait(seconds: number): string {
  if (seconds < 90) return `${seconds} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

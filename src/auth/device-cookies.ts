import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CookieOptions, Request } from 'express';

/** The cookie's name, and the one path it is sent to (the sign-in route's folder). */
export const DEVICE_COOKIE = 'omu_device';
const DEVICE_COOKIE_PATH = '/api/auth';

const VERSION = 'd1';
/** Longer values are not ours: nothing longer is worth an HMAC. */
const MAX_LENGTH = 512;

/**
 * Device cookies, as OWASP's "Slow Down Online Guessing Attacks with Device Cookies" describes
 * them: a successful sign-in leaves the browser a cookie naming the username it signed in with,
 * a random nonce and a signature. A later attempt for that same username presenting it comes
 * from a device that has known the password before, so its failures are counted against that
 * device alone; failures from anywhere else cannot then lock the owner out of it.
 *
 * The signature is an HMAC under a key derived from the JWT secret, which every instance shares:
 * a new secret voids every device cookie, as it voids every access token.
 */
export class DeviceCookies {
  private readonly key: Buffer;

  constructor(
    secret: string,
    private readonly lifetimeDays: number,
  ) {
    this.key = Buffer.from(hkdfSync('sha256', secret, '', 'omero-uploader: device cookies', 32));
  }

  /** A new cookie for a browser that has just signed in as `username` (exactly as typed). */
  issue(username: string): string {
    const issuedAt = Math.floor(Date.now() / 1000);
    const nonce = randomBytes(16).toString('base64url');
    const payload = [VERSION, Buffer.from(username, 'utf8').toString('base64url'), issuedAt, nonce].join('.');
    return `${payload}.${this.sign(payload)}`;
  }

  /**
   * The nonce of the request's device cookie when one is genuine, unexpired and issued for
   * exactly this username; otherwise undefined, and the attempt counts as from an unknown
   * device. Exactly: OMERO's "Alice" and "alice" are two people, and a cookie one of them earned
   * must not give the other a budget of guesses of its own.
   */
  deviceOf(request: Request, username: string): string | undefined {
    for (const value of cookieValues(request.headers.cookie, DEVICE_COOKIE)) {
      const nonce = this.verify(value, username);
      if (nonce) return nonce;
    }
    return undefined;
  }

  /** How the browser is to keep it: out of scripts' reach, sent only to sign-in, never cross-site. */
  options(request: Request): CookieOptions {
    return {
      httpOnly: true,
      sameSite: 'strict',
      path: DEVICE_COOKIE_PATH,
      // Behind TLS (directly, or a proxy trusted through TRUST_PROXY) never over plain HTTP.
      secure: request.secure,
      maxAge: this.lifetimeDays * 86_400_000,
    };
  }

  private verify(value: string, username: string): string | undefined {
    if (value.length > MAX_LENGTH) return undefined;
    const parts = value.split('.');
    if (parts.length !== 5 || parts[0] !== VERSION) return undefined;
    const [, encodedName, issuedAt, nonce, signature] = parts;
    const expected = Buffer.from(this.sign(parts.slice(0, 4).join('.')));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    if (Buffer.from(encodedName, 'base64url').toString('utf8') !== username) return undefined;
    const ageSeconds = Date.now() / 1000 - Number(issuedAt);
    if (!(ageSeconds < this.lifetimeDays * 86_400)) return undefined;
    return nonce;
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}

/** Every value the Cookie header gives `name` (a browser may send several, for other paths). */
function cookieValues(header: string | undefined, name: string): string[] {
  const values: string[] = [];
  for (const part of (header ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) values.push(part.slice(separator + 1).trim());
  }
  return values;
}

import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** Links are made per period, so a page reading them again within one gets the same URL (and the browser's cached picture). */
const PERIOD_SECONDS = 3600;
const VERSION = 't1';

/** The default size of a thumbnail, OMERO's own, and the bounds a request may ask for. */
export const THUMBNAIL_SIZE = { default: 96, min: 16, max: 512 };

/**
 * Signed thumbnail links. A page shows thumbnails with `<img src>`, which cannot send the
 * bearer token, and putting the token itself in a URL would hand a long-lived credential to
 * browser history and logs. So GraphQL answers each signed-in caller a link naming them and
 * the image, valid one to two hours, signed with an HMAC under a key derived from the JWT
 * secret (every instance shares it; a new secret voids every link). The link grants what its
 * user may see, no more: the image is still checked against their rights when it is fetched.
 */
export class ThumbnailLinks {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, '', 'omero-uploader: thumbnail links', 32));
  }

  /** A path relative to the app's address; `size` may be changed by the page within bounds. */
  url(userId: string, imageId: string, size: number, now = Date.now()): string {
    const expires = (Math.floor(now / 1000 / PERIOD_SECONDS) + 2) * PERIOD_SECONDS;
    const query = new URLSearchParams({
      size: String(size),
      user: userId,
      expires: String(expires),
      signature: this.sign(userId, imageId, expires),
    });
    return `/api/images/${encodeURIComponent(imageId)}/thumbnail?${query}`;
  }

  /** The user a link was made for, or undefined when it is forged, altered or expired. */
  userOf(imageId: string, query: { user?: unknown; expires?: unknown; signature?: unknown }): string | undefined {
    const { user, expires, signature } = query;
    if (typeof user !== 'string' || typeof expires !== 'string' || typeof signature !== 'string') return undefined;
    if (user.length > 64 || !/^\d{1,12}$/.test(expires) || signature.length > 64) return undefined;
    const expected = Buffer.from(this.sign(user, imageId, Number(expires)));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    return Number(expires) * 1000 > Date.now() ? user : undefined;
  }

  private sign(userId: string, imageId: string, expires: number): string {
    return createHmac('sha256', this.key).update([VERSION, userId, imageId, expires].join('|')).digest('base64url');
  }
}

import { OmeroSessionExpiredError, OmeroUnavailableError } from '../omero-gateway.port.js';

/**
 * A small client for the OMERO.web JSON API (`/api/v0/`), the part of OMERO that answers
 * "which groups, projects, datasets and screens may this user see, and may they link to them".
 * OMERO.web keeps its state in a Django session, so every call carries that user's cookies;
 * the client updates them from each reply and never shares them between users.
 */

/** The OMERO.web cookies of one signed-in user: plain data, so a store can persist them. */
export interface OmeroWebSession {
  cookies: Record<string, string>;
}

/** What OMERO.web's login returns about the new session (omero.sys.EventContext). */
export interface OmeroEventContext {
  /** An OMERO session key, usable with `omero import -k`. */
  sessionUuid: string;
  userId: number;
  userName: string;
  groupId: number;
  groupName: string;
  isAdmin: boolean;
  memberOfGroups: number[];
  leaderOfGroups: number[];
}

export interface OmeroWebServer {
  id: number;
  host: string;
  port: number;
  server?: string;
}

/** The fields of an omero-marshal object that this service reads. */
export interface OmeroObject {
  '@id': number;
  '@type'?: string;
  Name?: string;
  'omero:details'?: {
    owner?: { '@id': number };
    group?: { '@id': number; Name?: string };
    permissions?: { canLink?: boolean; canEdit?: boolean; canAnnotate?: boolean; canDelete?: boolean };
  };
}

/**
 * OMERO.web no longer knows this user's session (it expired, was closed, or OMERO restarted).
 * Distinct from OmeroUnavailableError: the cure is to sign in again, not to wait.
 */
export class SessionExpiredError extends OmeroSessionExpiredError {
  constructor(message?: string) {
    super(message);
    this.name = 'SessionExpiredError';
  }
}

/** OMERO.web's default and ceiling for `limit` (omero.web.api.max_limit). */
const MAX_PAGE = 500;

interface Page {
  meta?: { offset?: number; limit?: number; maxLimit?: number; totalCount?: number };
  data?: OmeroObject[];
}

export interface OmeroWebClientOptions {
  /** Where OMERO.web is served, e.g. https://omero.example.org (a path prefix is kept). */
  baseUrl: string;
  /** Per request; OMERO.web answers list calls in well under a second when healthy. */
  timeoutMs: number;
}

export class OmeroWebClient {
  private readonly base: string;

  constructor(private readonly options: OmeroWebClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
  }

  newSession(): OmeroWebSession {
    return { cookies: {} };
  }

  /** Fetches a CSRF token; OMERO.web also sets it as the `csrftoken` cookie, kept in `session`. */
  async fetchCsrfToken(session: OmeroWebSession): Promise<string> {
    const body = await this.json<{ data?: unknown }>(await this.request(session, 'GET', '/api/v0/token/'));
    if (typeof body.data !== 'string') throw this.unexpected('/api/v0/token/', 'no token in the reply');
    return body.data;
  }

  async listServers(session: OmeroWebSession): Promise<OmeroWebServer[]> {
    const body = await this.json<{ data?: OmeroWebServer[] }>(await this.request(session, 'GET', '/api/v0/servers/'));
    return body.data ?? [];
  }

  /**
   * Logs in with the CSRF token already in `session` (see fetchCsrfToken). Resolves with the
   * event context, or null when OMERO says the credentials are wrong.
   */
  async login(
    session: OmeroWebSession,
    credentials: { username: string; password: string; serverId: number },
  ): Promise<OmeroEventContext | null> {
    const form = new URLSearchParams({
      username: credentials.username,
      password: credentials.password,
      server: String(credentials.serverId),
    });
    const response = await this.request(session, 'POST', '/api/v0/login/', {
      body: form,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-csrftoken': session.cookies.csrftoken ?? '',
        // Django checks the Referer of HTTPS POSTs against the host, as browsers send it.
        referer: `${this.base}/api/v0/login/`,
      },
    });
    if (response.status === 403) return this.loginRefused(response);
    const body = await this.json<{ success?: boolean; eventContext?: OmeroEventContext }>(response);
    if (!body.success || !body.eventContext) throw this.unexpected('/api/v0/login/', 'no event context in the reply');
    return body.eventContext;
  }

  /** Every object of a `/api/v0/m/...` listing, following OMERO.web's paging to the end. */
  async listAll(session: OmeroWebSession, path: string, query: Record<string, string> = {}): Promise<OmeroObject[]> {
    const items: OmeroObject[] = [];
    let limit = MAX_PAGE;
    for (;;) {
      const search = new URLSearchParams({ ...query, offset: String(items.length), limit: String(limit) });
      const page = await this.json<Page>(await this.request(session, 'GET', `${path}?${search}`));
      const data = page.data ?? [];
      items.push(...data);
      const total = page.meta?.totalCount ?? items.length;
      if (data.length === 0 || items.length >= total) return items;
      limit = Math.min(page.meta?.maxLimit ?? MAX_PAGE, MAX_PAGE);
    }
  }

  /**
   * The webclient's keep-alive (`/webclient/keepalive_ping/`), which joins the OMERO session
   * and so resets its idle clock. It answers 200 either way: "OK" while the session lives,
   * "Connection Failed" (or a redirect to the login page) once it is gone.
   */
  async keepalivePing(session: OmeroWebSession): Promise<boolean> {
    const response = await this.request(session, 'GET', '/webclient/keepalive_ping/');
    const body = (await response.text()).trim();
    if (response.status === 200 && body === 'OK') return true;
    if (response.status === 200 || (response.status >= 300 && response.status < 400) || response.status === 403) {
      return false;
    }
    throw this.unexpected('/webclient/keepalive_ping/', `HTTP ${response.status}`);
  }

  /**
   * The webgateway's thumbnail of an image (its current rendering settings, `size` pixels on
   * the longer side), or null when OMERO answers 404: the image does not exist or this user
   * may not see it. Without a session OMERO.web sends the login page instead.
   */
  async renderThumbnail(
    session: OmeroWebSession,
    imageId: string,
    size: number,
  ): Promise<{ contentType: string; body: ReadableStream<Uint8Array> } | null> {
    const path = `/webgateway/render_thumbnail/${encodeURIComponent(imageId)}/${size}/`;
    const response = await this.request(session, 'GET', path, { headers: { accept: 'image/jpeg, image/png' } });
    await this.checkSignedIn(response);
    if (response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    const contentType = response.headers.get('content-type') ?? '';
    if (response.status !== 200 || !/^image\/(jpeg|png)\b/.test(contentType) || !response.body) {
      await response.body?.cancel();
      throw this.unexpected(path, `HTTP ${response.status}, ${contentType || 'no content type'}`);
    }
    return { contentType: contentType.split(';')[0], body: response.body };
  }

  private async loginRefused(response: Response): Promise<null> {
    const body = await response.text();
    const message = parseMessage(body);
    if (message === null) {
      // Django's CSRF failure page is HTML, not the API's JSON.
      throw new OmeroUnavailableError(
        `OMERO.web at ${this.base} refused the sign-in request (CSRF verification failed). ` +
          'If OMERO.web is behind a proxy, check that the proxy passes cookies and the Referer header through.',
      );
    }
    if (/not responding|contact administrator/i.test(message)) {
      throw new OmeroUnavailableError(`OMERO.web at ${this.base} cannot reach the OMERO server: ${message}`);
    }
    return null;
  }

  private async request(
    session: OmeroWebSession,
    method: 'GET' | 'POST',
    path: string,
    init: { body?: URLSearchParams; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        body: init.body,
        headers: { accept: 'application/json', ...init.headers, ...cookieHeader(session) },
        // A redirect is how some OMERO.web setups send an expired session to the login page.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      throw this.unreachable(error);
    }
    storeCookies(session, response.headers.getSetCookie());
    if (path.startsWith('/api/v0/m/')) await this.checkSignedIn(response);
    if (response.status >= 500) {
      throw new OmeroUnavailableError(
        `OMERO.web at ${this.base} failed with HTTP ${response.status}; try again later, or ask an administrator to check its logs.`,
      );
    }
    return response;
  }

  private async checkSignedIn(response: Response): Promise<void> {
    const redirect = response.status >= 300 && response.status < 400;
    if (response.status === 403 || (redirect && /login/i.test(response.headers.get('location') ?? ''))) {
      await response.body?.cancel();
      throw new SessionExpiredError();
    }
  }

  private async json<T>(response: Response): Promise<T> {
    const path = new URL(response.url || this.base).pathname;
    const text = await response.text();
    const message = parseMessage(text);
    if (response.status === 404 && !message) {
      throw new OmeroUnavailableError(
        `No OMERO.web JSON API at ${this.base} (${path} answered 404); check OMERO_WEB_URL.`,
      );
    }
    if (!response.ok) throw this.unexpected(path, `HTTP ${response.status}${message ? `: ${message}` : ''}`);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw this.unexpected(path, 'the reply is not JSON');
    }
  }

  private unreachable(error: unknown): OmeroUnavailableError {
    const name = (error as Error)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      return new OmeroUnavailableError(
        `OMERO.web at ${this.base} did not answer within ${Math.round(this.options.timeoutMs / 1000)} s; try again later.`,
      );
    }
    const cause = (error as { cause?: { code?: string } })?.cause?.code ?? (error as Error)?.message;
    return new OmeroUnavailableError(
      `Cannot reach OMERO.web at ${this.base} (${cause}). Check that OMERO.web is running and that OMERO_WEB_URL is right.`,
    );
  }

  private unexpected(path: string, what: string): OmeroUnavailableError {
    return new OmeroUnavailableError(
      `OMERO.web at ${this.base} gave an unexpected answer to ${path} (${what}); check that OMERO_WEB_URL points at OMERO.web.`,
    );
  }
}

function cookieHeader(session: OmeroWebSession): Record<string, string> {
  const pairs = Object.entries(session.cookies).map(([name, value]) => `${name}=${value}`);
  return pairs.length > 0 ? { cookie: pairs.join('; ') } : {};
}

/** Keeps name=value of each Set-Cookie; an expired or emptied cookie is dropped, as a browser would. */
function storeCookies(session: OmeroWebSession, setCookies: string[]): void {
  for (const line of setCookies) {
    const [pair, ...attributes] = line.split(';');
    const separator = pair.indexOf('=');
    if (separator <= 0) continue;
    const name = pair.slice(0, separator).trim();
    const value = pair.slice(separator + 1).trim();
    const expired = attributes.some((attribute) => {
      const [key, raw = ''] = attribute.split('=').map((part) => part.trim());
      if (/^max-age$/i.test(key)) return Number(raw) <= 0;
      if (/^expires$/i.test(key)) return Date.parse(raw) <= Date.now();
      return false;
    });
    if (expired || value === '' || value === '""') delete session.cookies[name];
    else session.cookies[name] = value;
  }
}

function parseMessage(body: string): string | null {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    return typeof parsed.message === 'string' ? parsed.message : '';
  } catch {
    return null;
  }
}

import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { close, json, listen, parseCookies, readBody } from './fake-http.js';
import {
  byName,
  marshalContainer,
  marshalGroups,
  page,
  type ContainerType,
  type FakeContainer,
  type FakeUser,
  type RecordedImport,
  type RecordedRequest,
} from './fake-omero-model.js';
import { FakeOmeroServer } from './fake-omero-server.js';
import { FakeOmeroState, SYSTEM_GROUP, USER_GROUP } from './fake-omero-state.js';

export type { ContainerType, RecordedImport, RecordedRequest } from './fake-omero-model.js';

/**
 * A contract double of an OMERO server as this service sees it, faithful to docs/omero.md:
 *
 * - OMERO.web's JSON API on `url`: CSRF token and cookie required for login (Django's HTML 403
 *   without them), 403 `{"message"}` for wrong credentials, paging with `maxLimit` 500 and
 *   `totalCount`, canLink per user and container, and, for /m/ URLs without a live session,
 *   403 `{"message": "Not logged in"}` (what omeroweb.api.decorators.login_required answers).
 * - The OMERO server itself on `host`:`blitzPort`, which fake-omero-cli.mjs talks to in place of
 *   Ice: joining a session by key, sudo sessions, switching a session's group, importing. Both
 *   sides share one state, so a session key from the web login works for `omero import -k`,
 *   and expiring it (expireSessions) breaks both.
 *
 * Unreachable servers: stopOmeroServer() closes the OMERO server port (OMERO.web then answers
 * "Server is not responding"); close() closes both.
 *
 * Thumbnails (docs/omero.md, "Showing what was imported"): `GET /webgateway/render_thumbnail/
 * <imageId>/[<w>/[<h>/]]` answers a JPEG (96 px by default) for a signed-in user who may see
 * the image (a member of its group, or an administrator), 404 "Failed to render thumbnail" for
 * an image that is invisible or does not exist, and, like every webgateway view without a
 * session, a redirect to the webclient's login page.
 *
 * Idle timeout (docs/omero.md, "Sessions"): a session nobody joined for `idleTimeoutMs` (OMERO's
 * 10 minutes by default; short in tests) is gone. Every call that joins it resets its clock:
 * each authenticated OMERO.web request, `GET /webclient/keepalive_ping/` (200 "OK" while signed
 * in, 200 "Connection Failed" when not), and each join, group switch or import of the CLI.
 * An import in progress keeps its session alive itself, as `omero import` does.
 */

const CSRF_FAILURE = '<h1>Forbidden <span>(403)</span></h1><p>CSRF verification failed. Request aborted.</p>';

export class FakeOmeroWeb {
  readonly host = '127.0.0.1';
  /** Every JSON API request, in order. */
  readonly requests: RecordedRequest[] = [];
  /** Every import the OMERO server accepted. */
  get imports(): RecordedImport[] {
    return this.state.imports;
  }
  private readonly state: FakeOmeroState;
  private readonly server: FakeOmeroServer;
  /** Django session id (the sessionid cookie) to OMERO session key. */
  private readonly webSessions = new Map<string, string>();
  private readonly csrfTokens = new Set<string>();
  private omeroUp = true;
  private web!: Server;
  private blitz!: Server;
  private blitzPortNumber = 0;

  private constructor(
    private readonly maxLimit: number,
    idleTimeoutMs: number,
  ) {
    this.state = new FakeOmeroState(idleTimeoutMs);
    this.server = new FakeOmeroServer(this.state);
  }

  static async start(options: { maxLimit?: number; idleTimeoutMs?: number } = {}): Promise<FakeOmeroWeb> {
    const fake = new FakeOmeroWeb(options.maxLimit ?? 500, options.idleTimeoutMs ?? 600_000);
    fake.web = await listen((request, response) => fake.handleWeb(request, response));
    fake.blitz = await listen((request, response) => fake.server.handle(request, response));
    fake.blitzPortNumber = (fake.blitz.address() as AddressInfo).port;
    return fake;
  }

  get url(): string {
    return `http://${this.host}:${(this.web.address() as AddressInfo).port}`;
  }

  /** Kept after stopOmeroServer(): the port stays OMERO's, now refusing connections. */
  get blitzPort(): number {
    return this.blitzPortNumber;
  }

  /** The app's OMERO_* settings for this double, with `cliPath` as its `omero` (see fake-omero-cli-link.ts). */
  appEnv(cliPath: string): Record<string, string> {
    return {
      OMERO_WEB_URL: this.url,
      OMERO_HOST: this.host,
      OMERO_PORT: String(this.blitzPort),
      OMERO_CLI: cliPath,
      OMERO_TIMEOUT_SECONDS: '5',
    };
  }

  addGroup(name: string): number {
    const id = this.state.ids.group++;
    this.state.groups.set(id, name);
    return id;
  }

  /** Every user is also in OMERO's "user" group, and administrators in "system". */
  addUser(user: { name: string; password: string; groups: number[]; admin?: boolean }): number {
    const id = this.state.ids.user++;
    const builtIn = user.admin ? [SYSTEM_GROUP, USER_GROUP] : [USER_GROUP];
    this.state.users.set(id, {
      id,
      name: user.name,
      password: user.password,
      groupIds: [...user.groups, ...builtIn],
      admin: !!user.admin,
    });
    return id;
  }

  addProject(groupId: number, name: string, owner?: string): number {
    return this.addContainer('Project', groupId, name, owner, []);
  }

  addDataset(groupId: number, name: string, options: { projects?: number[]; owner?: string } = {}): number {
    return this.addContainer('Dataset', groupId, name, options.owner, options.projects ?? []);
  }

  addScreen(groupId: number, name: string, owner?: string): number {
    return this.addContainer('Screen', groupId, name, owner, []);
  }

  /** What OMERO says about linking for this user and container (default: true for members). */
  setCanLink(username: string, type: ContainerType, id: number, canLink: boolean): void {
    this.state.canLinkOverrides.set(`${this.state.userNamed(username)!.id}:${type}:${id}`, canLink);
  }

  /** An OMERO administrator renames the user: the same user (and id) under a new name. */
  renameUser(name: string, newName: string): void {
    this.state.userNamed(name)!.name = newName;
  }

  /** OMERO administrators are the members of its "system" group (isAdmin in the event context). */
  setAdmin(username: string, admin: boolean): void {
    const user = this.state.userNamed(username)!;
    user.admin = admin;
    const others = user.groupIds.filter((id) => id !== SYSTEM_GROUP && id !== USER_GROUP);
    user.groupIds = [...others, ...(admin ? [SYSTEM_GROUP] : []), USER_GROUP];
  }

  /** Someone deletes the image in OMERO: OMERO.web then answers 404 for its thumbnail. */
  deleteImage(imageId: number): void {
    this.state.images.delete(imageId);
  }

  /** The keys of every OMERO session the user has opened, so tests can look for leaks. */
  sessionKeysOf(username: string): string[] {
    const user = this.state.userNamed(username)!;
    return [...this.state.sessions.values()]
      .filter((session) => session.userId === user.id)
      .map((session) => session.uuid);
  }

  /** Ends every OMERO session of the user, as OMERO's idle timeout would. */
  expireSessions(username: string): void {
    const user = this.state.userNamed(username)!;
    for (const session of this.state.sessions.values()) if (session.userId === user.id) session.expired = true;
  }

  /**
   * Imports reaching the OMERO server from now on wait (as a long import would) until the
   * returned function is called.
   */
  holdImports(): () => void {
    let release!: () => void;
    this.state.importsHeld = new Promise((resolve) => (release = resolve));
    return () => {
      this.state.importsHeld = Promise.resolve();
      release();
    };
  }

  /** Whether the session is still there, without joining it (which would reset its idle clock). */
  isSessionLive(sessionKey: string): boolean {
    return this.state.isSessionLive(sessionKey);
  }

  /** The group a session currently works in. */
  sessionGroup(sessionKey: string): number | undefined {
    return this.state.sessions.get(sessionKey)?.groupId;
  }

  /** The OMERO server goes away; OMERO.web stays up. */
  async stopOmeroServer(): Promise<void> {
    this.omeroUp = false;
    await close(this.blitz);
  }

  async close(): Promise<void> {
    if (this.omeroUp) await this.stopOmeroServer();
    await close(this.web);
  }

  private addContainer(
    type: ContainerType,
    groupId: number,
    name: string,
    owner: string | undefined,
    projectIds: number[],
  ) {
    const id = this.state.ids[type]++;
    const ownerId = owner ? this.state.userNamed(owner)!.id : 0;
    this.state.containers.push({ id, type, name, groupId, ownerId, projectIds });
    return id;
  }

  // ---- OMERO.web ---------------------------------------------------------------------------

  private async handleWeb(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url!, 'http://fake');
    this.requests.push({ method: request.method!, path: url.pathname, query: Object.fromEntries(url.searchParams) });
    const cookies = parseCookies(request.headers.cookie);
    if (request.method === 'GET' && url.pathname === '/api/v0/token/') return this.token(cookies, response);
    if (request.method === 'GET' && url.pathname === '/api/v0/servers/') {
      return json(response, 200, { data: [{ id: 1, host: this.host, port: this.blitzPort, server: 'omero' }] });
    }
    if (request.method === 'POST' && url.pathname === '/api/v0/login/') return this.login(request, cookies, response);
    if (request.method === 'GET' && url.pathname === '/webclient/keepalive_ping/') {
      // The webclient's login_required(ignore_login_fail=True): 200 either way; read the body.
      const session = this.omeroUp ? this.state.liveSession(this.webSessions.get(cookies.sessionid ?? '')) : undefined;
      return response.writeHead(200, { 'content-type': 'text/plain' }).end(session ? 'OK' : 'Connection Failed');
    }
    const thumbnail = /^\/webgateway\/render_thumbnail\/(\d+)\/(?:(\d+)\/(?:(\d+)\/)?)?$/.exec(url.pathname);
    if (request.method === 'GET' && thumbnail) {
      const session = this.omeroUp ? this.state.liveSession(this.webSessions.get(cookies.sessionid ?? '')) : undefined;
      if (!session) {
        const next = encodeURIComponent(url.pathname);
        return response.writeHead(302, { location: `/webclient/login/?url=${next}` }).end();
      }
      return this.renderThumbnail(this.state.users.get(session.userId)!, thumbnail, response);
    }
    if (request.method === 'GET' && url.pathname.startsWith('/api/v0/m/')) {
      const session = this.omeroUp ? this.state.liveSession(this.webSessions.get(cookies.sessionid ?? '')) : undefined;
      if (!session) return json(response, 403, { message: 'Not logged in' });
      return this.list(this.state.users.get(session.userId)!, url, response);
    }
    response.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>');
  }

  private async renderThumbnail(user: FakeUser, match: RegExpExecArray, response: ServerResponse) {
    const image = this.state.images.get(Number(match[1]));
    if (!image || !(user.admin || user.groupIds.includes(image.groupId))) {
      return response.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Failed to render thumbnail</h1>');
    }
    const width = Number(match[2] ?? 96);
    const height = Number(match[3] ?? width);
    const jpeg = await sharp({
      create: { width, height, channels: 3, background: { r: 40, g: (Number(match[1]) * 37) % 256, b: 120 } },
    })
      .jpeg()
      .toBuffer();
    response.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': jpeg.length }).end(jpeg);
  }

  private token(cookies: Record<string, string>, response: ServerResponse) {
    const token =
      cookies.csrftoken && this.csrfTokens.has(cookies.csrftoken) ? cookies.csrftoken : randomBytes(32).toString('hex');
    this.csrfTokens.add(token);
    response.setHeader('set-cookie', `csrftoken=${token}; Path=/; SameSite=Lax`);
    json(response, 200, { data: token });
  }

  private async login(request: IncomingMessage, cookies: Record<string, string>, response: ServerResponse) {
    const form = new URLSearchParams(await readBody(request));
    const token = cookies.csrftoken;
    if (!token || !this.csrfTokens.has(token) || request.headers['x-csrftoken'] !== token) {
      return response.writeHead(403, { 'content-type': 'text/html' }).end(CSRF_FAILURE);
    }
    if (!this.omeroUp)
      return json(response, 403, { message: 'Server is not responding, please contact administrator.' });
    const user = this.state.userNamed(form.get('username') ?? '');
    if (form.get('server') !== '1' || !user || user.password !== form.get('password')) {
      return json(response, 403, { message: 'Connection not available, please check your user name and password.' });
    }
    const session = this.state.openSession(user, user.groupIds[0]);
    const webSession = randomBytes(16).toString('hex');
    this.webSessions.set(webSession, session.uuid);
    response.setHeader('set-cookie', `sessionid=${webSession}; HttpOnly; Path=/; SameSite=Lax`);
    json(response, 200, {
      success: true,
      eventContext: {
        sessionUuid: session.uuid,
        userId: user.id,
        userName: user.name,
        groupId: session.groupId,
        groupName: this.state.groups.get(session.groupId),
        isAdmin: user.admin,
        memberOfGroups: user.groupIds,
        leaderOfGroups: [],
      },
    });
  }

  private list(user: FakeUser, url: URL, response: ServerResponse) {
    const path = url.pathname.replace('/api/v0/m/', '');
    const group = Number(url.searchParams.get('group') ?? -1);
    const visible = (container: FakeContainer) =>
      (user.admin || user.groupIds.includes(container.groupId)) && (group === -1 || container.groupId === group);
    const ofType = (type: ContainerType) => this.state.containers.filter((c) => c.type === type && visible(c));
    let match: RegExpExecArray | null;
    let items: Record<string, unknown>[];
    if (['projects/', 'datasets/', 'screens/'].includes(path)) {
      const type = { 'projects/': 'Project', 'datasets/': 'Dataset', 'screens/': 'Screen' }[path] as ContainerType;
      items = byName(ofType(type)).map((container) => this.marshal(user, container));
    } else if ((match = /^projects\/(\d+)\/datasets\/$/.exec(path))) {
      const projectId = Number(match[1]);
      items = byName(ofType('Dataset').filter((dataset) => dataset.projectIds.includes(projectId))).map((dataset) =>
        this.marshal(user, dataset),
      );
    } else if ((match = /^experimenters\/(\d+)\/experimentergroups\/$/.exec(path))) {
      const member = this.state.users.get(Number(match[1]));
      if (!member || (member.id !== user.id && !user.admin)) return json(response, 200, page([], url, this.maxLimit));
      items = this.marshalGroups(member.groupIds);
    } else if (path === 'experimentergroups/') {
      items = this.marshalGroups(user.admin ? [...this.state.groups.keys()] : user.groupIds);
    } else {
      return json(response, 404, { message: `No such listing: ${url.pathname}` });
    }
    json(response, 200, page(items, url, this.maxLimit));
  }

  private marshal(user: FakeUser, container: FakeContainer) {
    const member = user.admin || user.groupIds.includes(container.groupId);
    const canLink = this.state.canLinkOverrides.get(`${user.id}:${container.type}:${container.id}`) ?? member;
    return marshalContainer(container, this.state.groups.get(container.groupId), { member, canLink });
  }

  private marshalGroups(ids: number[]) {
    return marshalGroups(ids.map((id) => ({ id, name: this.state.groups.get(id)! })));
  }
}

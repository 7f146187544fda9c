import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

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

export type ContainerType = 'Project' | 'Dataset' | 'Screen';

interface FakeUser {
  id: number;
  name: string;
  password: string;
  groupIds: number[];
  admin: boolean;
}

interface FakeContainer {
  id: number;
  type: ContainerType;
  name: string;
  groupId: number;
  ownerId: number;
  /** For datasets: the projects they are linked to. */
  projectIds: number[];
}

interface FakeSession {
  uuid: string;
  userId: number;
  groupId: number;
  expired: boolean;
  /** When a call last joined the session (Date.now()). */
  joinedAt: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
}

export interface RecordedImport {
  username: string;
  groupId: number;
  targetType: 'Dataset' | 'Screen';
  targetId: number;
  fileName: string;
  transfer: string;
  imageIds: number[];
  plateIds: number[];
}

const SCHEMA = 'http://www.openmicroscopy.org/Schemas/OME/2016-06';
const SYSTEM_GROUP = 0;
const USER_GROUP = 1;
const DEFAULT_LIMIT = 200;
const CSRF_FAILURE = '<h1>Forbidden <span>(403)</span></h1><p>CSRF verification failed. Request aborted.</p>';

export class FakeOmeroWeb {
  readonly host = '127.0.0.1';
  /** Every JSON API request, in order. */
  readonly requests: RecordedRequest[] = [];
  /** Every import the OMERO server accepted. */
  readonly imports: RecordedImport[] = [];
  private readonly groups = new Map<number, string>([
    [SYSTEM_GROUP, 'system'],
    [USER_GROUP, 'user'],
    [2, 'guest'],
  ]);
  private readonly users = new Map<number, FakeUser>();
  private readonly containers: FakeContainer[] = [];
  /** Every image imported: in the group of its target, owned by the importing user. */
  private readonly images = new Map<number, { groupId: number; ownerId: number }>();
  private readonly canLinkOverrides = new Map<string, boolean>();
  private readonly sessions = new Map<string, FakeSession>();
  /** Django session id (the sessionid cookie) to OMERO session key. */
  private readonly webSessions = new Map<string, string>();
  private readonly csrfTokens = new Set<string>();
  private readonly ids = { group: 3, user: 2, Project: 1, Dataset: 1, Screen: 1, fileset: 1, image: 101, plate: 1 };
  private omeroUp = true;
  private web!: Server;
  private blitz!: Server;
  private blitzPortNumber = 0;
  /** Imports wait for this before they create anything (see holdImports). */
  private importsHeld: Promise<void> = Promise.resolve();

  private constructor(
    private readonly maxLimit: number,
    private readonly idleTimeoutMs: number,
  ) {}

  static async start(options: { maxLimit?: number; idleTimeoutMs?: number } = {}): Promise<FakeOmeroWeb> {
    const fake = new FakeOmeroWeb(options.maxLimit ?? 500, options.idleTimeoutMs ?? 600_000);
    fake.web = await listen((request, response) => fake.handleWeb(request, response));
    fake.blitz = await listen((request, response) => fake.handleBlitz(request, response));
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
    const id = this.ids.group++;
    this.groups.set(id, name);
    return id;
  }

  /** Every user is also in OMERO's "user" group, and administrators in "system". */
  addUser(user: { name: string; password: string; groups: number[]; admin?: boolean }): number {
    const id = this.ids.user++;
    const builtIn = user.admin ? [SYSTEM_GROUP, USER_GROUP] : [USER_GROUP];
    this.users.set(id, {
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
    this.canLinkOverrides.set(`${this.userNamed(username)!.id}:${type}:${id}`, canLink);
  }

  /** An OMERO administrator renames the user: the same user (and id) under a new name. */
  renameUser(name: string, newName: string): void {
    this.userNamed(name)!.name = newName;
  }

  /** OMERO administrators are the members of its "system" group (isAdmin in the event context). */
  setAdmin(username: string, admin: boolean): void {
    const user = this.userNamed(username)!;
    user.admin = admin;
    const others = user.groupIds.filter((id) => id !== SYSTEM_GROUP && id !== USER_GROUP);
    user.groupIds = [...others, ...(admin ? [SYSTEM_GROUP] : []), USER_GROUP];
  }

  /** The keys of every OMERO session the user has opened, so tests can look for leaks. */
  sessionKeysOf(username: string): string[] {
    const user = this.userNamed(username)!;
    return [...this.sessions.values()].filter((session) => session.userId === user.id).map((session) => session.uuid);
  }

  /** Ends every OMERO session of the user, as OMERO's idle timeout would. */
  expireSessions(username: string): void {
    const user = this.userNamed(username)!;
    for (const session of this.sessions.values()) if (session.userId === user.id) session.expired = true;
  }

  /**
   * Imports reaching the OMERO server from now on wait (as a long import would) until the
   * returned function is called.
   */
  holdImports(): () => void {
    let release!: () => void;
    this.importsHeld = new Promise((resolve) => (release = resolve));
    return () => {
      this.importsHeld = Promise.resolve();
      release();
    };
  }

  /** Whether the session is still there, without joining it (which would reset its idle clock). */
  isSessionLive(sessionKey: string): boolean {
    const session = this.sessions.get(sessionKey);
    return !!session && !session.expired && Date.now() - session.joinedAt <= this.idleTimeoutMs;
  }

  /** The group a session currently works in. */
  sessionGroup(sessionKey: string): number | undefined {
    return this.sessions.get(sessionKey)?.groupId;
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
    const id = this.ids[type]++;
    const ownerId = owner ? this.userNamed(owner)!.id : 0;
    this.containers.push({ id, type, name, groupId, ownerId, projectIds });
    return id;
  }

  /** Exactly, case included: OMERO's default (omero.security.ignore_case=false) has "Alice" and "alice" as two users. */
  private userNamed(name: string): FakeUser | undefined {
    return [...this.users.values()].find((user) => user.name === name);
  }

  /** Joins the session, which resets its idle clock; undefined once it ended or timed out. */
  private liveSession(key: string | undefined): FakeSession | undefined {
    if (!key || !this.isSessionLive(key)) return undefined;
    const session = this.sessions.get(key)!;
    session.joinedAt = Date.now();
    return session;
  }

  private openSession(user: FakeUser, groupId: number): FakeSession {
    const session = { uuid: randomUUID(), userId: user.id, groupId, expired: false, joinedAt: Date.now() };
    this.sessions.set(session.uuid, session);
    return session;
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
      const session = this.omeroUp ? this.liveSession(this.webSessions.get(cookies.sessionid ?? '')) : undefined;
      return response.writeHead(200, { 'content-type': 'text/plain' }).end(session ? 'OK' : 'Connection Failed');
    }
    const thumbnail = /^\/webgateway\/render_thumbnail\/(\d+)\/(?:(\d+)\/(?:(\d+)\/)?)?$/.exec(url.pathname);
    if (request.method === 'GET' && thumbnail) {
      const session = this.omeroUp ? this.liveSession(this.webSessions.get(cookies.sessionid ?? '')) : undefined;
      if (!session) {
        const next = encodeURIComponent(url.pathname);
        return response.writeHead(302, { location: `/webclient/login/?url=${next}` }).end();
      }
      return this.renderThumbnail(this.users.get(session.userId)!, thumbnail, response);
    }
    if (request.method === 'GET' && url.pathname.startsWith('/api/v0/m/')) {
      const session = this.omeroUp ? this.liveSession(this.webSessions.get(cookies.sessionid ?? '')) : undefined;
      if (!session) return json(response, 403, { message: 'Not logged in' });
      return this.list(this.users.get(session.userId)!, url, response);
    }
    response.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>');
  }

  private async renderThumbnail(user: FakeUser, match: RegExpExecArray, response: ServerResponse) {
    const image = this.images.get(Number(match[1]));
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
    const user = this.userNamed(form.get('username') ?? '');
    if (form.get('server') !== '1' || !user || user.password !== form.get('password')) {
      return json(response, 403, { message: 'Connection not available, please check your user name and password.' });
    }
    const session = this.openSession(user, user.groupIds[0]);
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
        groupName: this.groups.get(session.groupId),
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
    const ofType = (type: ContainerType) => this.containers.filter((c) => c.type === type && visible(c));
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
      const member = this.users.get(Number(match[1]));
      if (!member || (member.id !== user.id && !user.admin)) return json(response, 200, page([], url, this.maxLimit));
      items = this.marshalGroups(member.groupIds);
    } else if (path === 'experimentergroups/') {
      items = this.marshalGroups(user.admin ? [...this.groups.keys()] : user.groupIds);
    } else {
      return json(response, 404, { message: `No such listing: ${url.pathname}` });
    }
    json(response, 200, page(items, url, this.maxLimit));
  }

  private marshal(user: FakeUser, container: FakeContainer) {
    const member = user.admin || user.groupIds.includes(container.groupId);
    const canLink = this.canLinkOverrides.get(`${user.id}:${container.type}:${container.id}`) ?? member;
    return {
      '@id': container.id,
      '@type': `${SCHEMA}#${container.type}`,
      Name: container.name,
      Description: '',
      'omero:details': {
        owner: { '@id': container.ownerId, '@type': `${SCHEMA}#Experimenter` },
        group: {
          '@id': container.groupId,
          '@type': `${SCHEMA}#ExperimenterGroup`,
          Name: this.groups.get(container.groupId),
        },
        permissions: { canLink, canEdit: canLink, canAnnotate: member, canDelete: false },
      },
    };
  }

  private marshalGroups(ids: number[]) {
    return ids
      .map((id) => ({ '@id': id, '@type': `${SCHEMA}#ExperimenterGroup`, Name: this.groups.get(id)! }))
      .sort((a, b) => a.Name.toLowerCase().localeCompare(b.Name.toLowerCase()) || a['@id'] - b['@id']);
  }

  // ---- The OMERO server, for fake-omero-cli.mjs --------------------------------------------

  private async handleBlitz(request: IncomingMessage, response: ServerResponse) {
    const body = JSON.parse((await readBody(request)) || '{}') as Record<string, string>;
    switch (request.url) {
      case '/session/join':
        return this.join(body, response);
      case '/session/create':
        return this.sudo(body, response);
      case '/session/group':
        return this.switchGroup(body, response);
      case '/import':
        return this.importFile(body, response);
      default:
        json(response, 404, { message: `unknown call ${request.url}` });
    }
  }

  private describe(session: FakeSession) {
    const user = this.users.get(session.userId)!;
    return {
      key: session.uuid,
      userName: user.name,
      groupId: session.groupId,
      groupName: this.groups.get(session.groupId),
    };
  }

  private join(body: Record<string, string>, response: ServerResponse) {
    const session = this.liveSession(body.key);
    if (!session) return json(response, 404, { message: 'no such session' });
    json(response, 200, this.describe(session));
  }

  private sudo(body: Record<string, string>, response: ServerResponse) {
    // A plain login (-u -w) names the user as its own "admin".
    const admin = this.userNamed(body.admin);
    if (!admin || admin.password !== body.password || (body.admin !== body.user && !admin.admin)) {
      return json(response, 403, { kind: 'password', message: `Password check failed for '${body.admin}'` });
    }
    const user = this.userNamed(body.user);
    if (!user) return json(response, 403, { kind: 'security', message: `No such user: ${body.user}` });
    const groupId = body.group ? this.groupId(body.group) : user.groupIds[0];
    if (groupId === undefined || !user.groupIds.includes(groupId)) {
      return json(response, 403, {
        kind: 'security',
        message: `User ${user.name} is not a member of group ${body.group}`,
      });
    }
    json(response, 200, this.describe(this.openSession(user, groupId)));
  }

  private switchGroup(body: Record<string, string>, response: ServerResponse) {
    const session = this.liveSession(body.key);
    if (!session) return json(response, 404, { message: 'no such session' });
    const before = this.describe(session);
    const groupId = this.groupId(body.group);
    if (groupId === undefined || !this.users.get(session.userId)!.groupIds.includes(groupId)) {
      return json(response, 403, { message: `Cannot switch to group ${body.group}: not a member` });
    }
    session.groupId = groupId;
    json(response, 200, { before, after: this.describe(session) });
  }

  private async importFile(body: Record<string, string>, response: ServerResponse) {
    const session = this.liveSession(body.key);
    if (!session) return json(response, 404, { kind: 'session', message: 'no such session' });
    const user = this.users.get(session.userId)!;
    const type = body.targetType as 'Dataset' | 'Screen';
    const target = this.containers.find((c) => c.type === type && c.id === Number(body.targetId));
    const ref = `ome.model.containers.${type}`;
    if (!target) {
      return json(response, 404, { message: `No row with the given identifier exists: [${ref}#${body.targetId}]` });
    }
    if (target.groupId !== session.groupId)
      return json(response, 403, { message: `Cannot read ${ref}:Id_${target.id}` });
    const canLink =
      this.canLinkOverrides.get(`${user.id}:${type}:${target.id}`) ?? user.groupIds.includes(target.groupId);
    if (!canLink) return json(response, 403, { message: `Cannot link to ${ref}:Id_${target.id}: not permitted` });
    await this.importsHeld;
    const imageIds = type === 'Screen' ? [this.ids.image++, this.ids.image++] : [this.ids.image++];
    const plateIds = type === 'Screen' ? [this.ids.plate++] : [];
    const filesetId = this.ids.fileset++;
    for (const id of imageIds) this.images.set(id, { groupId: target.groupId, ownerId: user.id });
    this.imports.push({
      username: user.name,
      groupId: session.groupId,
      targetType: type,
      targetId: target.id,
      fileName: body.fileName,
      transfer: body.transfer,
      imageIds,
      plateIds,
    });
    json(response, 200, { filesetId, imageIds, plateIds });
  }

  private groupId(nameOrId: string): number | undefined {
    if (/^\d+$/.test(nameOrId)) return this.groups.has(Number(nameOrId)) ? Number(nameOrId) : undefined;
    return [...this.groups.entries()].find(([, name]) => name === nameOrId)?.[0];
  }
}

/** One page of a listing, as omeroweb.api.api_query.query_objects builds it. */
function page(items: Record<string, unknown>[], url: URL, maxLimit: number) {
  const offset = Math.max(0, Number(url.searchParams.get('offset') ?? 0) || 0);
  const asked = Number(url.searchParams.get('limit') ?? DEFAULT_LIMIT);
  const limit = Math.min(asked >= 0 ? asked : DEFAULT_LIMIT, maxLimit);
  return { data: items.slice(offset, offset + limit), meta: { offset, limit, maxLimit, totalCount: items.length } };
}

function byName(containers: FakeContainer[]): FakeContainer[] {
  return [...containers].sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()) || a.id - b.id);
}

function json(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0) cookies[part.slice(0, separator).trim()] = part.slice(separator + 1).trim();
  }
  return cookies;
}

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of request) body += chunk;
  return body;
}

function listen(handler: (request: IncomingMessage, response: ServerResponse) => unknown): Promise<Server> {
  const server = createServer((request, response) => {
    Promise.resolve(handler(request, response)).catch((error: unknown) => {
      if (!response.headersSent) json(response, 500, { message: String(error) });
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

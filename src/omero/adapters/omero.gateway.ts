import type { LoggerService } from '@nestjs/common';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import {
  OmeroGateway,
  OmeroImportError,
  OmeroUnavailableError,
  type ImportRequest,
  type ImportResult,
  type ImportTarget,
  type ImportTargetType,
  type OmeroGroup,
  type OmeroSignIn,
  type OmeroUser,
  type SessionState,
  type Thumbnail,
} from '../omero-gateway.port.js';
import type { SessionLock } from '../sessions/session-lock.js';
import { OmeroCliImporter, SUDO_REFUSED, type CliLogin } from './omero-cli.importer.js';
import {
  OmeroWebClient,
  SessionExpiredError,
  type OmeroObject,
  type OmeroWebServer,
  type OmeroWebSession,
} from './omero-web.client.js';

/**
 * The real OMERO behind the port: OMERO.web's JSON API for sign-in, groups and targets (it
 * knows each user's canLink), and the command-line importer for imports.
 *
 * Sessions: signing in creates an OMERO.web session whose cookies are kept in an
 * OmeroWebSessionStore under the OMERO session key that signIn returns; later calls find them
 * through OmeroUser.sessionKey. When OMERO.web has forgotten the session, the list calls throw
 * SessionExpiredError and the user must sign in again.
 *
 * Imports: in 'session' mode the importer joins the user's own session (`-k`); in 'sudo' mode
 * it signs in as the user through an administrator (`--sudo`), which needs no live user
 * session and so suits queued imports.
 */

export interface OmeroServerOptions {
  /** OMERO.web, e.g. https://omero.example.org */
  webUrl: string;
  /** The OMERO server the importer connects to. */
  host: string;
  port: number;
  cliPath: string;
  importMode: 'session' | 'sudo';
  sudoUser?: string;
  sudoPassword?: string;
  /** Per JSON API request. */
  requestTimeoutMs: number;
  /** Defaults to an in-memory store. */
  sessions?: OmeroWebSessionStore;
  /** Time a stopped importer gets between SIGTERM and SIGKILL (default 10 s). */
  killGraceMs?: number;
  logger?: Pick<LoggerService, 'log' | 'warn' | 'debug'>;
  /** Imports of one session, one at a time on every instance (session mode); see SessionLock. */
  sessionLock?: SessionLock;
}

/** A user's OMERO.web session: its cookies, and whose they are. */
export interface StoredOmeroWebSession {
  username: string;
  userId: number;
  cookies: Record<string, string>;
}

/**
 * Where OMERO.web sessions are kept, by OMERO session key. The key rather than the app's user
 * id, because signIn, the one moment the cookies come into being, is not told the app's user
 * id; the key is what the port hands back on every later call (OmeroUser.sessionKey).
 * A database-backed implementation would let sessions survive restarts and be shared by
 * several instances; store the cookies encrypted, they are credentials.
 */
export interface OmeroWebSessionStore {
  get(sessionKey: string): Promise<StoredOmeroWebSession | undefined>;
  set(sessionKey: string, session: StoredOmeroWebSession): Promise<void>;
  delete(sessionKey: string): Promise<void>;
}

/** Sessions in this process's memory: a restart signs everyone out of OMERO. */
export class InMemoryOmeroWebSessionStore implements OmeroWebSessionStore {
  private readonly sessions = new Map<string, StoredOmeroWebSession>();

  /** Beyond `capacity`, the least recently stored sessions are forgotten. */
  constructor(private readonly capacity = 10_000) {}

  async get(sessionKey: string) {
    return this.sessions.get(sessionKey);
  }

  async set(sessionKey: string, session: StoredOmeroWebSession) {
    this.sessions.delete(sessionKey);
    this.sessions.set(sessionKey, session);
    while (this.sessions.size > this.capacity) this.sessions.delete(this.sessions.keys().next().value!);
  }

  async delete(sessionKey: string) {
    this.sessions.delete(sessionKey);
  }
}

/** OMERO's built-in groups: every user is in "user", admins in "system"; nobody imports there. */
const SYSTEM_GROUPS = new Set(['system', 'user', 'guest']);
/** How long a group's name is trusted before it is looked up again (groups can be renamed). */
const GROUP_NAME_TTL_MS = 10 * 60_000;
/** Parallel requests when listing the datasets of each project. */
const PROJECT_CONCURRENCY = 4;

export class OmeroServerGateway extends OmeroGateway {
  readonly kind = 'omero' as const;
  private readonly web: OmeroWebClient;
  private readonly importer: OmeroCliImporter;
  private readonly sessions: OmeroWebSessionStore;
  private serverId: number | undefined;
  private readonly groupNames = new Map<string, { name: string; at: number }>();
  /** The import administrator's OMERO.web session, for group names in sudo mode. */
  private adminSession: OmeroWebSession | null = null;

  constructor(private readonly options: OmeroServerOptions) {
    super();
    this.web = new OmeroWebClient({ baseUrl: options.webUrl, timeoutMs: options.requestTimeoutMs });
    this.importer = new OmeroCliImporter({
      cliPath: options.cliPath,
      host: options.host,
      port: options.port,
      killGraceMs: options.killGraceMs,
      logger: options.logger,
      sessionLock: options.sessionLock,
    });
    this.sessions = options.sessions ?? new InMemoryOmeroWebSessionStore();
  }

  async signIn(username: string, password: string): Promise<OmeroSignIn | null> {
    const session = this.web.newSession();
    const context = await this.login(session, username, password);
    if (!context) return null;
    const groups = await this.groupsOf(session, context.userId);
    await this.sessions.set(context.sessionUuid, {
      username: context.userName,
      userId: context.userId,
      cookies: session.cookies,
    });
    return {
      userId: context.userId,
      username: context.userName,
      isAdmin: context.isAdmin,
      sessionKey: context.sessionUuid,
      groups,
    };
  }

  listGroups(user: OmeroUser): Promise<OmeroGroup[]> {
    return this.withSession(user, (session, stored) => this.groupsOf(session, stored.userId));
  }

  listTargets(user: OmeroUser, groupId: string, type: ImportTargetType): Promise<ImportTarget[]> {
    return this.withSession(user, (session) =>
      type === 'SCREEN' ? this.screens(session, groupId) : this.datasets(session, groupId),
    );
  }

  async importFile(request: ImportRequest): Promise<ImportResult> {
    const login = await this.cliLogin(request);
    return this.importer.import({
      login,
      path: request.path,
      transfer: request.transfer,
      target: request.target,
      signal: request.signal,
      timeoutMs: request.timeoutMs,
    });
  }

  /** Pings OMERO.web's keep-alive with the user's session; a stored session is kept either way. */
  async keepSessionAlive(user: OmeroUser): Promise<SessionState> {
    try {
      return (await this.withSession(user, (session) => this.web.keepalivePing(session))) ? 'alive' : 'ended';
    } catch (error) {
      if (error instanceof SessionExpiredError) return 'ended';
      if (error instanceof OmeroUnavailableError) return 'unknown';
      throw error;
    }
  }

  /** OMERO.web draws it with the user's own session: OMERO decides what they may see. */
  async renderThumbnail(user: OmeroUser, imageId: string, size: number): Promise<Thumbnail | null> {
    const found = await this.withSession(user, (session) => this.web.renderThumbnail(session, imageId, size));
    if (!found) return null;
    return {
      contentType: found.contentType,
      body: Readable.fromWeb(found.body as NodeReadableStream<Uint8Array>),
      rendered: true,
    };
  }

  imageWebUrl(imageId: string): string {
    return `${this.options.webUrl.replace(/\/+$/, '')}/webclient/?show=image-${encodeURIComponent(imageId)}`;
  }

  private async login(session: OmeroWebSession, username: string, password: string) {
    await this.web.fetchCsrfToken(session);
    const serverId = await this.resolveServerId(session);
    return this.web.login(session, { username, password, serverId });
  }

  private async resolveServerId(session: OmeroWebSession): Promise<number> {
    this.serverId ??= pickServer(await this.web.listServers(session), this.options).id;
    return this.serverId;
  }

  /** Runs `work` with the user's OMERO.web session, writing back cookies OMERO.web changed. */
  private async withSession<T>(
    user: OmeroUser,
    work: (session: OmeroWebSession, stored: StoredOmeroWebSession) => Promise<T>,
  ): Promise<T> {
    const key = user.sessionKey;
    const stored = key ? await this.sessions.get(key) : undefined;
    // Exactly: OMERO's "Alice" and "alice" are two people (docs/omero.md, "Usernames").
    if (!key || !stored || stored.username !== user.username) {
      throw new SessionExpiredError();
    }
    const session: OmeroWebSession = { cookies: { ...stored.cookies } };
    try {
      const result = await work(session, stored);
      if (JSON.stringify(session.cookies) !== JSON.stringify(stored.cookies)) {
        await this.sessions.set(key, { ...stored, cookies: session.cookies });
      }
      return result;
    } catch (error) {
      if (error instanceof SessionExpiredError) await this.sessions.delete(key);
      throw error;
    }
  }

  private async groupsOf(session: OmeroWebSession, userId: number): Promise<OmeroGroup[]> {
    const groups = await this.web.listAll(session, `/api/v0/m/experimenters/${userId}/experimentergroups/`);
    this.rememberGroupNames(groups);
    return groups
      .map((group) => ({ id: String(group['@id']), name: group.Name ?? `Group ${group['@id']}` }))
      .filter((group) => !SYSTEM_GROUPS.has(group.name))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  private async datasets(session: OmeroWebSession, groupId: string): Promise<ImportTarget[]> {
    const query = { group: groupId };
    const [projects, datasets] = await Promise.all([
      this.web.listAll(session, '/api/v0/m/projects/', query),
      this.web.listAll(session, '/api/v0/m/datasets/', query),
    ]);
    const projectsOfDataset = new Map<number, string[]>();
    await forEachLimited(projects, PROJECT_CONCURRENCY, async (project) => {
      const children = await this.web.listAll(session, `/api/v0/m/projects/${project['@id']}/datasets/`, query);
      for (const dataset of children) {
        const names = projectsOfDataset.get(dataset['@id']) ?? [];
        projectsOfDataset.set(dataset['@id'], [...names, project.Name ?? `Project ${project['@id']}`]);
      }
    });
    return datasets
      .filter((dataset) => inGroup(dataset, groupId))
      .map((dataset) => {
        // A dataset may be linked to several projects; OMERO allows it.
        const projectName = projectsOfDataset.get(dataset['@id'])?.sort().join(', ') ?? null;
        return toTarget(dataset, 'DATASET', groupId, projectName);
      })
      .sort(byProjectThenName);
  }

  private async screens(session: OmeroWebSession, groupId: string): Promise<ImportTarget[]> {
    const screens = await this.web.listAll(session, '/api/v0/m/screens/', { group: groupId });
    return screens
      .filter((screen) => inGroup(screen, groupId))
      .map((screen) => toTarget(screen, 'SCREEN', groupId, null))
      .sort(byProjectThenName);
  }

  private async cliLogin(request: ImportRequest): Promise<CliLogin> {
    if (this.options.importMode === 'session') {
      if (!request.user.sessionKey) {
        throw new OmeroImportError(
          'SESSION_EXPIRED',
          'You are not signed in to OMERO. Sign in again, then retry the import.',
        );
      }
      return { mode: 'session', sessionKey: request.user.sessionKey };
    }
    return {
      mode: 'sudo',
      adminUser: this.options.sudoUser!,
      adminPassword: this.options.sudoPassword!,
      username: request.user.username,
      groupName: await this.groupName(request.target.groupId),
    };
  }

  /** `-g` takes a group name; the request has its id. */
  private async groupName(groupId: string): Promise<string> {
    const known = this.groupNames.get(groupId);
    if (known && Date.now() - known.at < GROUP_NAME_TTL_MS) return known.name;
    // An unreachable OMERO.web throws OmeroUnavailableError, itself an OMERO_UNAVAILABLE import error.
    await this.loadAllGroupNames();
    const name = this.groupNames.get(groupId)?.name;
    if (!name)
      throw new OmeroImportError('TARGET_NOT_FOUND', `OMERO has no group with id ${groupId}. Pick another target.`);
    return name;
  }

  private async loadAllGroupNames(retry = true): Promise<void> {
    if (!this.adminSession) {
      const session = this.web.newSession();
      const context = await this.login(session, this.options.sudoUser!, this.options.sudoPassword!);
      if (!context) {
        throw new OmeroImportError('IMPORT_FAILED', SUDO_REFUSED);
      }
      this.adminSession = session;
    }
    try {
      this.rememberGroupNames(await this.web.listAll(this.adminSession, '/api/v0/m/experimentergroups/'));
    } catch (error) {
      if (!(error instanceof SessionExpiredError) || !retry) throw error;
      this.adminSession = null;
      await this.loadAllGroupNames(false);
    }
  }

  private rememberGroupNames(groups: OmeroObject[]): void {
    const at = Date.now();
    for (const group of groups) if (group.Name) this.groupNames.set(String(group['@id']), { name: group.Name, at });
  }
}

/**
 * OMERO.web's id for our OMERO server. OMERO.web often names it differently (localhost behind
 * a proxy), so a single server is taken as ours; among several, host and port must match.
 */
function pickServer(servers: OmeroWebServer[], options: Pick<OmeroServerOptions, 'webUrl' | 'host' | 'port'>) {
  if (servers.length === 1) return servers[0];
  const match = servers.find(
    (server) => server.host.toLowerCase() === options.host.toLowerCase() && Number(server.port) === options.port,
  );
  if (match) return match;
  const offered = servers.map((server) => `${server.host}:${server.port}`).join(', ') || 'none';
  throw new OmeroUnavailableError(
    `OMERO.web at ${options.webUrl} offers the servers ${offered}, none of which is ${options.host}:${options.port}. ` +
      'Set OMERO_HOST and OMERO_PORT to the server to use.',
  );
}

function inGroup(object: OmeroObject, groupId: string): boolean {
  const owner = object['omero:details']?.group?.['@id'];
  return owner === undefined || String(owner) === groupId;
}

function toTarget(object: OmeroObject, type: ImportTargetType, groupId: string, projectName: string | null) {
  const id = String(object['@id']);
  return {
    id,
    name: object.Name ?? `${type === 'DATASET' ? 'Dataset' : 'Screen'} ${id}`,
    type,
    groupId: String(object['omero:details']?.group?.['@id'] ?? groupId),
    projectName,
    canLink: object['omero:details']?.permissions?.canLink === true,
  };
}

function byProjectThenName(a: ImportTarget, b: ImportTarget): number {
  if (a.projectName !== b.projectName) {
    if (a.projectName === null) return 1;
    if (b.projectName === null) return -1;
    return a.projectName.localeCompare(b.projectName);
  }
  return a.name.localeCompare(b.name) || Number(a.id) - Number(b.id);
}

async function forEachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export class OmeroConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid OMERO configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'OmeroConfigError';
  }
}

/**
 * The gateway's options from the environment: null when OMERO_WEB_URL is unset (no OMERO, so
 * the sandbox), otherwise validated, throwing one error that lists every problem. Empty strings
 * count as unset. OMERO_HOST defaults to OMERO.web's host name, OMERO_IMPORT_MODE to 'session'
 * (it needs no administrator password), OMERO_TIMEOUT_SECONDS (per JSON API request) to 30.
 */
export function omeroOptionsFromEnv(env: Record<string, string | undefined>): OmeroServerOptions | null {
  const read = (name: string) => (env[name]?.trim() ? env[name]!.trim() : undefined);
  const webUrl = read('OMERO_WEB_URL');
  if (!webUrl) return null;
  const problems: string[] = [];
  const webHost = urlHost(webUrl);
  if (webHost === null) {
    problems.push(`OMERO_WEB_URL must be an http or https URL such as https://omero.example.org (got "${webUrl}")`);
  }
  const integer = (name: string, fallback: number, min: number, max: number) => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!(value >= min && value <= max))
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
    return value;
  };
  const port = integer('OMERO_PORT', 4064, 1, 65535);
  const timeoutSeconds = integer('OMERO_TIMEOUT_SECONDS', 30, 1, 3600);
  const importMode = read('OMERO_IMPORT_MODE') ?? 'session';
  if (importMode !== 'session' && importMode !== 'sudo') {
    problems.push(`OMERO_IMPORT_MODE must be "session" or "sudo" (got "${importMode}")`);
  }
  const sudoUser = read('OMERO_SUDO_USER');
  const sudoPassword = env.OMERO_SUDO_PASSWORD || undefined;
  if (importMode === 'sudo' && !sudoUser) problems.push('OMERO_SUDO_USER is required when OMERO_IMPORT_MODE=sudo');
  if (importMode === 'sudo' && !sudoPassword)
    problems.push('OMERO_SUDO_PASSWORD is required when OMERO_IMPORT_MODE=sudo');
  if (problems.length > 0) throw new OmeroConfigError(problems);
  return {
    webUrl,
    host: read('OMERO_HOST') ?? webHost!,
    port,
    cliPath: read('OMERO_CLI') ?? 'omero',
    importMode: importMode as 'session' | 'sudo',
    sudoUser,
    sudoPassword,
    requestTimeoutMs: timeoutSeconds * 1000,
  };
}

function urlHost(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.hostname : null;
  } catch {
    return null;
  }
}

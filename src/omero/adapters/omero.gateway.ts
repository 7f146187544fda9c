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
import type { OmeroEnvironment } from '../../environment/omero-environment.js';
import type { OmeroWebSessionStore, StoredOmeroWebSession } from '../sessions/omero-web-session.js';
import type { SessionLock } from '../sessions/session-lock.js';
import { SUDO_REFUSED } from './omero-cli.diagnosis.js';
import { OmeroCliImporter } from './omero-cli.importer.js';
import type { CliLogin } from './omero-cli.job.js';
import { OmeroWebClient, SessionExpiredError, type OmeroObject, type OmeroWebSession } from './omero-web.client.js';
import { byProjectThenName, forEachLimited, inGroup, pickServer, toTarget } from './omero-web.targets.js';

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

/** The environment's OMERO settings (Environment.omero), and what the app wires in. */
export interface OmeroServerOptions extends OmeroEnvironment {
  /** Where each user's OMERO.web session is kept (the app: omero_sessions); the gateway requires it. */
  sessions?: OmeroWebSessionStore;
  /** Time a stopped importer gets between SIGTERM and SIGKILL (default 10 s). */
  killGraceMs?: number;
  logger?: Pick<LoggerService, 'log' | 'warn' | 'debug'>;
  /** Imports of one session, one at a time on every instance (session mode); see SessionLock. */
  sessionLock?: SessionLock;
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

  constructor(private readonly options: OmeroServerOptions & { sessions: OmeroWebSessionStore }) {
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
    this.sessions = options.sessions;
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

import { randomUUID } from 'node:crypto';
import type { FakeContainer, FakeSession, FakeUser, RecordedImport } from './fake-omero-model.js';

/** OMERO's built-in groups: administrators are in "system", everybody in "user". */
export const SYSTEM_GROUP = 0;
export const USER_GROUP = 1;

/** What both sides of the OMERO double (OMERO.web and the OMERO server) see and change. */
export class FakeOmeroState {
  readonly groups = new Map<number, string>([
    [SYSTEM_GROUP, 'system'],
    [USER_GROUP, 'user'],
    [2, 'guest'],
  ]);
  readonly users = new Map<number, FakeUser>();
  readonly containers: FakeContainer[] = [];
  readonly canLinkOverrides = new Map<string, boolean>();
  readonly sessions = new Map<string, FakeSession>();
  readonly ids = { group: 3, user: 2, Project: 1, Dataset: 1, Screen: 1, fileset: 1, image: 101, plate: 1 };
  /** Every import the OMERO server accepted. */
  readonly imports: RecordedImport[] = [];
  /** Every image imported: in the group of its target, owned by the importing user. */
  readonly images = new Map<number, { groupId: number; ownerId: number }>();
  /** Imports wait for this before they create anything (see FakeOmeroWeb.holdImports). */
  importsHeld: Promise<void> = Promise.resolve();

  constructor(private readonly idleTimeoutMs: number) {}

  /** Whether the session is still there, without joining it (which would reset its idle clock). */
  isSessionLive(sessionKey: string): boolean {
    const session = this.sessions.get(sessionKey);
    return !!session && !session.expired && Date.now() - session.joinedAt <= this.idleTimeoutMs;
  }

  /** Exactly, case included: OMERO's default (omero.security.ignore_case=false) has "Alice" and "alice" as two users. */
  userNamed(name: string): FakeUser | undefined {
    return [...this.users.values()].find((user) => user.name === name);
  }

  /** Joins the session, which resets its idle clock; undefined once it ended or timed out. */
  liveSession(key: string | undefined): FakeSession | undefined {
    if (!key || !this.isSessionLive(key)) return undefined;
    const session = this.sessions.get(key)!;
    session.joinedAt = Date.now();
    return session;
  }

  openSession(user: FakeUser, groupId: number): FakeSession {
    const session = { uuid: randomUUID(), userId: user.id, groupId, expired: false, joinedAt: Date.now() };
    this.sessions.set(session.uuid, session);
    return session;
  }
}

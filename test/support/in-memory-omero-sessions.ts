import type { OmeroWebSessionStore, StoredOmeroWebSession } from '../../src/omero/sessions/omero-web-session.js';

/**
 * OMERO.web sessions in this process's memory, for tests that drive the OMERO gateway without
 * a database; the app keeps them in PostgreSQL (OmeroSessionStore).
 */
export class InMemoryOmeroWebSessionStore implements OmeroWebSessionStore {
  private readonly sessions = new Map<string, StoredOmeroWebSession>();

  async get(sessionKey: string) {
    return this.sessions.get(sessionKey);
  }

  async set(sessionKey: string, session: StoredOmeroWebSession) {
    this.sessions.set(sessionKey, session);
  }

  async delete(sessionKey: string) {
    this.sessions.delete(sessionKey);
  }
}

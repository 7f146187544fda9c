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
 *
 * Its own file because both sides use it: the adapter keeps sessions in a store, and the
 * stores of sessions/ implement it; neither imports the other.
 */
export interface OmeroWebSessionStore {
  get(sessionKey: string): Promise<StoredOmeroWebSession | undefined>;
  set(sessionKey: string, session: StoredOmeroWebSession): Promise<void>;
  delete(sessionKey: string): Promise<void>;
}

import { useSyncExternalStore } from 'react';

/**
 * The signed-in user's access token, kept in sessionStorage: it survives a reload of this tab,
 * is readable by this origin's scripts only (the CSP lets no other script run here), is never
 * sent by the browser on its own (unlike a cookie, so no CSRF), and is forgotten when the tab
 * closes. See the README's "Web app" section.
 */
const STORAGE_KEY = 'omero-uploader.session';

export interface Session {
  token: string;
  username: string;
  /** Epoch milliseconds when the server said the token ends. */
  expiresAt: number;
}

/**
 * signed-out: nobody; signed-in: a token believed valid; expired: the server refused the token
 * (401). While expired the page stays mounted, so uploads in progress are kept, and requests
 * wait for the next sign-in (see whenSignedIn).
 */
export type SessionState =
  { status: 'signed-out' } | { status: 'signed-in'; session: Session } | { status: 'expired'; session: Session };

function load(): SessionState {
  try {
    const stored = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as Session | null;
    if (stored?.token && stored.expiresAt > Date.now()) return { status: 'signed-in', session: stored };
  } catch {
    // A damaged entry is as good as none.
  }
  return { status: 'signed-out' };
}

let state: SessionState = load();
const listeners = new Set<() => void>();
let waiters: ((token: string) => void)[] = [];
/** Asked before signing out; any answering false keeps the session (see signOut). */
const signOutGuards = new Set<() => boolean>();

function set(next: SessionState): void {
  state = next;
  if (next.status === 'signed-in') {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next.session));
    const ready = waiters;
    waiters = [];
    for (const resolve of ready) resolve(next.session.token);
  } else {
    sessionStorage.removeItem(STORAGE_KEY);
  }
  for (const listener of listeners) listener();
}

export const sessionStore = {
  get: (): SessionState => state,
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  signedIn(session: Session): void {
    set({ status: 'signed-in', session });
  },
  /** Signs out unless a guard refuses (the uploader, when the user keeps uploads running). */
  signOut(): boolean {
    for (const guard of signOutGuards) if (!guard()) return false;
    set({ status: 'signed-out' });
    return true;
  },
  guardSignOut(guard: () => boolean): () => void {
    signOutGuards.add(guard);
    return () => signOutGuards.delete(guard);
  },
  /** The server refused `token`: ask to sign in again, unless a newer token is already here. */
  expire(token: string): void {
    if (state.status === 'signed-in' && state.session.token === token)
      set({ status: 'expired', session: state.session });
  },
  /** The current token, or a promise of the next one when the session has expired. */
  whenSignedIn(): Promise<string> {
    if (state.status === 'signed-in') return Promise.resolve(state.session.token);
    return new Promise((resolve) => waiters.push(resolve));
  },
};

export function useSession(): SessionState {
  return useSyncExternalStore(sessionStore.subscribe, sessionStore.get);
}

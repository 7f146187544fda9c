import { useSyncExternalStore } from 'react';
import { graphql } from '../../../web/src/api/graphql.js';

/**
 * Whether the signed-in user may use this app: the server says through `me { roles }`. The
 * server refuses every admin operation to anyone else (FORBIDDEN) whatever this says; this only
 * decides what the page shows.
 */
export type Access =
  | { status: 'checking'; username: string }
  | { status: 'admin'; username: string }
  | { status: 'refused'; username: string }
  | { status: 'failed'; username: string; message: string };

const ME = 'query Me { me { username roles } }';

let access: Access | undefined;
const listeners = new Set<() => void>();

function set(next: Access): void {
  access = next;
  for (const listener of listeners) listener();
}

export const accessStore = {
  get: (): Access | undefined => access,
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  /** Asks the server again; `username` is whom the session belongs to. */
  async check(username: string): Promise<void> {
    set({ status: 'checking', username });
    try {
      const { me } = await graphql<{ me: { username: string; roles: string[] } }>(ME);
      // A newer check (another user signed in meanwhile) wins.
      if (access?.username !== username) return;
      set({ status: me.roles.includes('admin') ? 'admin' : 'refused', username: me.username });
    } catch (error) {
      if (access?.username === username) set({ status: 'failed', username, message: (error as Error).message });
    }
  },
  forget(): void {
    access = undefined;
  },
};

export function useAccess(): Access | undefined {
  return useSyncExternalStore(accessStore.subscribe, accessStore.get);
}

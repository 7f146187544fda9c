import type { AuthProvider } from 'react-admin';
import { closeLive } from '../../../web/src/api/live.js';
import { GraphqlError } from '../../../web/src/api/graphql.js';
import { sessionStore } from '../../../web/src/session/session-store.js';
import { signIn } from '../../../web/src/session/sign-in.js';
import { accessStore } from './access.js';

/**
 * react-admin's view of the web app's session: the same token store and sign-in call, so one
 * sign-in serves both apps in a tab. The gate (gate.tsx) shows the sign-in form and decides who
 * gets in; this provider gives react-admin the user's name and its sign-out.
 */
export const authProvider: AuthProvider = {
  login: ({ username, password }: { username: string; password: string }) => signIn(username, password),
  logout: async () => {
    signOut();
    // The gate shows the sign-in form in place: react-admin must not navigate to a login page.
    return false;
  },
  checkAuth: async () => {
    if (sessionStore.get().status === 'signed-out') throw new Error('Sign in to continue.');
  },
  checkError: async (error: unknown) => {
    // The role was taken away while the app was open: check again, and the gate says so.
    const username = accessStore.get()?.username;
    if (error instanceof GraphqlError && error.code === 'FORBIDDEN' && username) void accessStore.check(username);
  },
  getIdentity: async () => {
    const state = sessionStore.get();
    const username = state.status === 'signed-out' ? '' : state.session.username;
    return { id: username, fullName: username };
  },
};

export function signOut(): void {
  if (sessionStore.signOut()) {
    closeLive();
    accessStore.forget();
  }
}

import { sessionStore } from './session-store.js';

export class SignInError extends Error {
  constructor(
    message: string,
    /** When a throttled sign-in may be tried again (epoch ms). */
    readonly retryAt?: number,
  ) {
    super(message);
  }
}

/** POST /api/auth/login; on success the session store holds the new token. */
export async function signIn(username: string, password: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
  } catch {
    throw new SignInError('The server cannot be reached. Check your network connection and try again.');
  }
  const body = (await response.json().catch(() => ({}))) as {
    accessToken?: string;
    expiresIn?: number;
    message?: string;
  };
  if (response.ok && body.accessToken) {
    sessionStore.signedIn({
      token: body.accessToken,
      username,
      expiresAt: Date.now() + (body.expiresIn ?? 3600) * 1000,
    });
    return;
  }
  if (response.status === 429) {
    const seconds = Number(response.headers.get('retry-after') ?? '60');
    throw new SignInError(
      body.message ?? 'Too many sign-in attempts. Wait and try again.',
      Date.now() + seconds * 1000,
    );
  }
  if (response.status === 401) {
    throw new SignInError(body.message ?? 'Wrong username or password. Check both and try again.');
  }
  throw new SignInError(
    body.message ??
      `Signing in failed (HTTP ${response.status}). Try again in a moment; if it persists, tell your administrator.`,
  );
}

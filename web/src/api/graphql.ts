import { sessionStore } from '../session/session-store.js';

export class GraphqlError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

interface GraphqlAnswer<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/**
 * One GraphQL operation over HTTP with the session's token. A refused token (UNAUTHENTICATED)
 * marks the session expired and the operation waits for the next sign-in, then runs again:
 * what the page was doing carries on after the user signs in.
 */
export async function graphql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  for (;;) {
    const token = await sessionStore.whenSignedIn();
    let response: Response;
    try {
      response = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
    } catch {
      throw new GraphqlError('The server cannot be reached. Check your network connection and try again.');
    }
    const answer = (await response.json().catch(() => ({}))) as GraphqlAnswer<T>;
    const [error] = answer.errors ?? [];
    if (error?.extensions?.code === 'UNAUTHENTICATED' || response.status === 401) {
      sessionStore.expire(token);
      continue;
    }
    if (error) throw new GraphqlError(error.message, error.extensions?.code);
    if (!answer.data) throw new GraphqlError(`The server answered HTTP ${response.status} without data. Try again.`);
    return answer.data;
  }
}

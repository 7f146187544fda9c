import { createClient, type Client } from 'graphql-ws';
import { sessionStore } from '../session/session-store.js';

/** The close code the server uses for a refused token (docs/api.md). */
const UNAUTHORIZED_CLOSE = 4401;

let client: Client | undefined;
let lastToken = '';
const reconnectListeners = new Set<() => void>();

/**
 * The page's one GraphQL WebSocket. It reconnects forever with a growing, jittered wait (1 s
 * up to 30 s), waits for a sign-in when the token was refused, and tells `onReconnect`
 * listeners so they can refetch what changed while the socket was down.
 */
function liveClient(): Client {
  client ??= createClient({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
    connectionParams: async () => {
      lastToken = await sessionStore.whenSignedIn();
      return { authorization: `Bearer ${lastToken}` };
    },
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    retryWait: async (retries) => {
      const wait = Math.min(30_000, 1000 * 2 ** retries) * (0.5 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, wait));
    },
    on: {
      connected: (_socket, _payload, wasRetry) => {
        if (wasRetry) for (const listener of reconnectListeners) listener();
      },
      closed: (event) => {
        if ((event as CloseEvent | undefined)?.code === UNAUTHORIZED_CLOSE) sessionStore.expire(lastToken);
      },
    },
  });
  return client;
}

/**
 * Runs `query` as a subscription until the returned function is called. graphql-ws gives up on
 * a socket the server closed for good (4401, a refused token): then a new client subscribes
 * again once someone has signed in, and `onReconnect` refetches what was missed meanwhile.
 */
export function subscribe<T>(
  query: string,
  variables: Record<string, unknown>,
  onData: (data: T) => void,
  onReconnect: () => void,
): () => void {
  let stopped = false;
  let stop = () => undefined as void;
  const start = () => {
    if (stopped) return;
    stop = liveClient().subscribe<T>(
      { query, variables },
      {
        next: (result) => result.data && onData(result.data as T),
        error: restart,
        complete: restart,
      },
    );
  };
  function restart() {
    if (stopped) return;
    closeLive();
    void sessionStore.whenSignedIn().then(() => {
      if (stopped) return;
      start();
      onReconnect();
    });
  }
  reconnectListeners.add(onReconnect);
  start();
  return () => {
    stopped = true;
    reconnectListeners.delete(onReconnect);
    stop();
  };
}

/** Closes the socket (at sign-out): the next subscription opens a new one with the new user's token. */
export function closeLive(): void {
  void client?.dispose();
  client = undefined;
}

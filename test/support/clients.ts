import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { ADMIN } from './test-app.js';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** POSTs a GraphQL operation over real HTTP. */
export async function graphql<T = Record<string, unknown>>(
  baseUrl: string,
  token: string | undefined,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GraphQLResponse<T>> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as object) };
}

export async function login(
  baseUrl: string,
  username = ADMIN.username,
  password = ADMIN.password,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ username, password }),
  });
}

export async function accessToken(
  baseUrl: string,
  username = ADMIN.username,
  password = ADMIN.password,
): Promise<string> {
  const response = await login(baseUrl, username, password);
  if (response.status !== 200)
    throw new Error(`login as ${username} failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

/** Creates a plain user through the admin's GraphQL API and returns its access token. */
export async function createUser(
  baseUrl: string,
  adminToken: string,
  username: string,
  password = 'password-of-' + username,
) {
  const result = await graphql<{ createUser: { id: string } }>(
    baseUrl,
    adminToken,
    'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }',
    { input: { username, password } },
  );
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return { id: result.data.createUser.id, token: await accessToken(baseUrl, username, password), password };
}

/** The user's starter dataset in the sandbox ("My dataset"), as an import target. */
export async function starterDataset(url: string, token: string) {
  const groups = await graphql<{ groups: { id: string }[] }>(url, token, '{ groups { id } }');
  const groupId = groups.data!.groups[0].id;
  const targets = await graphql<{ importTargets: { id: string }[] }>(
    url,
    token,
    'query($g: ID!) { importTargets(groupId: $g) { id } }',
    { g: groupId },
  );
  return { targetType: 'DATASET', targetId: targets.data!.importTargets[0].id, groupId };
}

/** A graphql-ws client over a real WebSocket; records how the server closed the connection. */
export function wsClient(baseUrl: string, connectionParams?: Record<string, unknown>) {
  const closed: { code?: number; reason?: string } = {};
  const client: Client = createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: false,
    on: {
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        closed.code = code;
        closed.reason = String(reason);
      },
    },
    onNonLazyError: () => undefined,
  });
  return { client, closed };
}

/** Runs one operation over graphql-ws and resolves with its single result. */
export function wsExecute<T>(client: Client, query: string): Promise<{ data?: T; errors?: unknown[] }> {
  return new Promise((resolve, reject) => {
    let result: { data?: T; errors?: unknown[] } | undefined;
    client.subscribe<T>(
      { query },
      {
        next: (value) => (result = value as typeof result),
        error: reject,
        complete: () => resolve(result!),
      },
    );
  });
}

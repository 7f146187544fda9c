// GraphQL abuse: floods of aliases from anonymous callers must be refused before they cost
// the event loop anything, so the server keeps answering everyone else; signed-in callers meet
// limits on aliases and depth; withdrawn credentials close open WebSocket subscriptions; an
// oversized WebSocket message closes the socket.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { expect, graphql, waitFor } from '../harness.mjs';

/** The app's resident memory in bytes, from /proc. */
async function serverRss(app) {
  const status = readFileSync(`/proc/${app.child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024;
}

/** Times how long /api/health takes to answer while `attack` runs. */
async function healthLatencyDuring(url, attack) {
  const running = attack();
  const started = performance.now();
  const health = await fetch(`${url}/api/health`);
  const healthMs = performance.now() - started;
  return { result: await running, healthMs, healthStatus: health.status };
}

/** An importJobUpdated subscription over graphql-ws with `token`; records how the server closed it. */
async function subscribe(app, token) {
  const closed = {};
  const client = createClient({
    url: `${app.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: false,
    on: { closed: ({ code, reason }) => Object.assign(closed, { code, reason: String(reason) }) },
    onNonLazyError: () => undefined,
  });
  client.subscribe(
    { query: 'subscription { importJobUpdated { id status } }' },
    { next: () => undefined, error: () => undefined, complete: () => undefined },
  );
  // The connection is accepted once an operation on it has answered.
  await new Promise((resolve, reject) =>
    client.subscribe({ query: '{ me { id } }' }, { next: () => undefined, error: reject, complete: resolve }),
  );
  return { client, closed };
}

/** Waits for the server to close `subscription`; resolves with the close and the time it took. */
async function closedWithin(subscription, since) {
  await waitFor(() => subscription.closed.code !== undefined, {
    ms: 10_000,
    message: 'the server to close the subscription',
  });
  await subscription.client.dispose();
  return { ...subscription.closed, ms: Math.round(performance.now() - since) };
}

/** A superuser connection to the app's embedded PostgreSQL, as an operator would open one. */
async function embeddedDatabase(app) {
  const ready = app.logs().find((line) => line.msg === 'embedded PostgreSQL ready');
  const { password } = JSON.parse(readFileSync(join(app.dataDir, 'postgres.json'), 'utf8'));
  const client = new pg.Client({
    connectionString: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${ready.port}/omero_uploader`,
  });
  await client.connect();
  return client;
}

export const scenarios = [
  {
    name: 'an anonymous query with 45,000 aliases is refused without freezing the server',
    async run(harness) {
      const app = await harness.startApp();
      const query = `{ ${Array.from({ length: 45_000 }, (_, i) => `a${i}: me { id }`).join(' ')} }`;
      const started = performance.now();
      const { result, healthMs } = await healthLatencyDuring(app.url, () => graphql(app.url, query));
      const attackMs = performance.now() - started;
      const code = result.body.errors?.[0]?.extensions?.code;
      expect(result.body.data == null, `the query ran: ${JSON.stringify(result.body).slice(0, 200)}`);
      expect(attackMs < 2000, `answered after ${Math.round(attackMs)} ms`);
      expect(healthMs < 2000, `health answered after ${Math.round(healthMs)} ms`);
      return `refused with ${code} (HTTP ${result.status}) in ${Math.round(attackMs)} ms; health in ${Math.round(healthMs)} ms`;
    },
  },
  {
    name: 'a signed-in query with 5,000 aliases of uploads is refused at once while health answers',
    async run(harness) {
      const app = await harness.startApp();
      const token = await app.token();
      const query = `{ ${Array.from({ length: 5_000 }, (_, i) => `a${i}: uploads { id name }`).join(' ')} }`;
      const started = performance.now();
      const { result, healthMs } = await healthLatencyDuring(app.url, () => graphql(app.url, query, { token }));
      const attackMs = performance.now() - started;
      const error = result.body.errors?.[0];
      expect(result.body.data == null, `the query ran: ${JSON.stringify(result.body).slice(0, 200)}`);
      expect(error?.extensions?.code === 'BAD_USER_INPUT', `answered ${JSON.stringify(result.body).slice(0, 200)}`);
      expect(attackMs < 2000, `answered after ${Math.round(attackMs)} ms`);
      expect(healthMs < 2000, `health answered after ${Math.round(healthMs)} ms`);
      const fifty = `{ ${Array.from({ length: 51 }, (_, i) => `a${i}: uploads { id }`).join(' ')} }`;
      const aliases = (await graphql(app.url, fifty, { token })).body.errors?.[0]?.message;
      expect(aliases === 'This query asks for 51 aliases; at most 50 are allowed.', `51 aliases: ${aliases}`);
      return `refused in ${Math.round(attackMs)} ms ("${error.message.slice(0, 60)}…"); health in ${Math.round(healthMs)} ms`;
    },
  },
  {
    name: 'a signed-in query nested 40 levels deep is refused before validation',
    async run(harness) {
      const app = await harness.startApp();
      const token = await app.token();
      const query = '{ me '.repeat(39) + '{ id }' + ' }'.repeat(39);
      const started = performance.now();
      const { status, body } = await graphql(app.url, query, { token });
      const ms = Math.round(performance.now() - started);
      const error = body.errors?.[0];
      expect(
        status === 400 && error?.extensions?.code === 'BAD_USER_INPUT',
        `answered ${status} ${JSON.stringify(body)}`,
      );
      expect(error.message.includes('nested 40 levels deep'), `message: ${error.message}`);
      return `HTTP ${status} in ${ms} ms: "${error.message}"`;
    },
  },
  {
    name: "a revoked API token's open subscription is closed within seconds",
    async run(harness) {
      const app = await harness.startApp();
      const token = await app.token();
      const created = await app.gql('mutation { createApiToken(name: "subscriber") { token apiToken { id } } }', {
        token,
      });
      const {
        token: apiToken,
        apiToken: { id },
      } = created.body.data.createApiToken;
      const subscription = await subscribe(app, apiToken);
      const started = performance.now();
      await app.gql('mutation($id: ID!) { revokeApiToken(id: $id) }', { token, variables: { id } });
      const closed = await closedWithin(subscription, started);
      expect(closed.code === 4401, `closed with ${closed.code} ${closed.reason}`);
      expect(closed.ms < 5000, `closed after ${closed.ms} ms`);
      return `closed ${closed.code} "${closed.reason}" ${closed.ms} ms after revokeApiToken`;
    },
  },
  {
    name: 'a user disabled in the database loses an open subscription within seconds',
    async run(harness) {
      const app = await harness.startApp();
      const token = await app.token();
      const password = 'password-of-dora-1234';
      const created = await app.gql('mutation($input: CreateUserInput!) { createUser(input: $input) { id } }', {
        token,
        variables: { input: { username: 'dora', password } },
      });
      const userId = created.body.data.createUser.id;
      const { signIn } = await import('../harness.mjs');
      const subscription = await subscribe(app, await signIn(app.url, { username: 'dora', password }));
      const db = await embeddedDatabase(app);
      try {
        const started = performance.now();
        await db.query('UPDATE users SET disabled = true WHERE id = $1', [userId]);
        const closed = await closedWithin(subscription, started);
        expect(closed.code === 4401, `closed with ${closed.code} ${closed.reason}`);
        expect(closed.ms < 5000, `closed after ${closed.ms} ms`);
        return `closed ${closed.code} "${closed.reason}" ${closed.ms} ms after UPDATE users SET disabled = true`;
      } finally {
        await db.end();
      }
    },
  },
  {
    name: 'an anonymous 90 MiB connection_init is refused from its frame header (1009)',
    async run(harness) {
      const app = await harness.startApp();
      const socket = new WebSocket(`${app.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
      const closed = new Promise((resolve) => socket.once('close', (code) => resolve(code)));
      socket.once('error', () => undefined);
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
      const rssBefore = await serverRss(app);
      const started = performance.now();
      socket.send(JSON.stringify({ type: 'connection_init', payload: { padding: 'x'.repeat(90 * 1024 * 1024) } }));
      const code = await closed;
      const ms = Math.round(performance.now() - started);
      const rssAfter = await serverRss(app);
      expect(code === 1009, `closed with ${code}`);
      const grewMiB = Math.round((rssAfter - rssBefore) / 1024 / 1024);
      expect(grewMiB < 50, `the server grew by ${grewMiB} MiB`);
      const health = await fetch(`${app.url}/api/health`);
      expect(health.status === 200, `health answered ${health.status}`);
      return `closed ${code} after ${ms} ms; server memory grew ${grewMiB} MiB`;
    },
  },
];

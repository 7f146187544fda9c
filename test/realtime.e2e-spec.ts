import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { PgPubSub } from '../src/pubsub/pg-pubsub.js';
import { PUB_SUB } from '../src/pubsub/pubsub.module.js';
import { accessToken, graphql, wsClient, wsExecute } from './support/clients.js';
import { killConnections, serverAdmin, startTestApp, type TestApp } from './support/test-app.js';
import { TusClient } from './support/tus.js';
import { waitFor } from './support/wait-for.js';

const eventually = (predicate: () => boolean, ms = 5000) => waitFor(predicate, Boolean, ms, 20);

describe('GraphQL over WebSocket and the PostgreSQL PubSub, with two instances on one database', () => {
  let first: TestApp;
  let second: TestApp;
  let token: string;

  beforeAll(async () => {
    first = await startTestApp();
    second = await startTestApp({ databaseUrl: first.databaseUrl });
    token = await accessToken(first.url);
  });
  afterAll(async () => {
    await first.close();
    await second.close();
  });

  it('closes a WebSocket whose connection_init carries no credentials with 4401 and a reason', async () => {
    const { client, closed } = wsClient(first.url);
    await eventually(() => closed.code !== undefined);
    expect(closed).toEqual({ code: 4401, reason: expect.stringContaining('Sign in first') });
    await client.dispose();
  });

  it('closes a WebSocket with an invalid token with 4401', async () => {
    const { client, closed } = wsClient(first.url, { authorization: 'Bearer not-a-real-token' });
    await eventually(() => closed.code !== undefined);
    expect(closed).toEqual({ code: 4401, reason: expect.stringContaining('not valid') });
    await client.dispose();
  });

  it('runs operations as the user named in connection_init, on either instance', async () => {
    for (const server of [first, second]) {
      const { client } = wsClient(server.url, { authorization: `Bearer ${token}` });
      const result = await wsExecute<{ me: { username: string } }>(client, '{ me { username roles } }');
      expect(result.data).toEqual({ me: { username: 'admin', roles: ['user', 'admin'] } });
      await client.dispose();
    }
  });

  it('checks the token again for every operation on an open connection', async () => {
    const created = await fetch(`${first.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: 'mutation { createApiToken(name: "socket") { token apiToken { id } } }' }),
    });
    const {
      token: apiToken,
      apiToken: { id },
    } = ((await created.json()) as { data: { createApiToken: { token: string; apiToken: { id: string } } } }).data
      .createApiToken;
    const { client, closed } = wsClient(second.url, { authorization: `Bearer ${apiToken}` });
    expect((await wsExecute<{ me: { username: string } }>(client, '{ me { username } }')).data).toEqual({
      me: { username: 'admin' },
    });

    await fetch(`${first.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: `mutation { revokeApiToken(id: "${id}") }` }),
    });
    await expect(wsExecute(client, '{ me { username } }')).rejects.toBeDefined();
    await eventually(() => closed.code !== undefined);
    expect(closed).toEqual({ code: 4401, reason: expect.stringContaining('revoked') });
    await client.dispose();
  });

  it('closes a connection when its access token expires', async () => {
    const shortLived = await startTestApp({ databaseUrl: first.databaseUrl, env: { JWT_EXPIRES_IN: '2s' } });
    try {
      const { client, closed } = wsClient(shortLived.url, {
        authorization: `Bearer ${await accessToken(shortLived.url)}`,
      });
      expect((await wsExecute(client, '{ me { username } }')).data).toBeTruthy();
      await eventually(() => closed.code !== undefined, 5000);
      expect(closed).toEqual({ code: 4401, reason: 'Your session has expired. Sign in again.' });
      await client.dispose();
    } finally {
      await shortLived.close();
    }
  });

  it('keeps delivering after its listening connection is killed, with one listener per instance', async () => {
    const { admin, database } = await serverAdmin(first.databaseUrl);
    try {
      const listenerPids = async () =>
        (
          await admin.query<{ pid: number }>(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'omero-uploader-pubsub'",
            [database],
          )
        ).rows.map((row) => row.pid);
      const listeners = async () => (await listenerPids()).length;
      const killed = await listenerPids();
      expect(await killConnections(first.databaseUrl, 'omero-uploader-pubsub')).toBeGreaterThanOrEqual(2);
      // Both instances listen again, on new connections.
      await waitFor(
        async () => (await listenerPids()).filter((pid) => !killed.includes(pid)).length,
        (fresh) => fresh === 2,
        10_000,
      );
      const received: unknown[] = [];
      const id = await second.app.get<PgPubSub>(PUB_SUB).subscribe('afterOutage', (payload) => received.push(payload));
      await eventually(() => {
        void first.app.get<PgPubSub>(PUB_SUB).publish('afterOutage', { n: 1 });
        return received.length > 0;
      }, 10_000);
      second.app.get<PgPubSub>(PUB_SUB).unsubscribe(id);
      expect(await listeners()).toBe(2);
    } finally {
      await admin.end();
    }
  });

  it('delivers an event published on one instance to a subscriber on the other', async () => {
    const publisher = first.app.get<PgPubSub>(PUB_SUB);
    const subscriber = second.app.get<PgPubSub>(PUB_SUB);
    const received: unknown[] = [];
    const other: unknown[] = [];
    const id = await subscriber.subscribe('importJobUpdated', (payload) => received.push(payload));
    const otherId = await subscriber.subscribe('somethingElse', (payload) => other.push(payload));

    await publisher.publish('importJobUpdated', { id: 'job-1', status: 'RUNNING' });
    await eventually(() => received.length === 1);
    expect(received).toEqual([{ id: 'job-1', status: 'RUNNING' }]);
    expect(other).toEqual([]);

    subscriber.unsubscribe(id);
    subscriber.unsubscribe(otherId);
    // A subscriber that stays on the channel shows when the event has been delivered on that
    // instance: by then, the one that left would have had it too.
    const witnessed: unknown[] = [];
    const witness = await subscriber.subscribe('importJobUpdated', (payload) => witnessed.push(payload));
    await publisher.publish('importJobUpdated', { id: 'job-1', status: 'SUCCEEDED' });
    await eventually(() => witnessed.length === 1);
    subscriber.unsubscribe(witness);
    expect(received).toHaveLength(1);
  });

  it('feeds GraphQL async iterators from the other instance', async () => {
    const iterator = second.app.get<PgPubSub>(PUB_SUB).asyncIterableIterator<{ n: number }>('counter');
    const next = iterator.next();
    let delivered = false;
    void next.then(() => (delivered = true));
    // The iterator subscribes lazily on its first next(), so events published before its LISTEN
    // is in place are not seen: publish until one is.
    await waitFor(
      async () => {
        await first.app.get<PgPubSub>(PUB_SUB).publish('counter', { n: 1 });
        return delivered;
      },
      Boolean,
      10_000,
      50,
    );
    await expect(next).resolves.toEqual({ value: { n: 1 }, done: false });
    await iterator.return?.();
  });

  it('applies a feature flag or setting switched on one instance on the other too', async () => {
    const mutate = (query: string) => graphql(first.url, token, query);
    const uploadOnSecond = () => new TusClient(second.url, token).create('cells.tif', 100);
    expect((await uploadOnSecond()).response.status).toBe(201);
    expect(
      (await mutate('mutation { setFeatureFlag(key: "newUploader", enabled: false) { key } }')).errors,
    ).toBeUndefined();
    try {
      const refused = await waitFor(uploadOnSecond, ({ response }) => response.status !== 201, 5000, 20);
      expect(refused.response.status).toBe(403);
    } finally {
      await mutate('mutation { setFeatureFlag(key: "newUploader", enabled: true) { key } }');
    }
    await waitFor(uploadOnSecond, ({ response }) => response.status === 201, 5000, 20);

    const setLimit = (bytes: number) =>
      graphql<{ updateUploaderSettings: { maxFileSizeBytes: number } }>(
        first.url,
        token,
        'mutation($bytes: Float!) { updateUploaderSettings(input: { maxFileSizeBytes: $bytes }) { maxFileSizeBytes } }',
        { bytes },
      );
    const before = await graphql<{ uploaderSettings: { maxFileSizeBytes: number } }>(
      first.url,
      token,
      '{ uploaderSettings { maxFileSizeBytes } }',
    );
    expect((await setLimit(50)).errors).toBeUndefined();
    try {
      const tooLarge = await waitFor(uploadOnSecond, ({ response }) => response.status !== 201, 5000, 20);
      expect(tooLarge.response.status).toBe(413);
    } finally {
      await setLimit(before.data!.uploaderSettings.maxFileSizeBytes);
    }
  });

  it('refuses a payload PostgreSQL could not carry, instead of losing it silently', async () => {
    await expect(first.app.get<PgPubSub>(PUB_SUB).publish('big', { blob: 'x'.repeat(9000) })).rejects.toThrow(
      /publish ids/,
    );
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { accessToken, createUser, graphql, starterDataset, wsClient } from './support/clients.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TusClient } from './support/tus.js';
import { waitFor } from './support/wait-for.js';

const SAMPLE = join(dirname(new URL(import.meta.url).pathname), 'fixtures', 'samples', 'cells-uint8.tiff');
const SUBSCRIPTION = 'subscription { importJobUpdated { id status } }';

/** An importJobUpdated subscriber over graphql-ws: the job ids it was sent, and how it closed. */
function subscriber(url: string, token: string) {
  const { client, closed } = wsClient(url, { authorization: `Bearer ${token}` });
  const seen: string[] = [];
  client.subscribe<{ importJobUpdated: { id: string } }>(
    { query: SUBSCRIPTION },
    {
      next: ({ data }) => data && seen.push(data.importJobUpdated.id),
      error: () => undefined,
      complete: () => undefined,
    },
  );
  return { client, closed, seen };
}

/**
 * Revocation reaches open WebSockets: a subscriber on one instance is closed, with a reason,
 * when its credentials are withdrawn through the other instance or by SQL, and is sent no event
 * committed after the change. Each case first proves events reach the subscriber (job "before"),
 * then withdraws the credentials and changes job "after"; an administrator's subscriber on the
 * same instance shows that the "after" event was sent to those still allowed to see it.
 */
describe('credentials withdrawn from open WebSocket subscriptions', () => {
  let first: TestApp;
  let second: TestApp;
  let db: pg.Client;
  let adminToken: string;
  let alice: { id: string; token: string };
  const jobs: Record<string, { before: string; after: string }> = {};

  /** Changes a job's status (SUCCEEDED and CANCELLED in turn): the database announces it. */
  const touch = (jobId: string) =>
    db.query(
      `UPDATE import_jobs SET status = CASE status WHEN 'SUCCEEDED' THEN 'CANCELLED' ELSE 'SUCCEEDED' END WHERE id = $1`,
      [jobId],
    );

  const aliceApiToken = async (name: string) =>
    (
      await graphql<{ createApiToken: { token: string; apiToken: { id: string } } }>(
        first.url,
        alice.token,
        'mutation($name: String!) { createApiToken(name: $name) { token apiToken { id } } }',
        { name },
      )
    ).data!.createApiToken;

  /** Two finished import jobs of a user, from real uploads into the sandbox. */
  const twoJobs = async (token: string) => {
    const target = await starterDataset(first.url, token);
    const data = await readFile(SAMPLE);
    const ids: string[] = [];
    for (const name of ['before.tiff', 'after.tiff']) {
      const { id: uploadId } = await new TusClient(first.url, token).create(name, data.length, target, data);
      const job = await waitFor(
        async () => (await db.query('SELECT id, status FROM import_jobs WHERE upload_id = $1', [uploadId])).rows[0],
        (row) => ['SUCCEEDED', 'FAILED'].includes(row?.status as string),
      );
      ids.push(job.id as string);
    }
    return { before: ids[0], after: ids[1] };
  };

  /**
   * Opens `token`'s subscription on the second instance, shows it receives events of `job`,
   * runs `withdraw`, changes the job's other half, and resolves with how the subscription ended.
   */
  async function withdrawnWhileSubscribed(
    token: string,
    job: { before: string; after: string },
    withdraw: () => unknown,
  ) {
    const watched = subscriber(second.url, token);
    const observer = subscriber(second.url, adminToken);
    await waitFor(
      async () => {
        await touch(job.before);
        return watched.seen.includes(job.before) && observer.seen.includes(job.before);
      },
      Boolean,
      20_000,
      300,
    );
    await withdraw();
    await touch(job.after);
    await waitFor(() => observer.seen.includes(job.after) && watched.closed.code !== undefined, Boolean, 20_000, 20);
    await watched.client.dispose();
    await observer.client.dispose();
    return { closed: watched.closed, seen: watched.seen };
  }

  beforeAll(async () => {
    first = await startTestApp();
    second = await startTestApp({ databaseUrl: first.databaseUrl });
    db = new pg.Client({ connectionString: first.databaseUrl });
    await db.connect();
    adminToken = await accessToken(first.url);
    alice = await createUser(first.url, adminToken, 'alice');
    jobs.alice = await twoJobs(alice.token);
  });
  afterAll(async () => {
    await db.end();
    await first.close();
    await second.close();
  });

  it('closes the subscriptions of a user disabled by SQL (4401), and sends them nothing after', async () => {
    const dora = await createUser(first.url, adminToken, 'dora');
    const doraJobs = await twoJobs(dora.token);
    const { closed, seen } = await withdrawnWhileSubscribed(dora.token, doraJobs, () =>
      db.query('UPDATE users SET disabled = true WHERE id = $1', [dora.id]),
    );
    expect(closed).toEqual({ code: 4401, reason: 'This account is disabled. Ask an administrator to enable it.' });
    expect(seen).not.toContain(doraJobs.after);
  });

  it('closes the subscriptions of a revoked API token, and only those', async () => {
    const { token, apiToken } = await aliceApiToken('watcher');
    const sameUser = subscriber(second.url, alice.token);
    const { closed, seen } = await withdrawnWhileSubscribed(token, jobs.alice, () =>
      graphql(first.url, alice.token, 'mutation($id: ID!) { revokeApiToken(id: $id) }', { id: apiToken.id }),
    );
    expect(closed).toEqual({ code: 4401, reason: 'This API token was revoked. Create a new one.' });
    expect(seen).not.toContain(jobs.alice.after);
    // Alice's session on another connection was not revoked, and still receives her events.
    await waitFor(() => sameUser.seen.includes(jobs.alice.after), Boolean);
    expect(sameUser.closed.code).toBeUndefined();
    await sameUser.client.dispose();
  });

  it('closes the subscriptions of an API token deleted by SQL', async () => {
    const { token, apiToken } = await aliceApiToken('doomed');
    const { closed } = await withdrawnWhileSubscribed(token, jobs.alice, () =>
      db.query('DELETE FROM api_tokens WHERE id = $1', [apiToken.id]),
    );
    expect(closed.code).toBe(4401);
  });

  it("stops a demoted administrator's all-users stream (4403)", async () => {
    const eve = await createUser(first.url, adminToken, 'eve');
    await db.query(`UPDATE users SET role = 'admin' WHERE id = $1`, [eve.id]);
    // As an administrator, Eve sees Alice's jobs; after demotion she must not.
    const { closed, seen } = await withdrawnWhileSubscribed(eve.token, jobs.alice, () =>
      db.query(`UPDATE users SET role = 'user' WHERE id = $1`, [eve.id]),
    );
    expect(closed).toEqual({ code: 4403, reason: 'Your permissions changed. Connect again to continue.' });
    expect(seen).not.toContain(jobs.alice.after);
  });

  it('closes a connection on every instance, whichever instance made the change', async () => {
    const fred = await createUser(first.url, adminToken, 'fred');
    const onFirst = subscriber(first.url, fred.token);
    const onSecond = subscriber(second.url, fred.token);
    // Both connections are open once an operation has run on each.
    for (const s of [onFirst, onSecond]) {
      await new Promise<void>((resolve, reject) =>
        s.client.subscribe({ query: '{ me { id } }' }, { next: () => undefined, error: reject, complete: resolve }),
      );
    }
    await db.query('DELETE FROM users WHERE id = $1', [fred.id]);
    await waitFor(() => onFirst.closed.code !== undefined && onSecond.closed.code !== undefined, Boolean);
    for (const s of [onFirst, onSecond]) {
      expect(s.closed).toEqual({ code: 4401, reason: 'The account behind this token no longer exists.' });
      await s.client.dispose();
    }
  });

  it('closes within the 30 s recheck a connection whose change was never announced', async () => {
    const gus = await createUser(first.url, adminToken, 'gus');
    const watched = subscriber(second.url, gus.token);
    await new Promise<void>((resolve, reject) =>
      watched.client.subscribe({ query: '{ me { id } }' }, { next: () => undefined, error: reject, complete: resolve }),
    );
    // As if the announcement were lost (the listener reconnecting): the change is made unheard.
    await db.query('BEGIN');
    await db.query('ALTER TABLE users DISABLE TRIGGER user_credentials_changed');
    await db.query('UPDATE users SET disabled = true WHERE id = $1', [gus.id]);
    await db.query('ALTER TABLE users ENABLE TRIGGER user_credentials_changed');
    await db.query('COMMIT');
    await waitFor(() => watched.closed.code, Boolean, 45_000, 100);
    expect(watched.closed).toEqual({
      code: 4401,
      reason: 'This account is disabled. Ask an administrator to enable it.',
    });
    await watched.client.dispose();
  }, 60_000);

  // Last: closing a second app in this process disturbs the others' sign-in (a shared registry).
  it('closes the subscriptions of an expired access token', async () => {
    const shortLived = await startTestApp({ databaseUrl: first.databaseUrl, env: { JWT_EXPIRES_IN: '8s' } });
    try {
      const token = await accessToken(shortLived.url, 'alice', 'password-of-alice');
      const watched = subscriber(second.url, token);
      await waitFor(
        async () => {
          await touch(jobs.alice.before);
          return watched.seen.includes(jobs.alice.before);
        },
        Boolean,
        20_000,
        300,
      );
      await waitFor(() => watched.closed.code, Boolean, 20_000, 50);
      expect(watched.closed).toEqual({ code: 4401, reason: 'Your session has expired. Sign in again.' });
      await watched.client.dispose();
    } finally {
      await shortLived.close();
    }
  });
});

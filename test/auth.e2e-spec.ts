import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { accessToken, createUser, graphql, login } from './support/clients.js';
import { ADMIN, startTestApp, type TestApp } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';

const ME = '{ me { id username roles } }';

describe('authentication', () => {
  let server: TestApp;
  let adminToken: string;

  beforeAll(async () => {
    server = await startTestApp({
      env: {
        LOGIN_MAX_FAILURES_PER_USER: '3',
        LOGIN_MAX_FAILURES_PER_ADDRESS: '6',
        // Lets the tests speak for different client addresses through X-Forwarded-For.
        TRUST_PROXY: 'loopback',
      },
    });
    adminToken = await accessToken(server.url);
  });
  afterAll(() => server.close());

  describe('POST /api/auth/login', () => {
    it('answers the contract shape with an access token that works', async () => {
      const response = await login(server.url);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { accessToken: string; user: Record<string, unknown> };
      expect(body.user).toEqual({ id: expect.any(String), username: 'admin', roles: ['user', 'admin'] });
      const me = await graphql(server.url, body.accessToken, ME);
      expect(me.data).toEqual({ me: body.user });
    });

    it('finds the username regardless of case', async () => {
      expect((await login(server.url, 'ADMIN')).status).toBe(200);
    });

    it('answers 401 with the same message for an unknown user and a wrong password', async () => {
      const unknownUser = await login(server.url, 'nobody-here', 'whatever-password', {
        'x-forwarded-for': '10.1.0.1',
      });
      const wrongPassword = await login(server.url, 'admin', 'not-the-password', { 'x-forwarded-for': '10.1.0.2' });
      expect(unknownUser.status).toBe(401);
      expect(wrongPassword.status).toBe(401);
      const [a, b] = [await unknownUser.json(), await wrongPassword.json()];
      expect(a).toEqual(b);
      expect(a).toEqual({
        statusCode: 401,
        code: 'UNAUTHENTICATED',
        message: 'The username or password is incorrect.',
      });
    });

    it('answers 400 saying what is missing when the body is malformed', async () => {
      const response = await fetch(`${server.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin' }),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        code: 'BAD_USER_INPUT',
        message: expect.stringContaining('"password"'),
      });

      const notJson = await fetch(`${server.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"username": ',
      });
      expect(notJson.status).toBe(400);
      expect(await notJson.json()).toMatchObject({
        code: 'BAD_USER_INPUT',
        message: expect.stringContaining('Send valid JSON'),
      });
    });

    it('limits failures per username, even from other addresses, and even with the right password then', async () => {
      const victim = await createUser(server.url, adminToken, 'throttled-user');
      for (const address of ['10.2.0.1', '10.2.0.2', '10.2.0.3']) {
        expect(
          (await login(server.url, 'throttled-user', 'wrong-password', { 'x-forwarded-for': address })).status,
        ).toBe(401);
      }
      const blocked = await login(server.url, 'throttled-user', victim.password, { 'x-forwarded-for': '10.2.0.4' });
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await blocked.json()).toMatchObject({
        code: 'TOO_MANY_REQUESTS',
        message: expect.stringMatching(/Wait \d+ minutes/),
      });
      // Other users are not affected.
      expect((await login(server.url, ADMIN.username, ADMIN.password, { 'x-forwarded-for': '10.2.0.4' })).status).toBe(
        200,
      );
    });

    it('counts simultaneous guesses in full', async () => {
      await createUser(server.url, adminToken, 'burst-target');
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          login(server.url, 'burst-target', `guess-${i}`, { 'x-forwarded-for': `10.4.0.${i + 1}` }),
        ),
      );
      const statuses = answers.map((response) => response.status);
      expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(3);
      expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(5);
    });

    it('limits failures per client address across usernames', async () => {
      const address = { 'x-forwarded-for': '10.3.0.1' };
      for (let i = 0; i < 6; i++) {
        expect((await login(server.url, `guess-${i}`, 'wrong-password', address)).status).toBe(401);
      }
      expect((await login(server.url, 'admin', ADMIN.password, address)).status).toBe(429);
      expect((await login(server.url, 'admin', ADMIN.password, { 'x-forwarded-for': '10.3.0.2' })).status).toBe(200);
    });

    it('never writes a password or a token to the log', async () => {
      const token = await accessToken(server.url);
      await graphql(server.url, token, ME);
      await login(server.url, 'admin', 'a-wrong-password-to-look-for');
      const logText = JSON.stringify(server.logs);
      expect(server.logs.length).toBeGreaterThan(0);
      expect(logText).not.toContain(ADMIN.password);
      expect(logText).not.toContain('a-wrong-password-to-look-for');
      expect(logText).not.toContain(token);
      expect(logText).toContain('"requestId"');
    });
  });

  describe('bearer tokens', () => {
    it('refuses GraphQL without credentials, with a message that says what to send', async () => {
      const result = await graphql(server.url, undefined, ME);
      expect(result.errors?.[0]).toMatchObject({
        extensions: { code: 'UNAUTHENTICATED' },
        message: expect.stringContaining('Authorization: Bearer'),
      });
      const garbage = await graphql(server.url, 'not-a-token', ME);
      expect(garbage.errors?.[0]).toMatchObject({
        extensions: { code: 'UNAUTHENTICATED' },
        message: expect.stringContaining('not valid'),
      });
    });

    it('refuses a forged access token', async () => {
      const token = await accessToken(server.url);
      const [header, payload] = token.split('.');
      const forged = `${header}.${payload}.${Buffer.from('forged-signature').toString('base64url')}`;
      const result = await graphql(server.url, forged, ME);
      expect(result.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('stops honouring the tokens of a disabled user at once', async () => {
      const user = await createUser(server.url, adminToken, 'soon-disabled');
      expect((await graphql(server.url, user.token, ME)).data).toBeTruthy();
      const db = new pg.Client({ connectionString: server.databaseUrl });
      await db.connect();
      await db.query('UPDATE users SET disabled = true WHERE id = $1', [user.id]);
      await db.end();
      const result = await graphql(server.url, user.token, ME);
      expect(result.errors?.[0]).toMatchObject({
        extensions: { code: 'UNAUTHENTICATED' },
        message: expect.stringContaining('disabled'),
      });
      expect((await login(server.url, 'soon-disabled', user.password)).status).toBe(401);
    });
  });

  describe('API tokens', () => {
    const CREATE =
      'mutation($name: String!) { createApiToken(name: $name) { token apiToken { id name tokenPrefix } } }';
    const REVOKE = 'mutation($id: ID!) { revokeApiToken(id: $id) }';

    it('creates a token that is shown once, works, records its use and stops working when revoked', async () => {
      const created = await graphql<{
        createApiToken: { token: string; apiToken: { id: string; name: string; tokenPrefix: string } };
      }>(server.url, adminToken, CREATE, { name: 'nightly import script' });
      const { token, apiToken } = created.data!.createApiToken;
      expect(token).toMatch(/^omu_[A-Za-z0-9_-]{43}$/);
      expect(token.startsWith(apiToken.tokenPrefix)).toBe(true);

      const me = await graphql<{ me: { username: string } }>(server.url, token, ME);
      expect(me.data?.me.username).toBe('admin');

      const listed = await graphql<{ apiTokens: Record<string, unknown>[] }>(
        server.url,
        adminToken,
        '{ apiTokens { id name lastUsedAt revokedAt } }',
      );
      const entry = listed.data!.apiTokens.find((t) => t.id === apiToken.id)!;
      expect(entry).toMatchObject({ name: 'nightly import script', revokedAt: null });
      expect(entry.lastUsedAt).not.toBeNull();
      expect(JSON.stringify(listed)).not.toContain(token);

      expect((await graphql(server.url, adminToken, REVOKE, { id: apiToken.id })).data).toEqual({
        revokeApiToken: true,
      });
      const refused = await graphql(server.url, token, ME);
      expect(refused.errors?.[0]).toMatchObject({
        extensions: { code: 'UNAUTHENTICATED' },
        message: expect.stringContaining('revoked'),
      });
    });

    it("treats another user's token id as not found", async () => {
      const other = await createUser(server.url, adminToken, 'token-owner');
      const created = await graphql<{ createApiToken: { apiToken: { id: string } } }>(server.url, other.token, CREATE, {
        name: 'mine',
      });
      const id = created.data!.createApiToken.apiToken.id;
      for (const attempt of [id, 'not-a-uuid']) {
        const result = await graphql(server.url, adminToken, REVOKE, { id: attempt });
        expect(result.errors?.[0].extensions?.code).toBe('NOT_FOUND');
      }
      const stillMine = await graphql<{ apiTokens: { id: string; revokedAt: null }[] }>(
        server.url,
        other.token,
        '{ apiTokens { id revokedAt } }',
      );
      expect(stillMine.data?.apiTokens).toEqual([{ id, revokedAt: null }]);
    });

    it('rejects an empty token name', async () => {
      const result = await graphql(server.url, adminToken, CREATE, { name: '   ' });
      expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    });
  });

  describe('users', () => {
    const CREATE_USER = 'mutation($input: CreateUserInput!) { createUser(input: $input) { id username roles } }';

    it('lets an administrator create users and administrators', async () => {
      const result = await graphql(server.url, adminToken, CREATE_USER, {
        input: { username: 'second-admin', password: 'a-long-password', admin: true },
      });
      expect(result.data).toEqual({
        createUser: { id: expect.any(String), username: 'second-admin', roles: ['user', 'admin'] },
      });
    });

    it('refuses createUser to a plain user with FORBIDDEN', async () => {
      const user = await createUser(server.url, adminToken, 'plain-user');
      const result = await graphql(server.url, user.token, CREATE_USER, {
        input: { username: 'sneaky', password: 'a-long-password' },
      });
      expect(result.errors?.[0]).toMatchObject({
        extensions: { code: 'FORBIDDEN' },
        message: 'Only admin users may do this.',
      });
      expect((await login(server.url, 'sneaky', 'a-long-password')).status).toBe(401);
    });

    it('answers CONFLICT for a taken username, whatever its case', async () => {
      const result = await graphql(server.url, adminToken, CREATE_USER, {
        input: { username: 'Admin', password: 'a-long-password' },
      });
      expect(result.errors?.[0]).toMatchObject({
        extensions: { code: 'CONFLICT' },
        message: expect.stringContaining('taken'),
      });
    });

    it('answers BAD_USER_INPUT naming each bad field', async () => {
      const result = await graphql(server.url, adminToken, CREATE_USER, {
        input: { username: '../x', password: 'short' },
      });
      expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0].message).toMatch(/username must be .*; password must be at least 8/);
    });

    it('changes a password only when the current one is given', async () => {
      const user = await createUser(server.url, adminToken, 'changes-password');
      const CHANGE = 'mutation($input: ChangePasswordInput!) { changePassword(input: $input) }';
      const wrong = await graphql(server.url, user.token, CHANGE, {
        input: { currentPassword: 'nope', newPassword: 'brand-new-password' },
      });
      expect(wrong.errors?.[0]).toMatchObject({
        extensions: { code: 'BAD_USER_INPUT' },
        message: 'The current password is incorrect.',
      });
      const right = await graphql(server.url, user.token, CHANGE, {
        input: { currentPassword: user.password, newPassword: 'brand-new-password' },
      });
      expect(right.data).toEqual({ changePassword: true });
      expect((await login(server.url, 'changes-password', 'brand-new-password')).status).toBe(200);
    });
  });
});

describe('access token expiry', () => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp({ env: { JWT_EXPIRES_IN: '3s' } });
  });
  afterAll(() => server.close());

  it('refuses an expired access token with a message saying to sign in again', async () => {
    const response = await login(server.url);
    const body = (await response.json()) as { accessToken: string; expiresIn: number };
    expect(body.expiresIn).toBe(3);
    expect((await graphql(server.url, body.accessToken, ME)).data).toBeTruthy();
    // Polled rather than slept past: the token works until it expires, then is refused.
    const result = await waitFor(
      () => graphql(server.url, body.accessToken, ME),
      (answer) => answer.errors !== undefined,
      15_000,
      250,
    );
    expect(result.errors?.[0]).toMatchObject({
      extensions: { code: 'UNAUTHENTICATED' },
      message: 'Your session has expired. Sign in again.',
    });
  });
});

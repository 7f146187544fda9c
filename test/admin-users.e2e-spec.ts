import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { accessToken, createUser, graphql, login } from './support/clients.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const USERS = `query($page: PageInput, $sort: UserSort, $filter: UserFilter) {
  adminUsers(page: $page, sort: $sort, filter: $filter) {
    total items { id username roles disabled omeroAccount createdAt lastLoginAt }
  }
}`;
const TOKENS = `query($filter: ApiTokenFilter, $sort: ApiTokenSort) {
  adminApiTokens(filter: $filter, sort: $sort) { total items { id name userId username lastUsedAt revokedAt } }
}`;

interface Account {
  id: string;
  username: string;
  roles: string[];
  disabled: boolean;
  omeroAccount: boolean;
  lastLoginAt: string | null;
}

/** Administrators manage accounts and everyone's API tokens; nobody else may. */
describe('user and token administration', () => {
  let server: TestApp;
  let adminToken: string;
  let adminId: string;
  let carol: { id: string; token: string; password: string };
  let dan: { id: string; token: string; password: string };

  const run = <T>(query: string, variables?: Record<string, unknown>, token = adminToken) =>
    graphql<T>(server.url, token, query, variables);
  const users = async (variables: Record<string, unknown> = {}) => {
    const result = await run<{ adminUsers: { total: number; items: Account[] } }>(USERS, variables);
    if (!result.data) throw new Error(JSON.stringify(result.errors));
    return result.data.adminUsers;
  };
  const me = (token: string) => run<{ me: { id: string; roles: string[] } }>('{ me { id roles } }', {}, token);

  beforeAll(async () => {
    server = await startTestApp();
    adminToken = await accessToken(server.url);
    adminId = (await me(adminToken)).data!.me.id;
    carol = await createUser(server.url, adminToken, 'carol');
    dan = await createUser(server.url, adminToken, 'Dan');
  });
  afterAll(() => server.close());

  it('lists every account by username, a page at a time, with the total, and filters them', async () => {
    const all = await users();
    expect(all.total).toBe(3);
    expect(all.items.map((user) => user.username)).toEqual(['admin', 'carol', 'Dan']);
    expect(all.items[1]).toMatchObject({ id: carol.id, roles: ['user'], disabled: false, omeroAccount: false });
    expect(all.items[1].lastLoginAt).not.toBeNull();

    const second = await users({ page: { limit: 1, offset: 1 } });
    expect(second).toEqual({ total: 3, items: [all.items[1]] });
    const newest = await users({ sort: { field: 'CREATED_AT', direction: 'DESC' } });
    expect(newest.items.map((user) => user.username)).toEqual(['Dan', 'carol', 'admin']);

    expect((await users({ filter: { username: 'AR' } })).items.map((u) => u.username)).toEqual(['carol']);
    expect((await users({ filter: { admin: true } })).items.map((u) => u.id)).toEqual([adminId]);
    expect((await users({ filter: { admin: false } })).total).toBe(2);
    expect((await users({ filter: { disabled: true } })).total).toBe(0);
    expect((await users({ filter: { ids: [dan.id] } })).items.map((u) => u.username)).toEqual(['Dan']);
  });

  it("disables an account: the user's next request is refused, and enabling it lets them back", async () => {
    const SET = 'mutation($id: ID!, $d: Boolean!) { setUserDisabled(id: $id, disabled: $d) { id disabled } }';
    const disabled = await run(SET, { id: dan.id, d: true });
    expect(disabled.data).toEqual({ setUserDisabled: { id: dan.id, disabled: true } });

    const refused = await me(dan.token);
    expect(refused.errors?.[0]).toMatchObject({
      message: 'This account is disabled. Ask an administrator to enable it.',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    expect((await login(server.url, 'Dan', dan.password)).status).toBe(401);
    expect((await users({ filter: { disabled: true } })).items.map((u) => u.id)).toEqual([dan.id]);

    await run(SET, { id: dan.id, d: false });
    expect((await me(dan.token)).data!.me.id).toBe(dan.id);
  });

  it('refuses to disable or demote oneself, and says who can', async () => {
    const disable = await run('mutation($id: ID!) { setUserDisabled(id: $id, disabled: true) { id } }', {
      id: adminId,
    });
    expect(disable.errors?.[0]).toMatchObject({
      message: 'You cannot disable your own account; ask another administrator.',
      extensions: { code: 'CONFLICT' },
    });
    const demote = await run('mutation($id: ID!) { setUserAdmin(id: $id, admin: false) { id } }', { id: adminId });
    expect(demote.errors?.[0].extensions?.code).toBe('CONFLICT');
    expect((await me(adminToken)).data!.me.roles).toEqual(['user', 'admin']);
  });

  it('grants and takes the administrator role, which the user has at their next request', async () => {
    const SET = 'mutation($id: ID!, $a: Boolean!) { setUserAdmin(id: $id, admin: $a) { roles } }';
    expect((await run(SET, { id: carol.id, a: true })).data).toEqual({ setUserAdmin: { roles: ['user', 'admin'] } });
    expect((await run('{ adminUsers { total } }', {}, carol.token)).data).toEqual({ adminUsers: { total: 3 } });

    expect((await run(SET, { id: carol.id, a: false })).data).toEqual({ setUserAdmin: { roles: ['user'] } });
    const refused = await run('{ adminUsers { total } }', {}, carol.token);
    expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('resets a password: the new one signs in, the old one no longer does', async () => {
    const result = await run(
      'mutation($id: ID!) { resetUserPassword(id: $id, password: "a-brand-new-secret") { id } }',
      {
        id: carol.id,
      },
    );
    expect(result.data).toEqual({ resetUserPassword: { id: carol.id } });
    expect((await login(server.url, 'carol', 'a-brand-new-secret')).status).toBe(200);
    expect((await login(server.url, 'carol', carol.password)).status).toBe(401);

    const short = await run('mutation($id: ID!) { resetUserPassword(id: $id, password: "short") { id } }', {
      id: carol.id,
    });
    expect(short.errors?.[0]).toMatchObject({
      message: expect.stringContaining('password must be at least 8 characters long'),
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it('answers NOT_FOUND for an account that does not exist', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    for (const id of [missing, 'nobody']) {
      const result = await run('mutation($id: ID!) { setUserDisabled(id: $id, disabled: true) { id } }', { id });
      expect(result.errors?.[0]).toMatchObject({
        message: `There is no user ${id}.`,
        extensions: { code: 'NOT_FOUND' },
      });
    }
  });

  it("lists everyone's API tokens with their last use, and revokes them at once", async () => {
    const CREATE = 'mutation($n: String!) { createApiToken(name: $n) { token apiToken { id } } }';
    const made = await run<{ createApiToken: { token: string; apiToken: { id: string } } }>(
      CREATE,
      { n: 'script' },
      dan.token,
    );
    const { token, apiToken } = made.data!.createApiToken;
    await run(CREATE, { n: 'notebook' }, carol.token);
    expect((await me(token)).data!.me.id).toBe(dan.id);

    const listed = await run<{ adminApiTokens: { total: number; items: Record<string, unknown>[] } }>(TOKENS, {
      sort: { field: 'NAME', direction: 'ASC' },
    });
    expect(listed.data!.adminApiTokens.total).toBe(2);
    expect(listed.data!.adminApiTokens.items.map((t) => [t.name, t.username])).toEqual([
      ['notebook', 'carol'],
      ['script', 'Dan'],
    ]);
    const mine = await run<{ adminApiTokens: { items: Record<string, unknown>[] } }>(TOKENS, {
      filter: { userId: dan.id },
    });
    expect(mine.data!.adminApiTokens.items).toEqual([
      {
        id: apiToken.id,
        name: 'script',
        userId: dan.id,
        username: 'Dan',
        lastUsedAt: expect.any(String),
        revokedAt: null,
      },
    ]);

    const revoked = await run('mutation($ids: [ID!]!) { revokeApiTokens(ids: $ids) { id ok code } }', {
      ids: [apiToken.id, 'not-a-token'],
    });
    expect(revoked.data).toEqual({
      revokeApiTokens: [
        { id: apiToken.id, ok: true, code: null },
        { id: 'not-a-token', ok: false, code: 'NOT_FOUND' },
      ],
    });
    expect((await me(token)).errors?.[0]).toMatchObject({
      message: 'This API token was revoked. Create a new one.',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    expect((await run(TOKENS, { filter: { active: false } })).data).toMatchObject({
      adminApiTokens: { total: 1, items: [{ id: apiToken.id, revokedAt: expect.any(String) }] },
    });
    expect((await run(TOKENS, { filter: { active: true } })).data).toMatchObject({ adminApiTokens: { total: 1 } });
  });

  it('refuses every one of these operations to a non-administrator with FORBIDDEN', async () => {
    const operations = [
      '{ adminUsers { total } }',
      '{ adminApiTokens { total } }',
      '{ auditEntries { total } }',
      `mutation { setUserDisabled(id: "${adminId}", disabled: true) { id } }`,
      `mutation { setUserAdmin(id: "${dan.id}", admin: true) { id } }`,
      `mutation { resetUserPassword(id: "${adminId}", password: "taken-over-now") { id } }`,
      `mutation { revokeApiTokens(ids: ["${adminId}"]) { ok } }`,
    ];
    for (const query of operations) {
      const result = await run(query, {}, dan.token);
      expect({ query, code: result.errors?.[0].extensions?.code, data: result.data }).toEqual({
        query,
        code: 'FORBIDDEN',
        data: null,
      });
    }
    expect((await me(dan.token)).data!.me.roles).toEqual(['user']);
    expect((await login(server.url)).status).toBe(200);
  });
});

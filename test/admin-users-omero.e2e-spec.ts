import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fakeCli } from './omero-double/fake-omero-cli-link.js';
import { FakeOmeroWeb } from './omero-double/fake-omero-web.js';
import { accessToken, graphql, login } from './support/clients.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const ROOT = { username: 'root-lab', password: 'root-omero-password' };
const ERIN = { username: 'erin', password: 'erin-omero-password' };
const OMERO_RULES = /OMERO/;

/**
 * With a real OMERO signing people in, OMERO owns accounts, passwords and roles: the admin API
 * refuses to make them here, and leaves administrators only disabling (run against the contract
 * double of OMERO, test/omero-double/).
 */
describe('user administration with OMERO configured', () => {
  let fake: FakeOmeroWeb;
  let server: TestApp;
  let rootToken: string;
  let erin: { id: string; token: string };

  const run = (query: string, variables?: Record<string, unknown>, token = rootToken) =>
    graphql(server.url, token, query, variables);

  beforeAll(async () => {
    fake = await FakeOmeroWeb.start();
    const lab = fake.addGroup('lab');
    fake.addUser({ name: ROOT.username, password: ROOT.password, groups: [lab], admin: true });
    fake.addUser({ name: ERIN.username, password: ERIN.password, groups: [lab] });
    const cli = await fakeCli();
    server = await startTestApp({ env: fake.appEnv(cli.cliPath) });
    rootToken = await accessToken(server.url, ROOT.username, ROOT.password);
    const token = await accessToken(server.url, ERIN.username, ERIN.password);
    const me = await graphql<{ me: { id: string } }>(server.url, token, '{ me { id } }');
    erin = { id: me.data!.me.id, token };
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  it("lists OMERO's accounts as such", async () => {
    const result = await run('{ adminUsers(filter: { admin: false }) { total items { username omeroAccount } } }');
    expect(result.data).toEqual({ adminUsers: { total: 1, items: [{ username: 'erin', omeroAccount: true }] } });
  });

  it('refuses to create an account, reset a password or change a role, saying OMERO rules them', async () => {
    const refusals = [
      await run('mutation { createUser(input: { username: "local", password: "local-password" }) { id } }'),
      await run('mutation($id: ID!) { resetUserPassword(id: $id, password: "a-new-password") { id } }', {
        id: erin.id,
      }),
      await run('mutation($id: ID!) { setUserAdmin(id: $id, admin: true) { id } }', { id: erin.id }),
    ];
    for (const refused of refusals) {
      expect(refused.data).toBeNull();
      expect(refused.errors?.[0]).toMatchObject({
        message: expect.stringMatching(OMERO_RULES),
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    expect((await login(server.url, ERIN.username, ERIN.password)).status).toBe(200);
  });

  it("disables an OMERO user: their next request and sign-in are refused until they're enabled", async () => {
    const SET = 'mutation($id: ID!, $d: Boolean!) { setUserDisabled(id: $id, disabled: $d) { disabled } }';
    expect((await run(SET, { id: erin.id, d: true })).data).toEqual({ setUserDisabled: { disabled: true } });
    const refused = await graphql(server.url, erin.token, '{ me { id } }');
    expect(refused.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect((await login(server.url, ERIN.username, ERIN.password)).status).toBe(401);

    await run(SET, { id: erin.id, d: false });
    expect((await graphql(server.url, erin.token, '{ me { id } }')).data).toEqual({ me: { id: erin.id } });
  });
});

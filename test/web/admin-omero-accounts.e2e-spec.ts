import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { graphql, login } from '../support/clients.js';
import { browserSuite, screenshotAtBothWidths, signedInAdminPage } from '../support/browser.js';
import { fakeCli } from '../omero-double/fake-omero-cli-link.js';
import { FakeOmeroWeb } from '../omero-double/fake-omero-web.js';

/**
 * With a real OMERO configured (the contract double), accounts come from OMERO: the users page
 * offers only disabling, no new accounts, and there is no sandbox page.
 */

const OLGA = { username: 'olga', password: 'olga-omero-password' };
const ALICE = { username: 'alice', password: 'alice-omero-password' };
let fake: FakeOmeroWeb;
// Filled in before the suite's app starts (its hooks run after this file's first one).
const appOptions: { env?: Record<string, string> } = {};

beforeAll(async () => {
  fake = await FakeOmeroWeb.start();
  const lab = fake.addGroup('lab');
  fake.addUser({ name: OLGA.username, password: OLGA.password, groups: [lab], admin: true });
  fake.addUser({ name: ALICE.username, password: ALICE.password, groups: [lab] });
  appOptions.env = fake.appEnv((await fakeCli()).cliPath);
});
const suite = browserSuite(appOptions);
afterAll(async () => {
  await fake?.close();
});

describe('users from OMERO', () => {
  it('shows OMERO accounts read-only apart from disabling, and no sandbox page', async () => {
    // Alice's account exists once she has signed in.
    const signedIn = await login(suite.server.url, ALICE.username, ALICE.password);
    expect(signedIn.status).toBe(200);
    const aliceToken = ((await signedIn.json()) as { accessToken: string }).accessToken;

    const open = await signedInAdminPage(suite, '/admin/users', OLGA.username, OLGA.password);
    const { page } = open;
    const row = page.getByRole('row', { name: /^alice\b/ });
    await row.waitFor();
    await page.getByText('Accounts come from OMERO').waitFor();
    expect(await row.textContent()).toMatch(/OMERO/);
    expect(await row.getByRole('button').allTextContents()).toEqual(['Disable']);
    expect(await page.getByRole('link', { name: 'New user' }).count()).toBe(0);
    expect(await page.getByRole('menuitem', { name: 'Users' }).count()).toBe(1);
    expect(await page.getByRole('menuitem', { name: 'Sandbox OMERO' }).count()).toBe(0);
    await screenshotAtBothWidths(open, 'admin-users-omero');

    await row.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Disable' }).click();
    await page.getByText('alice is disabled.').waitFor();
    const refused = await graphql(suite.server.url, aliceToken, '{ me { username } }');
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    open.expectNoErrors();
  });
});

import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { accessToken, createUser, graphql, login } from '../support/clients.js';
import { ADMIN } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';
import { browserSuite, screenshotAtBothWidths, signInThroughPage, signedInAdminPage } from '../support/browser.js';

/**
 * The people pages of the admin app: users (disable, enable, the admin role, a new password,
 * new accounts), everyone's API tokens (revoked one at a time or several), and the audit of
 * changes, each checked through the API their owners use.
 */

const suite = browserSuite();
let adminToken: string;

beforeAll(async () => {
  adminToken = await accessToken(suite.server.url);
});

/** What the server answers `token` for `{ me }`: its username, or the error code. */
async function meWith(token: string): Promise<string | undefined> {
  const answer = await graphql<{ me: { username: string } }>(suite.server.url, token, '{ me { username } }');
  return answer.data?.me.username ?? answer.errors?.[0]?.extensions?.code;
}

/** The users page filtered to one account, and its row. */
async function userRow(page: Page, username: string) {
  await page.getByLabel('Username contains').fill(username);
  const row = page.getByRole('row', { name: new RegExp(`^${username}\\b`) });
  await row.waitFor();
  await waitFor(
    () => page.getByRole('row').count(),
    (rows) => rows === 2,
  );
  return row;
}

/** Clicks `label` in the row, then the same label in the confirmation it asks for. */
async function confirmed(page: Page, row: ReturnType<Page['getByRole']>, label: string) {
  await row.getByRole('button', { name: label }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await dialog.getByRole('button', { name: label }).click();
  await dialog.waitFor({ state: 'detached' });
}

describe('users', () => {
  it('disables a user, whose token and open page stop at once, and enables them again', async () => {
    const dora = await createUser(suite.server.url, adminToken, 'dora');
    // Dora's own page of the uploader, open meanwhile.
    const doraPage = await suite.open();
    await doraPage.page.goto('/');
    await signInThroughPage(doraPage.page, 'dora', dora.password);
    await doraPage.page.getByRole('button', { name: /sign out/i }).waitFor();

    const open = await signedInAdminPage(suite, '/admin/users', ADMIN.username, ADMIN.password);
    const { page } = open;
    await page.getByRole('row', { name: /^admin\b/ }).waitFor();
    await screenshotAtBothWidths(open, 'admin-users');
    const row = await userRow(page, 'dora');
    expect(await row.textContent()).toMatch(/Enabled/);

    await row.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('dialog', { name: 'Disable dora?' }).waitFor();
    await open.screenshot('admin-user-disable-confirm');
    await page.getByRole('dialog').getByRole('button', { name: 'Disable' }).click();
    await page.getByText('dora is disabled.').waitFor();
    await waitFor(
      () => row.textContent(),
      (text) => /Disabled/.test(text ?? ''),
    );
    await screenshotAtBothWidths(open, 'admin-user-disabled');
    // The server filters by state: the disabled accounts are dora alone.
    await page.getByLabel('Username contains').fill('');
    await page.getByRole('combobox', { name: 'State' }).click();
    await page.getByRole('option', { name: 'Disabled' }).click();
    await waitFor(
      () => page.getByRole('row').allTextContents(),
      (rows) => rows.length === 2 && /^dora/.test(rows[1]),
    );
    await page.getByRole('combobox', { name: 'State' }).click();
    await page.getByRole('option', { name: 'Any' }).click();

    // Her next request is refused, and so is a new sign-in; her open page asks her to sign in.
    expect(await meWith(dora.token)).toBe('UNAUTHENTICATED');
    expect((await login(suite.server.url, 'dora', dora.password)).status).toBe(401);
    await doraPage.page.getByRole('dialog', { name: 'Sign in again' }).waitFor();
    await doraPage.screenshot('admin-user-disabled-web-page');

    await confirmed(page, row, 'Enable');
    await page.getByText('dora is enabled again.').waitFor();
    expect(await meWith(dora.token)).toBe('dora');
    expect((await login(suite.server.url, 'dora', dora.password)).status).toBe(200);

    // Disabling oneself is not offered (the server would refuse it).
    const self = await userRow(page, 'admin');
    expect(await self.getByRole('button', { name: 'Disable' }).count()).toBe(0);
    open.expectNoErrors();
    doraPage.expectNoErrors(/401|Unauthorized/i);
  });

  it('grants the admin role, which opens the admin app to them, resets their password, and takes the role back', async () => {
    const eli = await createUser(suite.server.url, adminToken, 'eli');
    const open = await signedInAdminPage(suite, '/admin/users', ADMIN.username, ADMIN.password);
    const { page } = open;
    const row = await userRow(page, 'eli');

    await confirmed(page, row, 'Make admin');
    await page.getByText('eli is now an administrator.').waitFor();
    await waitFor(
      () => row.textContent(),
      (text) => /Administrator/.test(text ?? ''),
    );
    const eliAdmin = await signedInAdminPage(suite, '/admin', 'eli', eli.password);
    await eliAdmin.page.getByRole('menuitem', { name: 'Users' }).waitFor();

    // A new password: the rules are said, a short one is refused here, a good one works.
    await row.getByRole('button', { name: 'Reset password' }).click();
    const dialog = page.getByRole('dialog', { name: 'New password for eli' });
    await dialog.getByLabel('New password').fill('short');
    await dialog.getByRole('button', { name: 'Set password' }).click();
    await dialog.getByText('Too short: the password must be 8 to 1024 characters.').waitFor();
    // One width only: at 360 px the rows become cards, and the dialog closes with its row.
    await open.screenshot('admin-user-password-refused');
    await dialog.getByLabel('New password').fill('a-new-password-for-eli');
    await dialog.getByRole('button', { name: 'Set password' }).click();
    await page.getByText("eli's password is changed.").waitFor();
    expect((await login(suite.server.url, 'eli', 'a-new-password-for-eli')).status).toBe(200);
    expect((await login(suite.server.url, 'eli', eli.password)).status).toBe(401);

    await confirmed(page, row, 'Remove admin role');
    await page.getByText('eli is no longer an administrator.').waitFor();
    const forbidden = await graphql(suite.server.url, eli.token, '{ adminUsers { total } }');
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    open.expectNoErrors();
    eliAdmin.expectNoErrors();
  });

  it('creates a user, saying what a username may be', async () => {
    const open = await signedInAdminPage(suite, '/admin/users', ADMIN.username, ADMIN.password);
    const { page } = open;
    await page.getByRole('link', { name: 'New user' }).click();
    await page.waitForURL(/\/admin\/users\/create$/);
    const username = page.getByRole('textbox', { name: /^Username( \*)?$/ });
    await username.fill('no spaces allowed');
    await page.getByLabel(/^Password/).fill('long-enough-password');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('A username is 2 to 64 letters, digits or . _ @ -.').waitFor();
    await screenshotAtBothWidths(open, 'admin-user-create-refused');
    await username.fill('fern');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('fern may now sign in.').waitFor();
    await userRow(page, 'fern');
    expect((await login(suite.server.url, 'fern', 'long-enough-password')).status).toBe(200);
    open.expectNoErrors();
  });

  it('shows no account for a filter that matches none', async () => {
    const open = await signedInAdminPage(suite, '/admin/users', ADMIN.username, ADMIN.password);
    await open.page.getByLabel('Username contains').fill('nobody-by-this-name');
    await open.page.getByText('No account matches these filters.').first().waitFor();
    await screenshotAtBothWidths(open, 'admin-users-empty');
    open.expectNoErrors();
  });
});

describe('API tokens', () => {
  async function apiToken(ownerToken: string, name: string): Promise<string> {
    const created = await graphql<{ createApiToken: { token: string } }>(
      suite.server.url,
      ownerToken,
      'mutation($name: String!) { createApiToken(name: $name) { token } }',
      { name },
    );
    return created.data!.createApiToken.token;
  }

  it("revokes anyone's token, one or several at once, and each stops working at once", async () => {
    const gil = await createUser(suite.server.url, adminToken, 'gil');
    const nightly = await apiToken(gil.token, 'nightly import script');
    const [first, second] = [await apiToken(gil.token, 'robot one'), await apiToken(gil.token, 'robot two')];
    expect(await meWith(nightly)).toBe('gil');

    const open = await signedInAdminPage(suite, '/admin/tokens', ADMIN.username, ADMIN.password);
    const { page } = open;
    const row = page.getByRole('row', { name: /nightly import script/ });
    await row.waitFor();
    expect(await row.textContent()).toMatch(/gil/);
    // Used once above; the others never.
    expect(await row.textContent()).not.toMatch(/never/);
    expect(await page.getByRole('row', { name: /robot one/ }).textContent()).toMatch(/never/);
    await screenshotAtBothWidths(open, 'admin-tokens');

    await row.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog', { name: /Revoke gil's token "nightly import script"/ }).waitFor();
    await open.screenshot('admin-token-revoke-confirm');
    await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    await waitFor(
      () => meWith(nightly),
      (answer) => answer === 'UNAUTHENTICATED',
    );
    await open.screenshot('admin-token-revoked');
    await page.getByText(`gil's token "nightly import script" is revoked.`).waitFor();
    expect(await meWith(first)).toBe('gil');

    for (const name of ['robot one', 'robot two'])
      await page
        .getByRole('row', { name: new RegExp(name) })
        .getByRole('checkbox')
        .check();
    await page.getByRole('button', { name: 'Revoke' }).first().click();
    await page.getByRole('dialog', { name: 'Revoke the 2 selected tokens?' }).waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await page.getByText('2 tokens are revoked.').waitFor();
    expect(await meWith(first)).toBe('UNAUTHENTICATED');
    expect(await meWith(second)).toBe('UNAUTHENTICATED');
    // Revoked tokens leave the list of live ones.
    await waitFor(
      () => page.getByRole('row', { name: /robot|nightly/ }).count(),
      (rows) => rows === 0,
    );
    open.expectNoErrors();
  });
});

describe('audit', () => {
  it('lists a flag switched in the app with who switched it and the values before and after, readably', async () => {
    const open = await signedInAdminPage(suite, '/admin/flags', ADMIN.username, ADMIN.password);
    const { page } = open;
    const toggle = page.getByRole('switch', { name: 'newUploader' });
    await toggle.waitFor();
    const flagRow = page.getByRole('row', { name: /newUploader/ });
    expect(await flagRow.textContent()).toMatch(/not recorded/);
    await toggle.click();
    await page.getByText('newUploader is now off.').waitFor();
    await waitFor(
      () => flagRow.textContent(),
      (text) => /admin$/.test(text ?? ''),
    );
    await screenshotAtBothWidths(open, 'admin-flags-by-whom');
    // A setting changed meanwhile through the API: sizes are shown in binary units.
    await graphql(
      suite.server.url,
      adminToken,
      'mutation { updateUploaderSettings(input: { maxFileSizeBytes: 3221225472 }) { maxFileSizeBytes } }',
    );

    await page.getByRole('menuitem', { name: 'Audit of changes' }).click();
    await page.waitForURL(/\/admin\/audit/);
    // The flags' table may linger while the audit's page loads: its rows say no "→".
    const flagEntry = page.getByRole('row').filter({ hasText: 'newUploader' }).filter({ hasText: '→' });
    await flagEntry.waitFor();
    expect((await flagEntry.textContent())?.replace(/\s+/g, ' ')).toMatch(/admin.*Flag.*newUploader.*On → Off/);
    const settingEntry = page.getByRole('row').filter({ hasText: 'maxFileSizeBytes' });
    expect(await settingEntry.textContent()).toMatch(/GiB → 3 GiB/);
    await screenshotAtBothWidths(open, 'admin-audit');

    // Filtered to flags, the setting's entry goes.
    await page.getByRole('combobox', { name: 'Of' }).click();
    await page.getByRole('option', { name: 'Feature flags' }).click();
    await settingEntry.waitFor({ state: 'detached' });
    expect(await flagEntry.count()).toBe(1);
    await toggle.count();
    open.expectNoErrors();

    // Back on for the next test file's sake of a predictable app.
    await graphql(
      suite.server.url,
      adminToken,
      'mutation { setFeatureFlag(key: "newUploader", enabled: true) { key } }',
    );
  });
});

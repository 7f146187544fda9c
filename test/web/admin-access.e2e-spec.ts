import { beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { appBuildDir } from '../../src/web-app/web-app.handler.js';
import { accessToken, createUser, graphql } from '../support/clients.js';
import { ADMIN } from '../support/test-app.js';
import type { Page } from 'playwright-core';
import { browserSuite, screenshotAtBothWidths, signedInAdminPage, signInThroughPage } from '../support/browser.js';

/**
 * Who gets into the admin app at /admin: administrators only. Anyone else is told so and can
 * sign out; the server refuses their admin operations whatever the page does.
 */

const suite = browserSuite();
let adminToken: string;
let alice: { password: string };

beforeAll(async () => {
  adminToken = await accessToken(suite.server.url);
  alice = await createUser(suite.server.url, adminToken, 'alice');
});

/**
 * Runs a GraphQL document from the page, with the token the page's session holds. Sent as a
 * string, run in the page: the tests compile without the DOM's types.
 */
function fromPage(page: Page, query: string): Promise<{ errors?: { extensions?: { code?: string } }[] }> {
  return page.evaluate(`(async () => {
    const { token } = JSON.parse(sessionStorage.getItem('omero-uploader.session') || '{}');
    const response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token },
      body: JSON.stringify({ query: ${JSON.stringify(query)} }),
    });
    return response.json();
  })()`);
}

describe('a user who is not an administrator', () => {
  it('is told the app is for administrators, can sign out, and gets FORBIDDEN for admin operations', async () => {
    const open = await suite.open();
    const { page } = open;
    await page.goto('/admin/flags');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await screenshotAtBothWidths(open, 'admin-sign-in');

    await signInThroughPage(page, 'alice', alice.password);
    await page.getByRole('heading', { name: 'Administrators only' }).waitFor();
    expect(await page.locator('main').textContent()).toContain(
      'You are signed in as alice, who is not an administrator',
    );
    // Nothing of the app itself was shown.
    expect(await page.getByRole('switch').count()).toBe(0);
    await screenshotAtBothWidths(open, 'admin-refused');

    const flagSwitch = await fromPage(
      page,
      'mutation { setFeatureFlag(key: "newUploader", enabled: false) { enabled } }',
    );
    expect(flagSwitch.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const settings = await fromPage(
      page,
      'mutation { updateUploaderSettings(input: { uploadExpiryHours: 1 }) { uploadExpiryHours } }',
    );
    expect(settings.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const flags = await graphql<{ featureFlags: { key: string; enabled: boolean }[] }>(
      suite.server.url,
      adminToken,
      '{ featureFlags { key enabled } }',
    );
    expect(flags.data!.featureFlags.find((flag) => flag.key === 'newUploader')?.enabled).toBe(true);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    open.expectNoErrors();
  });
});

describe('weight', () => {
  it('loads at most 350 KB of gzipped JavaScript up to an administrator’s list of feature flags', async () => {
    const open = await suite.open();
    const { page } = open;
    const scripts = new Set<string>();
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (/^\/admin\/assets\/.+\.js$/.test(path)) scripts.add(path.slice('/admin'.length));
    });
    // The home page: the dashboard and its charts are a route of their own (bench/RESULTS.md).
    await page.goto('/admin');
    await signInThroughPage(page, ADMIN.username, ADMIN.password);
    await page.getByRole('switch', { name: 'newUploader' }).waitFor();
    const gzipped = [...scripts].map((path) => gzipSync(readFileSync(join(appBuildDir('admin'), path))).length);
    const total = gzipped.reduce((sum, size) => sum + size, 0);
    // The gate, react-admin and the flags page are separate chunks.
    expect(scripts.size).toBeGreaterThan(2);
    expect(total).toBeLessThanOrEqual(350 * 1000);
    open.expectNoErrors();
  });
});

describe('an administrator', () => {
  it('gets the app, keeps their place on a reload of a deep link, and signs out from the user menu', async () => {
    const open = await signedInAdminPage(suite, '/admin/settings/uploader', ADMIN.username, ADMIN.password);
    await open.page.getByLabel('Largest file').waitFor();
    await open.page.reload();
    await open.page.getByLabel('Largest file').waitFor();
    expect(new URL(open.page.url()).pathname).toBe('/admin/settings/uploader');

    // Signing out from react-admin's user menu ends the session the gate holds.
    await open.page.getByRole('button', { name: 'Profile' }).click();
    await open.page.getByRole('menuitem', { name: 'Logout' }).click();
    await open.page.getByRole('heading', { name: 'Sign in' }).waitFor();
    open.expectNoErrors();
  });
});

describe('an expired session', () => {
  it('asks to sign in again in a dialog when the server refuses the token, then opens the app', async () => {
    const open = await signedInAdminPage(suite, '/admin/flags', ADMIN.username, ADMIN.password);
    const { page } = open;
    await page.getByRole('switch', { name: 'newUploader' }).waitFor();
    // The server stops accepting the token the page holds (as when it expires).
    await page.evaluate(`(() => {
      const session = JSON.parse(sessionStorage.getItem('omero-uploader.session'));
      sessionStorage.setItem('omero-uploader.session', JSON.stringify({ ...session, token: 'no-longer-valid' }));
    })()`);
    await page.reload();
    const dialog = page.getByRole('dialog', { name: 'Sign in again' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('Nothing is lost');
    await screenshotAtBothWidths(open, 'admin-session-expired');
    await dialog.getByLabel('Password').fill(ADMIN.password);
    await dialog.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('switch', { name: 'newUploader' }).waitFor();
    expect(await dialog.count()).toBe(0);
    // The refused token's 401 is the one console error expected.
    open.expectNoErrors(/401/);
  });
});

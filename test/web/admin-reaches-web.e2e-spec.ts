import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accessToken, createUser } from '../support/clients.js';
import { ADMIN } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';
import { browserSuite, screenshotAtBothWidths, signedInAdminPage, signInThroughPage } from '../support/browser.js';

/**
 * What an administrator does in /admin reaches a user's web page that is already open, in
 * another browser profile, without a reload: the uploader switched off (the page becomes the
 * in-place importer) and on again, and new upload rules.
 */

const importRoot = await mkdtemp(join(tmpdir(), 'admin-reaches-web-'));
await writeFile(join(importRoot, 'on-the-server.tif'), 'not read by this test');
const suite = browserSuite({ env: { IMPORT_ROOT: importRoot } });
let bea: { password: string };

beforeAll(async () => {
  bea = await createUser(suite.server.url, await accessToken(suite.server.url), 'bea');
});

/** Bea's uploader, open in a profile of her own, with a marker a reload would wipe. */
async function beasOpenUploader() {
  const open = await suite.open();
  await open.page.goto('/');
  await signInThroughPage(open.page, 'bea', bea.password);
  await open.page.locator('.uppy-Dashboard').waitFor();
  await open.page.evaluate('window.notReloaded = true');
  return open;
}

describe('the admin app and an open web page', () => {
  it('turns the user’s page into the in-place importer when the admin switches newUploader off in /admin, and back', async () => {
    const user = await beasOpenUploader();
    const admin = await signedInAdminPage(suite, '/admin/flags', ADMIN.username, ADMIN.password);
    const toggle = admin.page.getByRole('switch', { name: 'newUploader' });

    await toggle.click();
    await user.page.getByRole('heading', { name: '2. Choose files on the server' }).waitFor();
    await user.page.getByLabel('on-the-server.tif').waitFor();
    expect(await user.page.locator('.uppy-Dashboard').count()).toBe(0);
    await screenshotAtBothWidths(user, 'admin-reaches-web-in-place');

    await toggle.click();
    await user.page.locator('.uppy-Dashboard').waitFor();
    expect(await user.page.evaluate('window.notReloaded')).toBe(true);
    user.expectNoErrors();
    admin.expectNoErrors();
  });

  it('gives the user’s open uploader the rules saved in the admin form at once', async () => {
    const user = await beasOpenUploader();
    const rules = user.page.locator('#upload-rules');
    await waitFor(
      () => rules.textContent(),
      (text) => Boolean(text?.includes('Up to 500 GiB per file')),
    );
    const admin = await signedInAdminPage(suite, '/admin/settings/uploader', ADMIN.username, ADMIN.password);
    const { page } = admin;
    const largest = page.getByLabel('Largest file');
    await largest.waitFor();

    await largest.fill('3');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved: the uploader follows them from now on.').waitFor();

    await waitFor(
      () => rules.textContent(),
      (text) => Boolean(text?.includes('Up to 3 GiB per file')),
    );
    expect(await user.page.evaluate('window.notReloaded')).toBe(true);
    await screenshotAtBothWidths(user, 'admin-reaches-web-rules');
    user.expectNoErrors();
    admin.expectNoErrors();
  });
});

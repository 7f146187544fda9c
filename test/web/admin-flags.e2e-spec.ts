import { beforeAll, describe, expect, it } from '@jest/globals';
import { accessToken, graphql } from '../support/clients.js';
import { ADMIN } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';
import { browserSuite, screenshotAtBothWidths, signedInAdminPage } from '../support/browser.js';

/** The feature flags page of the admin app: one-click toggles that the API sees at once. */

const suite = browserSuite();
let adminToken: string;

beforeAll(async () => {
  adminToken = await accessToken(suite.server.url);
});

async function newUploaderEnabled(): Promise<boolean | undefined> {
  const result = await graphql<{ featureFlags: { key: string; enabled: boolean }[] }>(
    suite.server.url,
    adminToken,
    '{ featureFlags { key enabled } }',
  );
  return result.data?.featureFlags.find((flag) => flag.key === 'newUploader')?.enabled;
}

describe('feature flags', () => {
  it('switches newUploader off and on with one click each, as the API then says, and another open page follows', async () => {
    const open = await signedInAdminPage(suite, '/admin/flags', ADMIN.username, ADMIN.password);
    const { page } = open;
    const toggle = page.getByRole('switch', { name: 'newUploader' });
    await toggle.waitFor();
    expect(await toggle.isChecked()).toBe(true);
    // The description says what the flag does.
    expect(await page.getByRole('row', { name: /newUploader/ }).textContent()).toMatch(/\w+ \w+ \w+/);
    await screenshotAtBothWidths(open, 'admin-flags');

    // Another administrator's page, open at the same time.
    const other = await signedInAdminPage(suite, '/admin/flags', ADMIN.username, ADMIN.password);
    const otherToggle = other.page.getByRole('switch', { name: 'newUploader' });
    await otherToggle.waitFor();

    await toggle.click();
    await waitFor(newUploaderEnabled, (enabled) => enabled === false);
    await page.getByText('newUploader is now off.').waitFor();
    // Polled from here: a waitForFunction whose condition is not yet true evaluates a string in
    // the page, which the app's Content Security Policy forbids.
    await waitFor(
      () => toggle.isChecked(),
      (checked) => !checked,
    );
    await screenshotAtBothWidths(open, 'admin-flag-off');
    // The other page heard of it without a reload.
    await waitFor(
      () => otherToggle.isChecked(),
      (checked) => !checked,
    );

    await toggle.click();
    await waitFor(newUploaderEnabled, (enabled) => enabled === true);
    await waitFor(
      () => toggle.isChecked(),
      (checked) => checked,
    );
    await waitFor(
      () => otherToggle.isChecked(),
      (checked) => checked,
    );
    open.expectNoErrors();
    other.expectNoErrors();
  });
});

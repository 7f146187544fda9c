import { describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { accessToken, createUser, graphql } from '../support/clients.js';
import {
  browserSuite,
  noiseTiff,
  signedInAtStarterDataset,
  uploadThrottle,
  uppyFileInput,
  waitForPhase,
} from '../support/browser.js';
import { waitFor } from '../support/wait-for.js';

/**
 * A session that ends in the middle of an upload: the page asks to sign in again over the
 * uploader, and the upload carries on with the new token, losing nothing.
 */

const suite = browserSuite();

describe('a session ending mid-upload', () => {
  it('asks to sign in again, then completes the same upload', async () => {
    const adminToken = await accessToken(suite.server.url);
    const erin = await createUser(suite.server.url, adminToken, 'erin');
    // Small chunks: each is a request of its own, so the refused token shows at the next one.
    await graphql(
      suite.server.url,
      adminToken,
      'mutation { updateUploaderSettings(input: { chunkSizeBytes: 1048576 }) { chunkSizeBytes } }',
    );
    const { path: file, data } = await noiseTiff('long-scan.tif', 2000);

    const open = await signedInAtStarterDataset(suite, 'erin', erin.password);
    const { page } = open;
    const throttle = await uploadThrottle(open);
    await throttle(1024 * 1024);
    await uppyFileInput(page).setInputFiles(file);
    await page.locator('.uppy-StatusBar-actionBtn--upload').click();
    const uploads = () =>
      graphql<{ uploads: { id: string; offsetBytes: number; status: string }[] }>(
        suite.server.url,
        erin.token,
        '{ uploads { id offsetBytes status } }',
      ).then((result) => result.data?.uploads ?? []);
    await waitFor(uploads, (list) => list.length === 1 && list[0].offsetBytes > 0, 45_000);

    // The server stops accepting erin's token (as when it expires).
    const db = new pg.Client({ connectionString: suite.server.databaseUrl });
    await db.connect();
    try {
      await db.query("UPDATE users SET disabled = true WHERE username = 'erin'");
      const dialog = page.getByRole('dialog', { name: 'Sign in again' });
      await dialog.waitFor({ timeout: 45_000 });
      await open.screenshot('session-ended-mid-upload');
      await db.query("UPDATE users SET disabled = false WHERE username = 'erin'");
    } finally {
      await db.end();
    }
    await throttle(-1);
    await page.getByRole('dialog').getByLabel('Password').fill(erin.password);
    await page.getByRole('dialog').getByRole('button', { name: 'Sign in' }).click();
    await waitForPhase(page, 'long-scan.tif', 'imported', 90_000);
    expect(await page.getByRole('dialog').count()).toBe(0);

    const [upload, ...others] = await uploads();
    expect(others).toEqual([]);
    expect(upload).toMatchObject({ offsetBytes: data.length, status: 'IMPORTED' });
    // The refused requests are reported by the browser itself as failed loads.
    open.expectNoErrors(/status of 401/);
  }, 180_000);
});

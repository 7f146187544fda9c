import { beforeAll, describe, expect, it } from '@jest/globals';
import { accessToken, graphql } from '../support/clients.js';
import { ADMIN } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';
import { browserSuite, screenshotAtBothWidths, signedInAdminPage } from '../support/browser.js';

/**
 * The uploader settings form of the admin app: sizes in MiB/GiB/TiB, extensions as chips,
 * hours, the two name policies explained; saved settings reach `uploaderSettings`, and a value
 * the server would refuse is refused in the form with what is allowed, changing nothing.
 */

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const SETTINGS =
  '{ uploaderSettings { maxFileSizeBytes allowedExtensions chunkSizeBytes autoImport uploadExpiryHours namingPolicy collisionPolicy } }';

interface Settings {
  maxFileSizeBytes: number;
  allowedExtensions: string[];
  chunkSizeBytes: number;
  autoImport: boolean;
  uploadExpiryHours: number;
  namingPolicy: string;
  collisionPolicy: string;
}

const suite = browserSuite();
let adminToken: string;

beforeAll(async () => {
  adminToken = await accessToken(suite.server.url);
});

async function settings(): Promise<Settings> {
  const result = await graphql<{ uploaderSettings: Settings }>(suite.server.url, adminToken, SETTINGS);
  return result.data!.uploaderSettings;
}

describe('uploader settings', () => {
  it('saves sizes, extensions, hours and policies typed in human units, as uploaderSettings then says', async () => {
    const before = await settings();
    const open = await signedInAdminPage(suite, '/admin/settings/uploader', ADMIN.username, ADMIN.password);
    const { page } = open;
    const largest = page.getByLabel('Largest file');
    await largest.waitFor();
    // 500 GiB, the default, reads in GiB.
    expect(await largest.inputValue()).toBe(String(before.maxFileSizeBytes / GIB));
    await screenshotAtBothWidths(open, 'admin-settings');

    await largest.fill('2');
    await page.getByRole('combobox', { name: /^Unit/ }).first().click();
    await page.getByRole('option', { name: 'TiB' }).click();
    const extensions = page.getByLabel('Accepted extensions');
    await extensions.fill('OIR');
    await extensions.press('Enter');
    await extensions.fill(' .VSI');
    await extensions.press('Enter');
    await page.getByLabel('Chunk size').fill('16');
    await page.getByLabel('Delete unfinished uploads after (hours)').fill('48');
    await page.getByLabel('Import as soon as an upload completes').click();
    await page.getByRole('radio', { name: /Number every file/ }).check();
    await page.getByRole('radio', { name: /Refuse the upload/ }).check();
    // The pair does not do what it seems to: the form says so.
    await page.getByRole('status').filter({ hasText: 'Uploads are refused only when names are kept' }).waitFor();
    await screenshotAtBothWidths(open, 'admin-settings-policy-note');
    await page.getByRole('radio', { name: /Keep both files/ }).check();

    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved: the uploader follows them from now on.').waitFor();
    const saved = await waitFor(settings, (now) => now.uploadExpiryHours === 48);
    expect(saved).toEqual({
      maxFileSizeBytes: 2 * 1024 * GIB,
      allowedExtensions: [...before.allowedExtensions, 'oir', 'vsi'],
      chunkSizeBytes: 16 * MIB,
      autoImport: !before.autoImport,
      uploadExpiryHours: 48,
      namingPolicy: 'INCREMENT',
      collisionPolicy: 'RENAME',
    });
    await screenshotAtBothWidths(open, 'admin-settings-saved');
    open.expectNoErrors();
  });

  it('refuses a chunk size over 1 GiB and a malformed extension in the form, saying what is allowed, and changes nothing', async () => {
    const before = await settings();
    const open = await signedInAdminPage(suite, '/admin/settings/uploader', ADMIN.username, ADMIN.password);
    const { page } = open;
    const sent: string[] = [];
    page.on('request', (request) => {
      if (request.postData()?.includes('updateUploaderSettings')) sent.push(request.postData()!);
    });
    await page.getByLabel('Chunk size').waitFor();
    await page.getByLabel('Chunk size').fill('2048');
    const extensions = page.getByLabel('Accepted extensions');
    await extensions.fill('tif!');
    await extensions.press('Enter');
    await page.getByRole('button', { name: 'Save settings' }).click();

    await page.getByText('2 GiB is too large. Allowed: 1 MiB to 1 GiB.').waitFor();
    await page.getByText('"tif!" is not an extension: use letters and digits').waitFor();
    await screenshotAtBothWidths(open, 'admin-settings-invalid');
    expect(sent).toEqual([]);
    expect(await settings()).toEqual(before);

    // The server holds the same line for any other client, with the allowed range in its message.
    const direct = await graphql(
      suite.server.url,
      adminToken,
      'mutation { updateUploaderSettings(input: { chunkSizeBytes: 2147483648 }) { chunkSizeBytes } }',
    );
    expect(direct.errors?.[0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT' },
      message: expect.stringContaining('at most 1 GiB'),
    });
    expect(await settings()).toEqual(before);
    open.expectNoErrors();
  });
});

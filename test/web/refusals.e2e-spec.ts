import { beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { accessToken, createUser, graphql } from '../support/clients.js';
import { tiffLike } from '../support/tus.js';
import { waitFor } from '../support/wait-for.js';
import {
  browserSuite,
  signInThroughPage,
  uppyFileInput,
  waitForPhase,
  waitForText,
  type WatchedPage,
} from '../support/browser.js';

/**
 * What the page refuses, and why it says so: targets the user may not import into, files the
 * upload rules exclude (checked in the browser), and content the server refuses.
 */

const SAMPLES = join(import.meta.dirname, '..', 'fixtures', 'samples');

const suite = browserSuite();
let adminToken: string;
let alice: { password: string };
let carol: { password: string };

beforeAll(async () => {
  adminToken = await accessToken(suite.server.url);
  alice = await createUser(suite.server.url, adminToken, 'alice');
  await createUser(suite.server.url, adminToken, 'bob');
  // Carol is in no shared group: her only group is her sandbox starter group.
  carol = await createUser(suite.server.url, adminToken, 'carol');
});

async function adminMutation<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const result = await graphql<T>(suite.server.url, adminToken, query, variables);
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return result.data;
}

async function signedInAs(username: string, password: string): Promise<WatchedPage> {
  const open = await suite.open();
  await open.page.goto('/');
  await signInThroughPage(open.page, username, password);
  await open.page.getByLabel('OMERO group').waitFor();
  return open;
}

describe('targets', () => {
  it('lists a dataset alice may not import into as disabled, with the reason, and never selects it', async () => {
    const { createSandboxGroup: group } = await adminMutation<{ createSandboxGroup: { id: string } }>(
      'mutation { createSandboxGroup(input: { name: "Shared lab", members: ["alice", "bob"], readWrite: false }) { id } }',
    );
    const container = 'mutation($input: CreateSandboxContainerInput!) { createSandboxContainer(input: $input) { id } }';
    await adminMutation(container, {
      input: { groupId: group.id, type: 'DATASET', name: 'Bob only', owner: 'bob', projectName: 'Bob’s project' },
    });
    await adminMutation(container, {
      input: { groupId: group.id, type: 'DATASET', name: 'Alice’s own', owner: 'alice' },
    });

    const { page, screenshot, expectNoErrors } = await signedInAs('alice', alice.password);
    await page.getByLabel('OMERO group').selectOption({ label: 'Shared lab (Sandbox OMERO)' });
    const bobs = page.getByRole('radio', { name: /Bob only/ });
    const own = page.getByRole('radio', { name: /Alice’s own/ });
    await bobs.waitFor();
    expect(await bobs.isDisabled()).toBe(true);
    expect(await own.isEnabled()).toBe(true);
    // The reason is tied to the radio for screen readers.
    const reasonId = await bobs.getAttribute('aria-describedby');
    expect(await page.locator(`[id="${reasonId}"]`).textContent()).toMatch(/Read-only/);
    await screenshot('target-cannot-link');

    await bobs.click({ force: true });
    expect(await bobs.isChecked()).toBe(false);
    await own.check();
    expect(await own.isChecked()).toBe(true);
    expectNoErrors();
  });
});

describe('files', () => {
  it('refuses, in the browser, a file over the size limit an admin has just set and one with an extension not accepted', async () => {
    const settings =
      'mutation($input: UploaderSettingsInput!) { updateUploaderSettings(input: $input) { maxFileSizeBytes } }';
    const { page, screenshot, expectNoErrors } = await signedInAs('alice', alice.password);
    await waitForText(page.locator('.rules'), /Up to 500 GiB per file/);
    await adminMutation(settings, { input: { maxFileSizeBytes: 10_000 } });
    try {
      // The open page reads the rules again when it gets the focus back (and every minute).
      await page.evaluate("window.dispatchEvent(new Event('focus'))");
      await waitForText(page.locator('.rules'), /Up to 9\.8 KiB per file/);
      await uppyFileInput(page).setInputFiles(join(SAMPLES, 'cells-uint8.tiff'));
      await waitForText(page.locator('.refusals'), /Not added: cells-uint8\.tiff exceeds maximum allowed size/);
      await uppyFileInput(page).setInputFiles({
        name: 'notes.txt',
        mimeType: 'text/plain',
        buffer: Buffer.from('not an image'),
      });
      await waitForText(page.locator('.refusals'), /Not added: notes\.txt: You can only upload: \.tif/);
      expect(await page.locator('.row').count()).toBe(0);
      await screenshot('files-refused-in-browser');
      expectNoErrors();
    } finally {
      await adminMutation(settings, { input: { maxFileSizeBytes: 500 * 1024 ** 3 } });
    }
  });

  it('refuses a folder with a note that says what to do instead', async () => {
    const { page, screenshot, expectNoErrors } = await signedInAs('carol', carol.password);
    await page.getByRole('radio', { name: /My dataset/ }).check();
    // A folder arrives as its files, each with a relative path (as when one is dropped).
    await page.locator('input.uppy-Dashboard-input[webkitdirectory]').first().setInputFiles(SAMPLES);
    await waitForText(page.locator('.refusals'), /Folders cannot be uploaded yet\. Open the folder/);
    expect(await page.locator('.row').count()).toBe(0);
    // One note for the folder, not one per file in it.
    expect(await page.locator('.refusals p').count()).toBe(1);
    await screenshot('folder-refused');
    expectNoErrors();
  });

  it('shows on the file’s row that the server refused a ZIP named .tif', async () => {
    const { page, screenshot, expectNoErrors } = await signedInAs('carol', carol.password);
    await page.getByRole('radio', { name: /My dataset/ }).check();
    const zip = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(2000, 7)]);
    await uppyFileInput(page).setInputFiles({ name: 'archive.tif', mimeType: 'image/tiff', buffer: zip });
    await page.locator('.uppy-StatusBar-actionBtn--upload').click();
    await waitForPhase(page, 'archive.tif', 'refused');
    const row = await page.locator('.row[data-file="archive.tif"]').textContent();
    expect(row).toMatch(/archive\.tif is not an image we can import: its content is .*ZIP/i);
    await screenshot('refused-by-server');
    // The browser reports the refused request itself as a failed resource load.
    expectNoErrors(/status of 415/);
  });
});

describe('imports', () => {
  it('shows why an import failed, and Retry runs it again', async () => {
    const { page, screenshot, expectNoErrors } = await signedInAs('carol', carol.password);
    await page.getByRole('radio', { name: /My dataset/ }).check();
    // TIFF magic followed by noise: accepted as an upload, refused by the importer.
    await uppyFileInput(page).setInputFiles({ name: 'broken.tif', mimeType: 'image/tiff', buffer: tiffLike(4096) });
    await page.locator('.uppy-StatusBar-actionBtn--upload').click();
    await waitForPhase(page, 'broken.tif', 'failed');
    const row = page.locator('.row[data-file="broken.tif"]');
    expect(await row.textContent()).toMatch(/damaged or truncated/);
    await screenshot('import-failed');

    const carolToken = await accessToken(suite.server.url, 'carol', carol.password);
    const jobs = () =>
      graphql<{ importJobs: { status: string; finishedAt: string }[] }>(
        suite.server.url,
        carolToken,
        '{ importJobs { status finishedAt } }',
      ).then((result) => result.data?.importJobs ?? []);
    const [first] = await jobs();
    await row.getByRole('button', { name: 'Retry the import of broken.tif' }).click();
    // The same job ran again: it failed anew, later.
    const [again, ...others] = await waitFor(
      jobs,
      ([job]) => job.status === 'FAILED' && job.finishedAt !== first.finishedAt,
    );
    expect(others).toEqual([]);
    expect(Date.parse(again.finishedAt)).toBeGreaterThan(Date.parse(first.finishedAt));
    await waitForPhase(page, 'broken.tif', 'failed');
    expectNoErrors();
  });
});

import { beforeAll, describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { accessToken, createUser, graphql, starterDataset } from '../support/clients.js';
import { tiffLike, TusClient } from '../support/tus.js';
import { waitFor } from '../support/wait-for.js';
import { browserSuite, signInThroughPage, waitForText, type WatchedPage } from '../support/browser.js';
import { SAMPLES } from '../support/samples.js';

/**
 * History in a real Chromium against the real app (sandbox OMERO): uploads and imports started
 * elsewhere (here through tus and GraphQL, as a script would) appear and change live, failed
 * imports say why and run again, and the status filters narrow the list.
 */

const suite = browserSuite();
let dora: { password: string; token: string };
let target: Record<string, string>;

beforeAll(async () => {
  const adminToken = await accessToken(suite.server.url);
  dora = await createUser(suite.server.url, adminToken, 'dora');
  target = await starterDataset(suite.server.url, dora.token);
});

/** Uploads `data` with tus into Dora's starter dataset, as an integrator's script would; the upload id. */
async function uploadThroughApi(name: string, data: Buffer): Promise<string> {
  const { response, id } = await new TusClient(suite.server.url, dora.token).create(name, data.length, target, data);
  expect(response.status).toBe(201);
  return id;
}

interface Job {
  id: string;
  status: string;
  finishedAt: string | null;
  error: string | null;
}

async function jobOf(uploadId: string): Promise<Job | null> {
  const result = await graphql<{ upload: { importJob: Job | null } }>(
    suite.server.url,
    dora.token,
    'query($id: ID!) { upload(id: $id) { importJob { id status finishedAt error } } }',
    { id: uploadId },
  );
  return result.data!.upload.importJob;
}

const row = (open: WatchedPage, name: string) => open.page.locator(`.history-row[data-file="${name}"]`);

async function historyOfDora(): Promise<WatchedPage> {
  const open = await suite.open();
  // Straight to the History URL: the server answers the page, which opens on History after sign-in.
  await open.page.goto('/history');
  await signInThroughPage(open.page, 'dora', dora.password);
  await open.page.getByRole('heading', { name: 'History' }).waitFor();
  return open;
}

async function screenshots(open: WatchedPage, name: string): Promise<void> {
  await open.screenshot(name);
  await open.page.setViewportSize({ width: 360, height: 800 });
  await open.screenshot(`${name}-360px`);
  await open.page.setViewportSize({ width: 1280, height: 900 });
}

describe('History', () => {
  it('starts empty, then shows an import started through the API, live, up to its thumbnail', async () => {
    const open = await historyOfDora();
    const { page } = open;
    await waitForText(page.locator('.empty'), /No imports yet/);
    await screenshots(open, 'history-empty');

    const uploadId = await uploadThroughApi('cells-uint8.tiff', await readFile(join(SAMPLES, 'cells-uint8.tiff')));
    // No reload: the subscription brings the new job, and its status as it moves.
    const cells = row(open, 'cells-uint8.tiff');
    await cells.and(page.locator('[data-status="SUCCEEDED"]')).waitFor({ timeout: 45_000 });
    expect((await jobOf(uploadId))?.status).toBe('SUCCEEDED');
    // Target names are read after the list: they replace the ids when they arrive.
    const text = await waitForText(cells, /My dataset, in .*\(Sandbox OMERO\)/);
    expect(text).toMatch(/Imported/);
    expect(text).toMatch(/Started today/);
    const thumbnail = cells.locator('img.thumb');
    await expect(thumbnail.getAttribute('alt')).resolves.toMatch(/^cells-uint8\.tiff \(OMERO image \d+\)$/);
    await waitFor(
      () => thumbnail.evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth),
      (width) => width > 0,
    );
    // The sandbox has no OMERO.web: nothing to link to, and nothing says otherwise.
    expect(await cells.locator('a').count()).toBe(0);
    expect(text).not.toMatch(/OMERO\.web/);
    await screenshots(open, 'history-imported');

    // A reload stays on History (the URL is /history) and finds the job again.
    await page.reload();
    await row(open, 'cells-uint8.tiff').waitFor();
    expect(await page.getByRole('link', { name: 'History' }).getAttribute('aria-current')).toBe('page');
    open.expectNoErrors();
  }, 90_000);

  it('shows why an import failed; Retry runs it again and the new outcome arrives live', async () => {
    const open = await historyOfDora();
    const { page } = open;
    // TIFF magic followed by noise: accepted as an upload, refused by the importer.
    const uploadId = await uploadThroughApi('broken.tif', tiffLike(4096));
    const first = await waitFor(
      () => jobOf(uploadId),
      (job) => job?.status === 'FAILED',
      45_000,
    );
    const broken = row(open, 'broken.tif');
    await broken.and(page.locator('[data-status="FAILED"]')).waitFor();
    expect(await broken.textContent()).toContain(first!.error!);
    expect(first!.error).toMatch(/damaged or truncated/);
    expect(await broken.locator('time').last().getAttribute('datetime')).toBe(first!.finishedAt);
    await screenshots(open, 'history-failed');

    await broken.getByRole('button', { name: 'Retry the import of broken.tif' }).click();
    // The same job ran again and failed anew, later; the page learns it from the subscription.
    const again = await waitFor(
      () => jobOf(uploadId),
      (job) => job?.status === 'FAILED' && job.finishedAt !== first!.finishedAt,
      45_000,
    );
    expect(again!.id).toBe(first!.id);
    await broken.locator(`time[datetime="${again!.finishedAt}"]`).waitFor();
    expect(await broken.getAttribute('data-status')).toBe('FAILED');
    await waitForText(page.locator('.history [role=status][aria-live=polite]'), /broken\.tif: /);
    open.expectNoErrors();
  }, 120_000);

  it('narrows the list with the status filters, and lists uploads the server refused with its reason', async () => {
    // A ZIP named .tif: the server refuses it at the upload, so it never becomes an import.
    const zip = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(2000, 7)]);
    const refused = await new TusClient(suite.server.url, dora.token).create('archive.tif', zip.length, target, zip);
    expect(refused.response.status).toBe(415);

    const open = await historyOfDora();
    const { page } = open;
    await row(open, 'broken.tif').waitFor();
    await row(open, 'cells-uint8.tiff').waitFor();
    const names = async () =>
      (await page.locator('.history-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-file')))).sort();

    const status = page.getByRole('group', { name: 'Status' });
    await status.getByText('Failed', { exact: true }).click();
    await waitFor(names, (shown) => shown.join() === 'broken.tif');
    await status.getByText('Imported', { exact: true }).click();
    await waitFor(names, (shown) => shown.join() === 'cells-uint8.tiff');
    await screenshots(open, 'history-filter-imported');
    await status.getByText('Cancelled', { exact: true }).click();
    await waitForText(page.locator('.empty'), /No imports in “Cancelled”/);
    await screenshots(open, 'history-filter-empty');

    // Uploads: every file sent, the refused one included, with the server's message.
    await page.getByRole('group', { name: 'Show' }).getByText('Uploads', { exact: true }).click();
    await waitFor(names, (shown) => shown.join() === 'archive.tif,broken.tif,cells-uint8.tiff');
    await status.getByText('Refused', { exact: true }).click();
    await waitFor(names, (shown) => shown.join() === 'archive.tif');
    expect(await row(open, 'archive.tif').textContent()).toMatch(/not an image we can import: its content is .*ZIP/i);
    await screenshots(open, 'history-uploads-refused');
    open.expectNoErrors();
  }, 90_000);

  it('is reached from the navigation with the keyboard, and the uploader keeps its place', async () => {
    const open = await suite.open();
    const { page } = open;
    await page.goto('/');
    await signInThroughPage(page, 'dora', dora.password);
    await page.getByRole('radio', { name: /My dataset/ }).waitFor();
    await page.getByRole('link', { name: 'History' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'History' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/history');
    // The History heading has the focus: a screen reader starts reading there.
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('history-heading');
    await page.goBack();
    await page.getByRole('radio', { name: /My dataset/ }).waitFor({ state: 'visible' });
    expect(await page.getByRole('link', { name: 'Upload' }).getAttribute('aria-current')).toBe('page');
    open.expectNoErrors();
  });
});

describe('History without a network', () => {
  it('says the history could not be loaded and what to do, and Try again loads it once back online', async () => {
    const open = await historyOfDora();
    const { page } = open;
    await row(open, 'cells-uint8.tiff').waitFor();
    await open.context.setOffline(true);
    await page.getByRole('group', { name: 'Status' }).getByText('Failed', { exact: true }).click();
    await waitForText(
      page.getByRole('alert'),
      /could not be loaded: The server cannot be reached\. Check your network/,
    );
    await screenshots(open, 'history-error');
    await open.context.setOffline(false);
    await page.getByRole('button', { name: 'Try again' }).click();
    await row(open, 'broken.tif').waitFor();
    expect(await row(open, 'cells-uint8.tiff').count()).toBe(0);
    // Chromium reports the requests that failed while offline (the page's and its socket's).
    open.expectNoErrors(/ERR_INTERNET_DISCONNECTED/, /WebSocket/);
  });
});

describe('History paging', () => {
  it('pages through more uploads than fit on one page, newest first', async () => {
    // Twenty more uploads, each refused at once by the server (ZIP content): cheap to make.
    const zip = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(500, 7)]);
    const client = new TusClient(suite.server.url, dora.token);
    for (let n = 1; n <= 20; n++) {
      const { response } = await client.create(`refused-${String(n).padStart(2, '0')}.tif`, zip.length, target, zip);
      expect(response.status).toBe(415);
    }
    const open = await historyOfDora();
    const { page } = open;
    await page.getByRole('group', { name: 'Show' }).getByText('Uploads', { exact: true }).click();
    const pager = page.getByRole('navigation', { name: 'History pages' });
    await waitForText(pager, /1–20 of 23 \(page 1 of 2\)/);
    // Newest first: the last refused upload heads the list; the first upload of all is on page 2.
    expect(await page.locator('.history-row').first().getAttribute('data-file')).toBe('refused-20.tif');
    expect(await row(open, 'cells-uint8.tiff').count()).toBe(0);
    await pager.getByRole('button', { name: 'Older' }).click();
    await waitForText(pager, /21–23 of 23 \(page 2 of 2\)/);
    await row(open, 'cells-uint8.tiff').waitFor();
    expect(await page.locator('.history-row').count()).toBe(3);
    await screenshots(open, 'history-page-2');
    open.expectNoErrors();
  }, 90_000);
});

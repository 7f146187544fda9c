import { beforeAll, describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { accessToken, createUser, graphql, starterDataset } from '../support/clients.js';
import { ADMIN } from '../support/test-app.js';
import { tiffLike, TusClient } from '../support/tus.js';
import { waitFor } from '../support/wait-for.js';
import { browserSuite, screenshotAtBothWidths, signedInAdminPage, type WatchedPage } from '../support/browser.js';
import { SAMPLES } from '../support/samples.js';

/**
 * The admin app's import jobs and uploads: everyone's, paged, filtered and counted by the
 * server, with owners' names; a failed job retried from the list changes there live; a job's
 * page shows its error and the importer's log; unfinished uploads show their progress and are
 * cancelled in bulk. Real failing imports (a damaged TIFF sent through tus to the sandbox).
 */

const suite = browserSuite();
let adminToken: string;
const users: Record<string, { id: string; token: string; target: Record<string, string> }> = {};

beforeAll(async () => {
  adminToken = await accessToken(suite.server.url);
  for (const name of ['alice', 'bob']) {
    const user = await createUser(suite.server.url, adminToken, name);
    users[name] = { ...user, target: await starterDataset(suite.server.url, user.token) };
  }
});

interface Job {
  id: string;
  status: string;
  finishedAt: string | null;
  error: string | null;
  attempts: number;
}

/** Uploads `data` through tus into the user's starter dataset, which imports it; the upload id. */
async function upload(owner: string, name: string, data: Buffer): Promise<string> {
  const { token, target } = users[owner];
  const { response, id } = await new TusClient(suite.server.url, token).create(name, data.length, target, data);
  expect(response.status).toBe(201);
  return id;
}

async function jobOf(uploadId: string): Promise<Job | null> {
  const result = await graphql<{ adminUploads: { items: { importJob: Job | null }[] } }>(
    suite.server.url,
    adminToken,
    `
      query ($ids: [ID!]) {
        adminUploads(page: { limit: 1, offset: 0 }, filter: { ids: $ids }) {
          items {
            importJob {
              id
              status
              finishedAt
              error
              attempts
            }
          }
        }
      }
    `,
    { ids: [uploadId] },
  );
  return result.data!.adminUploads.items[0]?.importJob ?? null;
}

const settled = (uploadId: string, status: string, other?: (job: Job) => boolean) =>
  waitFor(
    () => jobOf(uploadId),
    (job) => job?.status === status && (!other || other(job)),
    60_000,
  ) as Promise<Job>;

const row = (open: WatchedPage, name: string) => open.page.getByRole('row').filter({ hasText: name });

/** "1-2 of 2": react-admin's pagination, which reads the server's total. */
const shownTotal = (open: WatchedPage) => open.page.locator('.MuiTablePagination-displayedRows').textContent();

describe('before anything was uploaded', () => {
  it('says what the lists will hold, and says so again when the server cannot answer', async () => {
    const open = await signedInAdminPage(suite, '/admin/jobs', ADMIN.username, ADMIN.password);
    const { page } = open;
    await page.getByRole('heading', { name: 'No import jobs yet' }).waitFor();
    await screenshotAtBothWidths(open, 'admin-jobs-empty');
    await page.getByRole('menuitem', { name: 'Uploads' }).click();
    await page.getByRole('heading', { name: 'No uploads yet' }).waitFor();
    await screenshotAtBothWidths(open, 'admin-uploads-empty');

    // The server fails to answer the list (as a database outage would make it).
    await page.route('**/graphql', async (route) => {
      if (!route.request().postData()?.includes('adminImportJobs')) return route.fallback();
      await route.fulfill({
        contentType: 'application/json',
        body: JSON.stringify({
          errors: [{ message: 'The server could not finish this request.', extensions: { code: 'INTERNAL' } }],
        }),
      });
    });
    await page.getByRole('menuitem', { name: 'Import jobs' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'The import jobs could not be read.' });
    await alert.waitFor();
    expect(await alert.textContent()).toContain('The server could not finish this request.');
    await screenshotAtBothWidths(open, 'admin-jobs-error');
    await page.unroute('**/graphql');
    await alert.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('heading', { name: 'No import jobs yet' }).waitFor();
    open.expectNoErrors(/could not finish this request/);
  });
});

describe('import jobs', () => {
  let aliceBroken: string;
  let bobBroken: string;
  let bobCells: string;

  beforeAll(async () => {
    // TIFF magic followed by noise: accepted as an upload, refused by the importer.
    aliceBroken = await upload('alice', 'alice-broken.tif', tiffLike(4096));
    bobBroken = await upload('bob', 'bob-broken.tif', tiffLike(4096, 7));
    bobCells = await upload('bob', 'bob-cells.tiff', await readFile(join(SAMPLES, 'cells-uint8.tiff')));
    await settled(aliceBroken, 'FAILED');
    await settled(bobBroken, 'FAILED');
    await settled(bobCells, 'SUCCEEDED');
  }, 120_000);

  it('lists everyone’s jobs with their owners; a failed one retried from the list changes live', async () => {
    const open = await signedInAdminPage(suite, '/admin/jobs', ADMIN.username, ADMIN.password);
    const { page } = open;
    const alice = row(open, 'alice-broken.tif');
    await alice.getByText('Failed').waitFor();
    expect(await shownTotal(open)).toMatch(/1-3 of 3/);
    // Owners' names arrive just after the page of jobs.
    await alice.getByText('alice', { exact: true }).waitFor();
    expect(await row(open, 'bob-cells.tiff').textContent()).toMatch(/Imported.*bob/);
    await screenshotAtBothWidths(open, 'admin-jobs');

    // Another administrator watches the same list, untouched: only the subscription can change it.
    const watcher = await signedInAdminPage(suite, '/admin/jobs', ADMIN.username, ADMIN.password);
    const watched = row(watcher, 'alice-broken.tif');
    const first = (await jobOf(aliceBroken))!;
    await watched.locator(`time[datetime="${first.finishedAt}"]`).waitFor();

    await alice.getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.getByText('Retried 1 import job.').waitFor();
    // It runs again and fails again (the file is still damaged): a new finishing time.
    const again = await settled(aliceBroken, 'FAILED', (job) => job.finishedAt !== first.finishedAt);
    await watched.locator(`time[datetime="${again.finishedAt}"]`).waitFor({ timeout: 30_000 });
    expect(await watched.textContent()).toContain('Failed');
    await alice.locator(`time[datetime="${again.finishedAt}"]`).waitFor();

    // A selection the server only partly acts on: the refusal is reported for that file.
    await row(open, 'bob-cells.tiff').getByRole('checkbox').check();
    await row(open, 'bob-broken.tif').getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Retry' }).click();
    const report = page.getByText(/Retried 1 of 2 import jobs\. Not retried: bob-cells\.tiff: .+/);
    await report.waitFor();
    await screenshotAtBothWidths(open, 'admin-jobs-bulk-report');
    await settled(bobBroken, 'FAILED', (job) => job.attempts > 0);
    expect((await jobOf(bobCells))!.status).toBe('SUCCEEDED');
    open.expectNoErrors();
    watcher.expectNoErrors();
  }, 120_000);

  it('narrows the list by status, user, date and target, with the server’s totals', async () => {
    const open = await signedInAdminPage(suite, '/admin/jobs', ADMIN.username, ADMIN.password);
    const { page } = open;
    await row(open, 'bob-cells.tiff').waitFor();

    // Status: an always-shown filter.
    await page.getByRole('combobox', { name: 'Status' }).click();
    await page.getByRole('option', { name: 'Failed' }).click();
    await page.keyboard.press('Escape');
    await waitFor(
      () => shownTotal(open),
      (text) => /1-2 of 2/.test(text ?? ''),
    );
    expect(await row(open, 'bob-cells.tiff').count()).toBe(0);

    // User: added from "Add filter", found by part of the name.
    await page.getByRole('button', { name: 'Add filter' }).click();
    await page.getByRole('menuitemcheckbox', { name: 'User' }).click();
    await page.getByRole('combobox', { name: 'User' }).fill('ali');
    await page.getByRole('option', { name: 'alice' }).click();
    await waitFor(
      () => shownTotal(open),
      (text) => /1-1 of 1/.test(text ?? ''),
    );
    expect(await row(open, 'alice-broken.tif').count()).toBe(1);
    await screenshotAtBothWidths(open, 'admin-jobs-filtered');

    // Dates and targets, as a bookmarked address carries them.
    const filtered = async (filter: Record<string, unknown>) => {
      await page.goto(`/admin/jobs?filter=${encodeURIComponent(JSON.stringify(filter))}`);
      await page.getByText('No import jobs match').or(page.locator('.MuiTablePagination-displayedRows')).waitFor();
    };
    await filtered({ createdFrom: '2099-01-01' });
    await page.getByText('No import jobs match these filters.').waitFor();
    await screenshotAtBothWidths(open, 'admin-jobs-no-match');
    const today = new Date();
    const day = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`;
    await filtered({ createdFrom: day, createdTo: day });
    expect(await shownTotal(open)).toMatch(/1-3 of 3/);
    await filtered({ targetType: 'DATASET', targetId: users.bob.target.targetId });
    expect(await shownTotal(open)).toMatch(/1-2 of 2/);
    expect(await row(open, 'alice-broken.tif').count()).toBe(0);
    open.expectNoErrors();
  }, 90_000);

  it('shows a failed job’s error and what the importer said', async () => {
    const open = await signedInAdminPage(suite, '/admin/jobs', ADMIN.username, ADMIN.password);
    const { page } = open;
    // From the keyboard: the file name is a link to the job's page.
    await row(open, 'alice-broken.tif').getByRole('link', { name: 'alice-broken.tif' }).focus();
    await page.keyboard.press('Enter');
    const job = (await jobOf(aliceBroken))!;
    const error = page.getByRole('alert', { name: 'Error' });
    await error.waitFor();
    expect(await error.textContent()).toContain(job.error!);
    const log = page.getByRole('region', { name: 'Importer log' }).or(page.locator('pre'));
    expect(await log.textContent()).toMatch(/No imports due to errors!/);
    await screenshotAtBothWidths(open, 'admin-job-show');
    // Retry from the job's own page: it follows the job live to its new outcome.
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.getByText('Retried 1 import job.').waitFor();
    const again = await settled(aliceBroken, 'FAILED', (next) => next.finishedAt !== job.finishedAt);
    await page.locator(`time[datetime="${again.finishedAt}"]`).waitFor({ timeout: 30_000 });
    open.expectNoErrors();
  }, 90_000);
});

describe('uploads', () => {
  it('shows the progress of unfinished uploads and cancels several at once', async () => {
    const client = new TusClient(suite.server.url, users.alice.token);
    const ids: string[] = [];
    for (const name of ['half-one.tif', 'half-two.tif']) {
      const data = tiffLike(100 * 1024);
      const { id } = await client.create(name, data.length, users.alice.target);
      expect((await client.patch(id, 0, data.subarray(0, 40 * 1024))).status).toBe(204);
      ids.push(id);
    }
    const open = await signedInAdminPage(suite, '/admin/uploads', ADMIN.username, ADMIN.password);
    const { page } = open;
    const one = row(open, 'half-one.tif');
    await one.getByText('40 KiB of 100 KiB (40 %)').waitFor();
    // Owners' names arrive just after the page of uploads.
    await one.getByText('alice', { exact: true }).waitFor();
    expect(await one.textContent()).toMatch(/Uploading.*alice/);
    expect(await row(open, 'bob-cells.tiff').textContent()).toMatch(/Imported/);
    await screenshotAtBothWidths(open, 'admin-uploads');
    // More bytes arrive: the open page shows the new progress without a reload.
    const data = tiffLike(100 * 1024);
    expect((await client.patch(ids[0], 40 * 1024, data.subarray(40 * 1024, 70 * 1024))).status).toBe(204);
    await one.getByText('70 KiB of 100 KiB (70 %)').waitFor();

    await one.getByRole('checkbox').check();
    await row(open, 'half-two.tif').getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Cancel upload' }).click();
    await page.getByText('Cancelled 2 uploads.').waitFor();
    await one.getByText('Cancelled').waitFor();
    await row(open, 'half-two.tif').getByText('Cancelled').waitFor();
    const statuses = await graphql<{ adminUploads: { items: { status: string }[] } }>(
      suite.server.url,
      adminToken,
      'query($ids: [ID!]) { adminUploads(filter: { ids: $ids }) { items { status } } }',
      { ids },
    );
    expect(statuses.data!.adminUploads.items.map((item) => item.status)).toEqual(['CANCELLED', 'CANCELLED']);
    expect((await client.head(ids[0])).status).toBeGreaterThanOrEqual(400);
    await screenshotAtBothWidths(open, 'admin-uploads-cancelled');
    open.expectNoErrors();
  }, 90_000);
});

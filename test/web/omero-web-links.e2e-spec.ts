import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { accessToken, graphql } from '../support/clients.js';
import { TusClient } from '../support/tus.js';
import { waitFor } from '../support/wait-for.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import {
  launchBrowser,
  openPage,
  signInThroughPage,
  uppyFileInput,
  waitForPhase,
  waitForText,
  type WatchedPage,
} from '../support/browser.js';
import { fakeCli } from '../omero-double/fake-omero-cli-link.js';
import { FakeOmeroWeb } from '../omero-double/fake-omero-web.js';

/**
 * With a real OMERO configured (the contract double, test/omero-double/): imported images link
 * to OMERO.web, their thumbnails come through the app, a picture OMERO no longer has becomes a
 * placeholder, and History cancels jobs that wait behind a long import.
 */

const SAMPLE = join(import.meta.dirname, '..', 'fixtures', 'samples', 'cells-uint8.tiff');
const ALICE = { username: 'alice', password: 'alice-omero-password' };

let fake: FakeOmeroWeb;
let server: TestApp;
let browser: Browser;
let lab: number;
let day1: number;
const opened: WatchedPage[] = [];

beforeAll(async () => {
  fake = await FakeOmeroWeb.start();
  lab = fake.addGroup('lab');
  fake.addUser({ name: ALICE.username, password: ALICE.password, groups: [lab] });
  day1 = fake.addDataset(lab, 'Day 1');
  const cli = await fakeCli();
  // One import at a time: a held import keeps the next job honestly QUEUED.
  [server, browser] = await Promise.all([
    startTestApp({ env: { ...fake.appEnv(cli.cliPath), IMPORT_MAX_ATTEMPTS: '1', IMPORT_CONCURRENCY: '1' } }),
    launchBrowser(),
  ]);
});
afterEach(async () => {
  for (const open of opened.splice(0)) await open.context.close();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await fake?.close();
});

async function signedIn(path: string): Promise<WatchedPage> {
  const open = await openPage(browser, server.url);
  opened.push(open);
  await open.page.goto(path);
  await signInThroughPage(open.page, ALICE.username, ALICE.password);
  return open;
}

interface Job {
  id: string;
  status: string;
  omeroImageIds: string[];
}

/** Alice uploads the sample into Day 1 with tus, as a script would; auto-import queues its job. */
async function uploadAsAlice(token: string, name: string): Promise<string> {
  const data = await readFile(SAMPLE);
  const { response, id } = await new TusClient(server.url, token).create(
    name,
    data.length,
    { targetType: 'DATASET', targetId: String(day1), groupId: String(lab) },
    data,
  );
  expect(response.status).toBe(201);
  return id;
}

async function jobOf(token: string, uploadId: string): Promise<Job | null> {
  const result = await graphql<{ upload: { importJob: Job | null } }>(
    server.url,
    token,
    'query($id: ID!) { upload(id: $id) { importJob { id status omeroImageIds } } }',
    { id: uploadId },
  );
  return result.data!.upload.importJob;
}

const loaded = (open: WatchedPage, selector: string) =>
  waitFor(
    () => open.page.locator(selector).evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth),
    (width) => width > 0,
  );

describe('imported images with OMERO', () => {
  it('link each thumbnail to the image in OMERO.web, on the file’s row and in History', async () => {
    const open = await signedIn('/');
    const { page } = open;
    await page.getByLabel('OMERO group').selectOption({ label: 'lab' });
    await page.getByRole('radio', { name: /Day 1/ }).check();
    await uppyFileInput(page).setInputFiles(SAMPLE);
    await page.locator('.row[data-file="cells-uint8.tiff"]').waitFor();
    await page.locator('.uppy-StatusBar-actionBtn--upload').click();
    await waitForPhase(page, 'cells-uint8.tiff', 'imported');

    const token = await accessToken(server.url, ALICE.username, ALICE.password);
    const { data } = await graphql<{ importJobs: Job[] }>(server.url, token, '{ importJobs { id omeroImageIds } }');
    const imageId = data!.importJobs[0].omeroImageIds[0];
    // Where docs/omero.md says the webclient shows one image.
    const expected = `${fake.url}/webclient/?show=image-${imageId}`;
    const link = page.locator('.row[data-file="cells-uint8.tiff"] a.thumb-link');
    expect(await link.getAttribute('href')).toBe(expected);
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toContain('noopener');
    expect(await link.textContent()).toContain('opens in OMERO.web');
    await loaded(open, '.row[data-file="cells-uint8.tiff"] img.thumb');
    await open.screenshot('imported-omero-link');

    await page.getByRole('link', { name: 'History' }).click();
    const inHistory = page.locator('.history-row[data-file="cells-uint8.tiff"]');
    await inHistory.waitFor();
    // Target names are read from OMERO after the list: they replace the ids when they arrive.
    await waitForText(inHistory, /Day 1, in lab/);
    expect(await inHistory.locator('a.thumb-link').getAttribute('href')).toBe(expected);
    await loaded(open, '.history-row[data-file="cells-uint8.tiff"] img.thumb');
    await open.screenshot('history-omero-link');
    open.expectNoErrors();
  }, 90_000);

  it('shows a placeholder, not a broken picture, for an image OMERO no longer has', async () => {
    const token = await accessToken(server.url, ALICE.username, ALICE.password);
    const uploadId = await uploadAsAlice(token, 'deleted-later.tif');
    const job = await waitFor(
      () => jobOf(token, uploadId),
      (found) => found?.status === 'SUCCEEDED',
      30_000,
    );
    fake.deleteImage(Number(job!.omeroImageIds[0]));

    const open = await signedIn('/history');
    const row = open.page.locator('.history-row[data-file="deleted-later.tif"]');
    const placeholder = row.locator('.thumb-missing');
    await placeholder.waitFor();
    expect(await placeholder.getAttribute('aria-label')).toMatch(/deleted-later\.tif .*: no preview available$/);
    expect(await row.locator('img').count()).toBe(0);
    await open.screenshot('history-thumbnail-missing');
    // Chromium itself reports the picture's 404 as a failed resource load; the page logs nothing.
    open.expectNoErrors(/status of 404/);
  }, 60_000);
});

describe('History with a long import running', () => {
  it('cancels a job queued behind it, and the running one', async () => {
    const token = await accessToken(server.url, ALICE.username, ALICE.password);
    const release = fake.holdImports();
    try {
      const long = await uploadAsAlice(token, 'long.tif');
      await waitFor(
        () => jobOf(token, long),
        (found) => found?.status === 'RUNNING',
        30_000,
      );
      const waiting = await uploadAsAlice(token, 'waiting.tif');
      expect((await jobOf(token, waiting))?.status).toBe('QUEUED');

      const open = await signedIn('/history');
      const { page } = open;
      const queued = page.locator('.history-row[data-file="waiting.tif"]');
      await queued.and(page.locator('[data-status="QUEUED"]')).waitFor();
      const running = page.locator('.history-row[data-file="long.tif"]');
      await running.and(page.locator('[data-status="RUNNING"]')).waitFor();
      await open.screenshot('history-queued');
      await page.setViewportSize({ width: 360, height: 800 });
      await open.screenshot('history-queued-360px');
      await page.setViewportSize({ width: 1280, height: 900 });

      await queued.getByRole('button', { name: 'Cancel the import of waiting.tif' }).click();
      await queued.and(page.locator('[data-status="CANCELLED"]')).waitFor();
      expect((await jobOf(token, waiting))?.status).toBe('CANCELLED');

      await running.getByRole('button', { name: 'Cancel the import of long.tif' }).click();
      await running.and(page.locator('[data-status="CANCELLED"]')).waitFor({ timeout: 30_000 });
      expect((await jobOf(token, long))?.status).toBe('CANCELLED');
      // A cancelled job can be run again.
      expect(await running.getByRole('button', { name: 'Retry the import of long.tif' }).isVisible()).toBe(true);
      await open.screenshot('history-cancelled');
      // The image deleted in OMERO by the test before is listed too: Chromium reports its 404.
      open.expectNoErrors(/status of 404 .*\/api\/images\/\d+\/thumbnail/);
    } finally {
      release();
    }
  }, 90_000);
});

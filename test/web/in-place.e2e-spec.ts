import { describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accessToken, createUser, graphql } from '../support/clients.js';
import type { WebSocketRoute } from 'playwright-core';
import { waitFor } from '../support/wait-for.js';
import {
  browserSuite,
  focusedName,
  noiseTiff,
  signedInAtStarterDataset,
  signInThroughPage,
  uploadThrottle,
  uppyFileInput,
  waitForPhase,
  waitForText,
  type WatchedPage,
} from '../support/browser.js';
import { SAMPLES } from '../support/samples.js';

/**
 * The `newUploader` flag switched off by an administrator, through the API, turns open pages
 * of other users into the in-place importer without a reload: they browse the import folder,
 * import files where they lie and follow them to "imported"; switched on, the uploader returns.
 */

/** IMPORT_ROOT of the first app: real samples, at the top and in a sub-folder. */
const importRoot = mkdtempSync(join(tmpdir(), 'import-root-'));
mkdirSync(join(importRoot, 'microscope-1'));
mkdirSync(join(importRoot, 'to-be-removed'));
copyFileSync(join(SAMPLES, 'labels.png'), join(importRoot, 'labels.png'));
copyFileSync(join(SAMPLES, 'labels.png'), join(importRoot, 'moved-away.png'));
copyFileSync(join(SAMPLES, 'cells-uint8.tiff'), join(importRoot, 'microscope-1', 'cells-uint8.tiff'));
copyFileSync(join(SAMPLES, 'cells-uint16.tiff'), join(importRoot, 'microscope-1', 'cells-uint16.tiff'));
/** Not an image yet: its import fails until a real TIFF takes its place. */
mkdirSync(join(importRoot, 'half-written'));
writeFileSync(join(importRoot, 'half-written', 'scan.tif'), 'the instrument has not finished writing this file\n');

const SET_FLAG = 'mutation($e: Boolean!) { setFeatureFlag(key: "newUploader", enabled: $e) { enabled } }';

/**
 * Switches the flag as an administrator until `shown` says the open page follows. The page's
 * subscription may not be live yet when the first switch is sent, and a switch is announced
 * only to subscriptions already listening: switching again (same value) is harmless.
 */
async function switchUntil(
  suite: ReturnType<typeof browserSuite>,
  enabled: boolean,
  shown: () => Promise<boolean>,
): Promise<void> {
  const adminToken = await accessToken(suite.server.url);
  await waitFor(
    async () => {
      const answer = await graphql<{ setFeatureFlag: { enabled: boolean } }>(suite.server.url, adminToken, SET_FLAG, {
        e: enabled,
      });
      expect(answer.data?.setFeatureFlag.enabled).toBe(enabled);
      return shown();
    },
    (done) => done,
    30_000,
    500,
  );
}

const importerShown = (open: WatchedPage) => () =>
  open.page
    .getByRole('heading', { name: '2. Choose files on the server' })
    .isVisible()
    .catch(() => false);
const uploaderShown = (open: WatchedPage) => () =>
  open.page
    .locator('.uppy-Dashboard')
    .isVisible()
    .catch(() => false);

/** A new plain user, signed in on a fresh page at the uploader, their starter dataset chosen. */
async function newUserAtUploader(suite: ReturnType<typeof browserSuite>, username: string) {
  const user = await createUser(suite.server.url, await accessToken(suite.server.url), username);
  const open = await signedInAtStarterDataset(suite, username, user.password);
  await open.page.locator('.uppy-Dashboard').waitFor();
  return { user, open, page: open.page };
}

/** Marks the page's window: still marked later means the page was never reloaded. */
const markWindow = (open: WatchedPage) => open.page.evaluate('window.notReloaded = true');
const stillMarked = (open: WatchedPage) => open.page.evaluate('window.notReloaded === true');

describe('with an import folder', () => {
  const suite = browserSuite({ env: { IMPORT_ROOT: importRoot } });

  it('turns an open page into the in-place importer, which imports a file from IMPORT_ROOT, and back', async () => {
    const { open, page } = await newUserAtUploader(suite, 'microscopist');
    await markWindow(open);

    await switchUntil(suite, false, importerShown(open));
    expect(await stillMarked(open)).toBe(true);
    expect(await page.locator('.uppy-Dashboard').count()).toBe(0);
    await waitForText(page.getByRole('status'), /switched to the server-folder importer/);

    // The top of the import folder: folders first, then files with their sizes.
    const table = page.getByRole('table', { name: 'Contents of Import folder' });
    await table.waitFor();
    expect(await table.locator('tbody tr').allTextContents()).toEqual([
      'half-written (open folder)Folder',
      'microscope-1 (open folder)Folder',
      'to-be-removed (open folder)Folder',
      'labels.png525 bytes',
      'moved-away.png525 bytes',
    ]);
    await open.screenshot('in-place-top');

    // With the keyboard: opening a folder moves the focus to its heading, from where Tab
    // reaches the folder's check boxes; the breadcrumbs lead back up.
    await page.getByRole('button', { name: 'microscope-1 (open folder)' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('table', { name: 'Contents of microscope-1' }).waitFor();
    expect(await focusedName(page)).toBe('microscope-1');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.getAttribute("aria-label")')).toBe(
      'Select all files in this folder',
    );
    await page.keyboard.press('Space');
    await waitForText(page.locator('.selection'), /2 files selected/);
    await page.keyboard.press('Tab');
    expect(await focusedName(page)).toBe('cells-uint16.tiff');
    await page.keyboard.press('Space');
    await waitForText(page.locator('.selection'), /1 file selected/);
    expect(await page.getByLabel('cells-uint8.tiff').isChecked()).toBe(true);
    await open.screenshot('in-place-folder');
    await page.setViewportSize({ width: 360, height: 800 });
    await open.screenshot('in-place-folder-360px');
    await page.setViewportSize({ width: 1280, height: 900 });

    await page.getByRole('navigation').getByRole('button', { name: 'Import folder' }).click();
    await page.getByRole('table', { name: 'Contents of Import folder' }).waitFor();
    expect(await focusedName(page)).toBe('Import folder');
    // The selection spans folders.
    await waitForText(page.locator('.selection'), /1 file selected/);

    // The target remembered from the uploader, then Import: the row reaches "imported".
    expect(await page.getByRole('radio', { name: /My dataset/ }).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await waitForPhase(page, 'microscope-1/cells-uint8.tiff', 'imported');
    await waitForText(page.locator('[role=status][aria-live=polite]'), /cells-uint8\.tiff: Imported/);
    await waitForText(page.locator('.selection'), /No files selected/);
    await open.screenshot('in-place-imported');
    await page.setViewportSize({ width: 360, height: 800 });
    await open.screenshot('in-place-imported-360px');
    await page.setViewportSize({ width: 1280, height: 900 });

    // A folder gone from the disk says what happened and what to do; going up recovers.
    rmSync(join(importRoot, 'to-be-removed'), { recursive: true });
    await page.getByRole('button', { name: 'to-be-removed (open folder)' }).click();
    await waitForText(page.getByRole('alert'), /could not be opened: .*moved, renamed or deleted/);
    expect(await page.getByRole('alert').textContent()).not.toContain(importRoot);
    await open.screenshot('in-place-folder-gone');
    await page.getByRole('button', { name: 'Go up one folder' }).click();
    await page.getByRole('table', { name: 'Contents of Import folder' }).waitFor();
    expect(await page.getByRole('button', { name: 'to-be-removed (open folder)' }).count()).toBe(0);

    // So does a selected file gone before Import; nothing is imported.
    await page.getByLabel('moved-away.png').check();
    rmSync(join(importRoot, 'moved-away.png'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await waitForText(page.getByRole('alert'), /moved-away\.png.*moved or deleted/);
    expect(await page.locator('.row').count()).toBe(1);
    await open.screenshot('in-place-file-gone');

    await switchUntil(suite, true, uploaderShown(open));
    expect(await stillMarked(open)).toBe(true);
    await waitForText(page.getByRole('status'), /switched the web uploader back on/);
    await open.screenshot('in-place-back-to-uploader');
    open.expectNoErrors();
  }, 180_000);

  it('shows a failed in-place import with its reason, and Retry imports the file once it is fixed', async () => {
    const { open, page } = await newUserAtUploader(suite, 'retrier');
    await switchUntil(suite, false, importerShown(open));
    await page.getByRole('button', { name: 'half-written (open folder)' }).click();
    await page.getByLabel('scan.tif').check();
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await waitForPhase(page, 'half-written/scan.tif', 'failed');
    const row = page.locator('.row[data-file="half-written/scan.tif"]');
    expect(await row.locator('.phase').textContent()).toMatch(/^Failed: .+/);
    await open.screenshot('in-place-failed');

    copyFileSync(join(SAMPLES, 'cells-uint8.tiff'), join(importRoot, 'half-written', 'scan.tif'));
    await row.getByRole('button', { name: 'Retry the import of half-written/scan.tif' }).click();
    await waitForPhase(page, 'half-written/scan.tif', 'imported');
    await switchUntil(suite, true, uploaderShown(open));
    open.expectNoErrors();
  }, 120_000);

  it('reads the flag again when its live connection comes back, so a switch sent while it was down is not lost', async () => {
    const user = await createUser(suite.server.url, await accessToken(suite.server.url), 'on-a-train');
    const open = await suite.open();
    const { page } = open;
    // The page's WebSocket goes through the test: while `refusing`, new connections are closed
    // at once (as by a server restarting), and the page keeps retrying.
    let refusing = false;
    const connected: { page: WebSocketRoute; server: WebSocketRoute }[] = [];
    await page.routeWebSocket(/\/graphql$/, (socket) => {
      if (refusing) return void socket.close({ code: 1012, reason: 'restarting' });
      connected.push({ page: socket, server: socket.connectToServer() });
    });
    await page.goto('/');
    await signInThroughPage(page, 'on-a-train', user.password);
    await page.locator('.uppy-Dashboard').waitFor();
    await waitFor(
      () => connected.length,
      (count) => count > 0,
    );
    await markWindow(open);

    refusing = true;
    for (const socket of connected.splice(0)) {
      await socket.server.close();
      await socket.page.close({ code: 1012, reason: 'restarting' });
    }
    // Switched while no connection is open: no event can reach the page.
    const adminToken = await accessToken(suite.server.url);
    const answer = await graphql(suite.server.url, adminToken, SET_FLAG, { e: false });
    expect(answer.errors).toBeUndefined();
    expect(await page.locator('.uppy-Dashboard').isVisible()).toBe(true);
    refusing = false;

    await page.getByRole('heading', { name: '2. Choose files on the server' }).waitFor({ timeout: 60_000 });
    expect(await stillMarked(open)).toBe(true);
    await switchUntil(suite, true, uploaderShown(open));
    open.expectNoErrors();
  }, 120_000);

  it('lets an upload already running finish in the uploader, then shows the importer', async () => {
    const { user, open, page } = await newUserAtUploader(suite, 'late-uploader');
    const throttle = await uploadThrottle(open);
    await throttle(256 * 1024);
    const big = await noiseTiff('running.tif', 1400);
    await uppyFileInput(page).setInputFiles(big.path);
    await page.locator('.uppy-StatusBar-actionBtn--upload').click();
    await waitForPhase(page, 'running.tif', 'uploading');
    await markWindow(open);

    const finishing = () =>
      page
        .getByText('your uploads in progress will finish')
        .isVisible()
        .catch(() => false);
    await switchUntil(suite, false, finishing);
    // The upload carries on, on screen, in the uploader.
    expect(await page.locator('.uppy-Dashboard').isVisible()).toBe(true);
    expect(await page.locator('.row[data-file="running.tif"] .phase').getAttribute('data-phase')).toBe('uploading');
    await open.screenshot('in-place-uploads-finishing');
    await page.setViewportSize({ width: 360, height: 800 });
    await open.screenshot('in-place-uploads-finishing-360px');

    await throttle(-1);
    await page.getByRole('heading', { name: '2. Choose files on the server' }).waitFor({ timeout: 60_000 });
    expect(await stillMarked(open)).toBe(true);
    const uploads = await graphql<{ uploads: { fileName: string; status: string }[] }>(
      suite.server.url,
      user.token,
      '{ uploads { fileName status } }',
    );
    expect(uploads.data!.uploads).toEqual([
      { fileName: 'running.tif', status: expect.stringMatching(/COMPLETED|IMPORTED/) },
    ]);
    await switchUntil(suite, true, uploaderShown(open));
    open.expectNoErrors();
  }, 180_000);
});

describe('without an import folder', () => {
  const suite = browserSuite();

  it('says plainly that importing from the server is not set up, and whom to ask', async () => {
    const { open, page } = await newUserAtUploader(suite, 'no-folder');

    const notSetUp = page.getByRole('heading', { name: 'Importing from the server is not set up here' });
    await switchUntil(suite, false, () => notSetUp.isVisible().catch(() => false));
    await waitForText(page.locator('.not-set-up'), /Ask your administrator to set up the import folder/);
    // No browser to break: neither the table nor the target picker.
    expect(await page.getByRole('table').count()).toBe(0);
    expect(await page.locator('main').textContent()).not.toMatch(/There is no|\/tmp/);
    expect(await page.getByLabel('OMERO group').count()).toBe(0);
    await open.screenshot('in-place-not-set-up');
    await page.setViewportSize({ width: 360, height: 800 });
    await open.screenshot('in-place-not-set-up-360px');

    // A reload with the flag still off lands on the same message.
    await page.reload();
    await notSetUp.waitFor();
    await switchUntil(suite, true, uploaderShown(open));
    open.expectNoErrors();
  }, 120_000);
});

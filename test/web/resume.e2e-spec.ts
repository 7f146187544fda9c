import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accessToken } from '../support/clients.js';
import {
  browserSuite,
  launchPersistent,
  screenshotAtBothWidths,
  signInThroughPage,
  signedInAtStarterDataset,
  uploadThrottle,
  uppyFileInput,
  waitForPhase,
  waitForText,
  watch,
  type WatchedPage,
} from '../support/browser.js';
import { writeLargeNoiseTiff, type LargeTiff } from '../support/large-tiff.js';
import { ADMIN } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';
import {
  forgetContents,
  keeps,
  keptState,
  recordTusCalls,
  serverUploads,
  type KeptState,
  type ServerUpload,
  type TusCall,
} from './resume-support.js';

/**
 * A reload, or a browser restart, in the middle of a large upload: Golden Retriever brings the
 * file back from IndexedDB and tus resumes the same upload from the server's offset.
 */

const suite = browserSuite();
/** Uploads slowly (4 MiB/s) until the page goes away, so that it goes away mid-upload. */
const SLOW = 4 * 1024 * 1024;

let token: string;
beforeAll(async () => {
  token = await accessToken(suite.server.url);
});

/** The one upload of `name` on the server, once it has received some bytes. */
async function startedOnServer(name: string): Promise<ServerUpload> {
  const [upload] = await waitFor(
    async () => (await serverUploads(suite.server.url, token)).filter((kept) => kept.fileName === name),
    (uploads) => uploads.length === 1 && uploads[0].offsetBytes > 0,
    60_000,
  );
  return upload;
}

/** How many bytes of upload `id` the server holds now. */
async function offsetOnServer(id: string): Promise<number> {
  const [upload] = (await serverUploads(suite.server.url, token)).filter((kept) => kept.id === id);
  return upload.offsetBytes;
}

/** Chooses the file and starts uploading it, slowly. */
async function startSlowUpload(open: WatchedPage, file: LargeTiff): Promise<(bytesPerSecond: number) => Promise<void>> {
  const throttle = await uploadThrottle(open);
  await throttle(SLOW);
  await uppyFileInput(open.page).setInputFiles(file.path);
  await open.page.locator('.uppy-StatusBar-actionBtn--upload').click();
  return throttle;
}

/**
 * What the page did after coming back: no new upload, a HEAD asking the server's offset (at
 * least what the server had before), then PATCHes continuing from exactly that offset.
 */
function expectResumedFromServerOffset(after: TusCall[], uploadId: string, offsetBefore: number): void {
  expect(after.filter((call) => call.method === 'POST')).toEqual([]);
  const head = after.find((call) => call.method === 'HEAD');
  const patch = after.find((call) => call.method === 'PATCH');
  expect(head?.url).toMatch(new RegExp(`/api/uploads/${uploadId}$`));
  expect(head?.offset).toBeGreaterThanOrEqual(offsetBefore);
  expect(patch).toEqual({ method: 'PATCH', url: head?.url, offset: head?.offset });
  expect(after.indexOf(patch!)).toBeGreaterThan(after.indexOf(head!));
}

async function expectCompleted(name: string, file: LargeTiff, uploadId: string): Promise<void> {
  const uploads = (await serverUploads(suite.server.url, token)).filter((upload) => upload.fileName === name);
  expect(uploads).toEqual([expect.objectContaining({ id: uploadId, offsetBytes: file.size, sha256: file.sha256 })]);
}

describe('a reload mid-upload', () => {
  it('restores the file, resumes the same upload from the server’s offset and ends with the same sha256', async () => {
    // About 286 MiB: a real TIFF the sandbox imports in the end.
    const file = await writeLargeNoiseTiff('reload-scan.tif', 10_000);
    try {
      const open = await signedInAtStarterDataset(suite, ADMIN.username, ADMIN.password);
      const { page } = open;
      const tus = recordTusCalls(page);
      const throttle = await startSlowUpload(open, file);
      const partial = await startedOnServer('reload-scan.tif');
      expect(partial.offsetBytes).toBeLessThan(file.size);
      await waitFor(
        () => keptState(page),
        (state) => keeps(state, 'reload-scan.tif'),
        60_000,
      );
      await open.screenshot('resume-before-reload');

      const offsetBefore = await offsetOnServer(partial.id);
      expect(offsetBefore).toBeLessThan(file.size);
      const callsBefore = tus.calls.length;
      await page.reload();
      await throttle(-1);
      // The service worker registered by the first load controls the reloaded page.
      expect(
        await page.evaluate('navigator.serviceWorker.controller && navigator.serviceWorker.controller.scriptURL'),
      ).toBe(`${suite.server.url}/sw.js`);
      await waitForPhase(page, 'reload-scan.tif', 'imported', 180_000);
      await open.screenshot('resume-after-reload');

      expectResumedFromServerOffset((await tus.settled()).slice(callsBefore), partial.id, offsetBefore);
      await expectCompleted('reload-scan.tif', file, partial.id);
      // The requests the reload cut off may be reported by the browser as failed loads.
      open.expectNoErrors(/net::ERR_ABORTED|Failed to load resource/);
    } finally {
      await rm(file.path, { force: true });
    }
  }, 420_000);
});

describe('a second tab of the same browser', () => {
  it('waits while the first tab uploads, then takes its upload over from the server’s offset when it closes', async () => {
    // About 46 MiB, sent at 4 MiB/s: the first tab is still sending while the second one opens.
    const file = await writeLargeNoiseTiff('tabs-scan.tif', 4_000);
    try {
      const first = await signedInAtStarterDataset(suite, ADMIN.username, ADMIN.password);
      await startSlowUpload(first, file);
      const partial = await startedOnServer('tabs-scan.tif');
      await waitFor(
        () => keptState(first.page),
        (state) => keeps(state, 'tabs-scan.tif'),
        60_000,
      );

      const second = watch(first.context, await first.context.newPage());
      const tus = recordTusCalls(second.page);
      await second.page.goto('/');
      await signInThroughPage(second.page, ADMIN.username, ADMIN.password);
      await second.page.getByRole('heading', { name: 'Uploads are open in another tab' }).waitFor();
      // No Uppy in the waiting tab: nothing restored, nothing sent, the first tab undisturbed.
      expect(await second.page.locator('.uppy-Dashboard').count()).toBe(0);
      expect(tus.calls).toEqual([]);
      await screenshotAtBothWidths(second, 'second-tab-waiting');
      first.expectNoErrors();

      const offsetBefore = await offsetOnServer(partial.id);
      expect(offsetBefore).toBeLessThan(file.size);
      await first.page.close();
      await waitForPhase(second.page, 'tabs-scan.tif', 'imported', 180_000);
      await second.screenshot('second-tab-took-over');

      expectResumedFromServerOffset(await tus.settled(), partial.id, offsetBefore);
      await expectCompleted('tabs-scan.tif', file, partial.id);
      second.expectNoErrors();
    } finally {
      await rm(file.path, { force: true });
    }
  }, 300_000);
});

/**
 * Starts a slow upload of `file` in a browser on `profile`, waits until Golden Retriever has
 * kept what a restore needs (then `beforeClose` may change it), and closes the browser: the
 * upload, and the server's offset at that moment (less than the file's size).
 */
async function uploadUntilBrowserCloses(
  profile: string,
  name: string,
  file: LargeTiff,
  beforeClose: (page: WatchedPage, kept: KeptState) => Promise<void> = async () => undefined,
): Promise<{ partial: ServerUpload; offsetBefore: number }> {
  const first = await launchPersistent(profile, suite.server.url);
  let partial: ServerUpload;
  try {
    await first.page.goto('/');
    await signInThroughPage(first.page, ADMIN.username, ADMIN.password);
    await first.page.getByRole('radio', { name: /My dataset/ }).check();
    await startSlowUpload(first, file);
    partial = await startedOnServer(name);
    const kept = await waitFor(
      () => keptState(first.page),
      (state) => keeps(state, name),
      60_000,
    );
    await beforeClose(first, kept);
    first.expectNoErrors();
  } finally {
    await first.context.close();
  }
  const offsetBefore = await offsetOnServer(partial.id);
  expect(offsetBefore).toBeLessThan(file.size);
  return { partial, offsetBefore };
}

/**
 * A browser restart in the middle of an upload of a generated file: `beforeClose` may change
 * what was kept, `afterSignIn` acts in the restarted browser; then the same upload must finish
 * from the server's offset with the file's sha256, and the row reach "imported".
 */
async function restartMidUpload(
  name: string,
  side: number,
  beforeClose: ((page: WatchedPage, kept: KeptState) => Promise<void>) | undefined,
  afterSignIn: (second: WatchedPage, tus: ReturnType<typeof recordTusCalls>, file: LargeTiff) => Promise<void>,
): Promise<void> {
  const file = await writeLargeNoiseTiff(name, side);
  const profile = await mkdtemp(join(tmpdir(), 'web-profile-'));
  try {
    const { partial, offsetBefore } = await uploadUntilBrowserCloses(profile, name, file, beforeClose);
    // The session ended with the browser (sessionStorage); the file did not.
    const second = await launchPersistent(profile, suite.server.url);
    try {
      const tus = recordTusCalls(second.page);
      await second.page.goto('/');
      await signInThroughPage(second.page, ADMIN.username, ADMIN.password);
      await afterSignIn(second, tus, file);
      await waitForPhase(second.page, name, 'imported', 180_000);
      expectResumedFromServerOffset(await tus.settled(), partial.id, offsetBefore);
      await expectCompleted(name, file, partial.id);
      second.expectNoErrors();
    } finally {
      await second.context.close();
    }
  } finally {
    await rm(file.path, { force: true });
    await rm(profile, { recursive: true, force: true });
  }
}

describe('a browser restart mid-upload', () => {
  it('brings the file back from IndexedDB after signing in again, and completes the same upload', async () => {
    await restartMidUpload('restart-scan.tif', 6_000, undefined, async (second) => {
      await second.page.locator('.row[data-file="restart-scan.tif"]').waitFor();
      await second.screenshot('restart-resumed');
    });
  }, 420_000);
});

describe('a file the browser did not keep', () => {
  it('is named on the page after a restart, and once chosen again its upload goes on from the server’s offset', async () => {
    await restartMidUpload(
      'ghost-scan.tif',
      4_000,
      (first, kept) => forgetContents(first.page, kept.files.find((file) => file.name === 'ghost-scan.tif')!.id),
      async (second, tus, file) => {
        await waitForText(
          second.page.getByRole('alert'),
          /This browser did not keep ghost-scan\.tif while the page was closed\. Choose the same file again to continue its upload where it stopped/,
          60_000,
        ).catch(async (error: unknown) => {
          await second.screenshot('restart-ghost-missing-note');
          throw error;
        });
        await second.screenshot('restart-ghost');
        await second.page.setViewportSize({ width: 360, height: 800 });
        await second.screenshot('restart-ghost-360');
        await second.page.setViewportSize({ width: 1280, height: 900 });
        // Nothing is sent for it until the file is back.
        expect(tus.calls).toEqual([]);
        // As a user would: "Add more" opens the Dashboard's file picker next to the listed file.
        await second.page.getByRole('button', { name: 'Add more' }).click();
        await uppyFileInput(second.page).setInputFiles(file.path);
      },
    );
  }, 420_000);
});

import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { waitFor } from '../support/wait-for.js';
import {
  browserSuite,
  noiseTiff,
  signedInAtStarterDataset,
  uploadThrottle,
  uppyFileInput,
  waitForPhase,
  waitForText,
} from '../support/browser.js';
import { SAMPLES } from '../support/samples.js';
import { ADMIN } from '../support/test-app.js';

/**
 * What a file's row shows on the way into OMERO (sandbox): percent, speed and time left while
 * it uploads, and thumbnails of the images once imported.
 */

const suite = browserSuite();

describe('imported rows', () => {
  it('show a thumbnail of each new image, loaded, named, and with no OMERO.web link in the sandbox', async () => {
    const open = await signedInAtStarterDataset(suite, ADMIN.username, ADMIN.password);
    const { page } = open;
    await uppyFileInput(page).setInputFiles([join(SAMPLES, 'cells-uint8.tiff'), join(SAMPLES, 'labels.png')]);
    await page.locator('.row').nth(1).waitFor();
    await page.locator('.uppy-StatusBar-actionBtn--upload').click();
    for (const name of ['cells-uint8.tiff', 'labels.png']) {
      await waitForPhase(page, name, 'imported');
      const thumbnail = page.locator(`.row[data-file="${name}"] img.thumb`);
      await thumbnail.waitFor();
      expect(await thumbnail.getAttribute('alt')).toMatch(
        new RegExp(`^${name.replace('.', '\\.')} \\(OMERO image \\d+\\)$`),
      );
      // Fixed size, so the row does not jump while it loads, and only loaded when in view.
      expect(await thumbnail.getAttribute('width')).toBe('64');
      expect(await thumbnail.getAttribute('loading')).toBe('lazy');
      // The picture really loaded (a broken one has no natural width).
      await waitFor(
        () => thumbnail.evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth),
        (width) => width > 0,
      );
      expect(await page.locator(`.row[data-file="${name}"] a`).count()).toBe(0);
    }
    expect(await page.locator('.status').textContent()).not.toMatch(/OMERO\.web/);
    await open.screenshot('imported-thumbnails');
    await page.setViewportSize({ width: 360, height: 800 });
    await open.screenshot('imported-thumbnails-360px');
    open.expectNoErrors();
  }, 120_000);
});

describe('uploading rows', () => {
  it('show the percent, the speed and the time left', async () => {
    const open = await signedInAtStarterDataset(suite, ADMIN.username, ADMIN.password);
    const { page } = open;
    // About 3 MiB at 256 KiB/s: long enough to be measured while it runs.
    const file = await noiseTiff('slow.tif', 1000);
    const throttle = await uploadThrottle(open);
    await throttle(256 * 1024);
    try {
      await uppyFileInput(page).setInputFiles(file.path);
      await page.locator('.row[data-file="slow.tif"]').waitFor();
      await page.locator('.uppy-StatusBar-actionBtn--upload').click();
      const text = await waitForText(
        page.locator('.row[data-file="slow.tif"] .phase'),
        /^Uploading \d+% · [\d.]+ (bytes|KiB|MiB)\/s · (a few seconds left|about \d+ (s|min) left)$/,
      );
      expect(text).toMatch(/KiB\/s/);
      // The row and the Dashboard's status bar draw the same report (read in one task, so
      // neither can move in between); they round differently, hence the 1 point.
      const [row, bar] = (await page.evaluate(
        `['.row[data-file="slow.tif"] .phase', '.uppy-StatusBar-statusPrimary'].map((selector) =>
          Number(/(\\d+)%/.exec(document.querySelector(selector)?.textContent ?? '')?.[1]))`,
      )) as number[];
      expect(Math.abs(row - bar)).toBeLessThanOrEqual(1);
      await open.screenshot('uploading-speed');
      await page.setViewportSize({ width: 360, height: 800 });
      await open.screenshot('uploading-speed-360px');
    } finally {
      await throttle(-1);
    }
    await waitForPhase(page, 'slow.tif', 'imported');
    open.expectNoErrors();
  }, 120_000);
});

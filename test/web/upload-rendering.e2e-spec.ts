import { describe, expect, it } from '@jest/globals';
import {
  browserSuite,
  noiseTiff,
  screenshotAtBothWidths,
  signedInAtStarterDataset,
  uploadThrottle,
  uppyFileInput,
  waitForPhase,
  waitForText,
} from '../support/browser.js';
import { ADMIN } from '../support/test-app.js';

/**
 * What the uploader page draws while a file uploads: the progress shows, but nothing on the
 * page animates for the length of the upload, which kept the browser drawing frames and took
 * CPU from the upload itself (bench/RESULTS.md, "Web").
 */

const suite = browserSuite();

/** Run in the page (the tests compile without the DOM's types): what animates, and how. */
const ANIMATION_STATE = `(() => {
  const endless = document.getAnimations()
    .filter((animation) => animation.effect && animation.effect.getTiming().iterations === Infinity)
    .map((animation) => (animation.effect.target && animation.effect.target.getAttribute('class')) || 'unknown');
  const transitions = [...document.querySelectorAll('.uppy-StatusBar-progress, .uppy-Dashboard-Item-progressIcon--progress')]
    .map((element) => element.getAttribute('class') + ': ' + getComputedStyle(element).transitionDuration);
  return { endless, transitions };
})()`;

describe('a file uploading', () => {
  it('shows its progress in the Dashboard and its row, with nothing animating endlessly and no progress transitions', async () => {
    const open = await signedInAtStarterDataset(suite, ADMIN.username, ADMIN.password);
    const { page } = open;
    // About 3 MiB at 128 KiB/s: still uploading while the page is examined.
    const file = await noiseTiff('drawn.tif', 1000);
    const throttle = await uploadThrottle(open);
    await throttle(128 * 1024);
    try {
      await uppyFileInput(page).setInputFiles(file.path);
      await page.locator('.row[data-file="drawn.tif"]').waitFor();
      await page.locator('.uppy-StatusBar-actionBtn--upload').click();
      await waitForText(page.locator('.row[data-file="drawn.tif"] .phase'), /^Uploading \d+%/);
      await waitForText(page.locator('.uppy-StatusBar-statusPrimary'), /^Uploading/);
      await page.locator('.row[data-file="drawn.tif"] progress').waitFor();
      await page.locator('.uppy-StatusBar-progress').waitFor({ state: 'attached' });

      const state = (await page.evaluate(ANIMATION_STATE)) as { endless: string[]; transitions: string[] };
      // Uppy's status bar spun an icon for as long as the upload ran.
      expect(state.endless).toEqual([]);
      // Its bars glided to each new value: with reports every half second, for ever.
      expect(state.transitions.length).toBeGreaterThan(0);
      for (const transition of state.transitions) expect(transition).toMatch(/: 0s$/);
      await screenshotAtBothWidths(open, 'uploading-no-animation');
    } finally {
      await throttle(-1);
    }
    await waitForPhase(page, 'drawn.tif', 'imported');
    open.expectNoErrors();
  }, 120_000);
});

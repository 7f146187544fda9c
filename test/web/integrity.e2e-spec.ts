import { describe, expect, it } from '@jest/globals';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { accessToken, graphql } from '../support/clients.js';
import { sha256 } from '../support/tus.js';
import {
  browserSuite,
  screenshotAtBothWidths,
  noiseTiff,
  signedInAtStarterDataset,
  signInThroughPage,
  uppyFileInput,
  waitForPhase,
} from '../support/browser.js';
import { writeLargeNoiseTiff } from '../support/large-tiff.js';
import { SAMPLES } from '../support/samples.js';
import { ADMIN } from '../support/test-app.js';

/**
 * End-to-end integrity in a real Chromium against the real app: the page's sha256 of each file
 * (computed in a worker) against the server's, a file changed on its way, and a browser where
 * the worker cannot run.
 */

const suite = browserSuite();

/** The admin's uploads of `fileName`, as the API lists them. */
async function uploadsNamed(fileName: string) {
  const token = await accessToken(suite.server.url);
  const result = await graphql<{ uploads: { id: string; fileName: string; sha256: string | null }[] }>(
    suite.server.url,
    token,
    '{ uploads { id fileName sha256 } }',
  );
  return result.data!.uploads.filter((upload) => upload.fileName === fileName);
}

/**
 * Run in the page before its scripts: the computer has 2 logical cores, and every text the
 * rows' integrity notes show is kept, in order, in `integrityTexts` (a state may last less
 * than a poll from the test would take to see it).
 */
const TWO_CORES_AND_INTEGRITY_TEXTS = `
  Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => 2, configurable: true });
  window.integrityTexts = [];
  new MutationObserver(() => {
    for (const note of document.querySelectorAll('[data-integrity]')) {
      if (window.integrityTexts.at(-1) !== note.textContent) window.integrityTexts.push(note.textContent);
    }
  }).observe(document, { subtree: true, childList: true, characterData: true });
`;

describe('integrity', () => {
  it('on a computer with 2 cores, hashes beside the upload at a tenth of a core, then shows how much is read until verified', async () => {
    // About 183 MiB: far more than a tenth of a core hashes while it uploads on this machine.
    const file = await writeLargeNoiseTiff('paced-hash.tif', 8_000);
    try {
      const open = await suite.open();
      const { page } = open;
      await open.context.addInitScript(TWO_CORES_AND_INTEGRITY_TEXTS);
      await page.goto('/');
      await signInThroughPage(page, ADMIN.username, ADMIN.password);
      await page.getByRole('radio', { name: /My dataset/ }).check();
      await uppyFileInput(page).setInputFiles(file.path);
      await page.locator('.uppy-StatusBar-actionBtn--upload').click();
      const verified = page.locator('.row[data-file="paced-hash.tif"] [data-integrity="verified"]');
      await verified.waitFor({ timeout: 120_000 });
      expect(await verified.textContent()).toContain(file.sha256.slice(0, 12));

      // The upload ended first: the row then said how much of the file was read, rising, until
      // the hash, at full speed once nothing was being sent, ended and matched the server's.
      const texts = (await page.evaluate('window.integrityTexts')) as string[];
      const read = texts
        .map((text) => /reading your copy, (\d+)% done/.exec(text)?.[1])
        .filter(Boolean)
        .map(Number);
      expect(read.length).toBeGreaterThan(0);
      expect(read).toEqual([...read].sort((a, b) => a - b));
      expect(read.at(-1)).toBeLessThan(100);
      expect(texts.at(-1)).toMatch(/^Verified/);
      open.expectNoErrors();
    } finally {
      await rm(file.path, { force: true });
    }
  }, 180_000);

  it('shows a loud mismatch, with what to do, when the file’s bytes were changed on the way to the server', async () => {
    const open = await signedInAtStarterDataset(suite, ADMIN.username, ADMIN.password);
    const { page } = open;
    const { path, data } = await noiseTiff('changed-in-transit.tif', 64);
    // A faulty proxy between the browser and the server: it flips one byte of the image data
    // in the PATCH that carries the file (one PATCH: the file is far smaller than a chunk).
    const changed = Buffer.from(data);
    changed[1000] ^= 0xff;
    let patches = 0;
    await page.route('**/api/uploads/*', async (route) => {
      const request = route.request();
      if (request.method() !== 'PATCH') return route.continue();
      patches += 1;
      expect(request.headers()['upload-offset']).toBe('0');
      await route.continue({ postData: changed });
    });

    await uppyFileInput(page).setInputFiles(path);
    await page.locator('.uppy-StatusBar-actionBtn--upload').click();
    const alert = page.locator('.row[data-file="changed-in-transit.tif"] [data-integrity="mismatch"]');
    await alert.waitFor({ timeout: 45_000 });
    expect(await alert.getAttribute('role')).toBe('alert');
    expect(await alert.textContent()).toMatch(/Damaged in transit.*delete it in OMERO, then upload the file again/);
    expect(patches).toBe(1);
    // The server hashed what it received: the changed bytes, not the file.
    const [upload] = await uploadsNamed('changed-in-transit.tif');
    expect(upload.sha256).toBe(sha256(changed));
    expect(upload.sha256).not.toBe(sha256(data));
    await screenshotAtBothWidths(open, 'integrity-mismatch');
    open.expectNoErrors();
  }, 90_000);

  it('uploads and imports as usual, saying the file could not be checked, when the hashing worker cannot load', async () => {
    const open = await signedInAtStarterDataset(suite, ADMIN.username, ADMIN.password);
    const { page } = open;
    let blocked = 0;
    await page.route(/sha256-worker/, (route) => {
      blocked += 1;
      return route.abort();
    });
    await uppyFileInput(page).setInputFiles(join(SAMPLES, 'labels.png'));
    await page.locator('.uppy-StatusBar-actionBtn--upload').click();
    await waitForPhase(page, 'labels.png', 'imported');
    const note = page.locator('.row[data-file="labels.png"] [data-integrity="unavailable"]');
    await note.waitFor();
    expect(await note.textContent()).toMatch(/Not checked: this browser could not compute/);
    expect(blocked).toBeGreaterThan(0);
    await open.screenshot('integrity-unavailable');
    // Only the blocked load itself is reported by the browser.
    open.expectNoErrors(/ERR_FAILED|sha256-worker/);
  }, 90_000);
});

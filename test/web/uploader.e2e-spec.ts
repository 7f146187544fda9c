import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { webBuildDir } from '../../src/web-app/web-app.handler.js';
import { waitFor } from '../support/wait-for.js';
import {
  browserSuite,
  focusedName,
  signInThroughPage,
  uppyFileInput,
  waitForPhase,
  waitForText,
} from '../support/browser.js';
import { ADMIN } from '../support/test-app.js';

/**
 * The web uploader in a real Chromium against the real app (sandbox OMERO): sign-in, the target
 * picker and Uppy, up to images imported.
 */

const SAMPLES = join(import.meta.dirname, '..', 'fixtures', 'samples');

const suite = browserSuite();

describe('signing in', () => {
  it('shows the server’s message for a wrong password, signs in, survives a reload and signs out', async () => {
    const open = await suite.open();
    const { page } = open;
    await page.goto('/');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await open.screenshot('sign-in');
    await page.setViewportSize({ width: 360, height: 640 });
    await open.screenshot('sign-in-360px');
    await page.setViewportSize({ width: 1280, height: 900 });

    await signInThroughPage(page, ADMIN.username, 'not-the-password');
    await waitForText(page.getByRole('alert'), /username or password/i);
    await open.screenshot('sign-in-wrong-password');

    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText(`Signed in as ${ADMIN.username}`).waitFor();
    await page.getByLabel('OMERO group').waitFor();

    await page.reload();
    await page.getByText(`Signed in as ${ADMIN.username}`).waitFor();
    await page.getByRole('radio', { name: /My dataset/ }).waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    // The browser itself reports the refused sign-in as a failed resource load.
    open.expectNoErrors(/status of 401/);
  });
});

describe('uploading', () => {
  it('uploads two real samples into the sandbox starter dataset, each row reaching "imported" and "verified"', async () => {
    const open = await suite.open();
    const { page } = open;
    await page.goto('/');
    await signInThroughPage(page, ADMIN.username, ADMIN.password);

    const dataset = page.getByRole('radio', { name: /My dataset/ });
    await dataset.waitFor();
    expect(await dataset.isEnabled()).toBe(true);
    await page.locator('.badge.sandbox', { hasText: 'Sandbox OMERO' }).first().waitFor();
    await dataset.check();
    await open.screenshot('target-chosen');

    await uppyFileInput(page).setInputFiles([join(SAMPLES, 'cells-uint8.tiff'), join(SAMPLES, 'labels.png')]);
    await page.locator('.row').nth(1).waitFor();
    expect(await page.locator('.row').count()).toBe(2);
    await open.screenshot('files-added');
    await page.locator('.uppy-StatusBar-actionBtn--upload').click();

    for (const name of ['cells-uint8.tiff', 'labels.png']) {
      await waitForPhase(page, name, 'imported');
      // The browser's sha256 of the file matched the server's.
      await page.locator(`.row[data-file="${name}"] [data-integrity="verified"]`).waitFor();
    }
    await waitForText(page.locator('[role=status][aria-live=polite]'), /labels\.png: Imported/);
    await open.screenshot('imported');
    await page.setViewportSize({ width: 360, height: 800 });
    await open.screenshot('imported-360px');
    open.expectNoErrors();
  }, 120_000);
});

describe('weight', () => {
  it('loads at most 250 KB of gzipped JavaScript and CSS up to a signed-in uploader ready for files', async () => {
    const open = await suite.open();
    const { page } = open;
    const assets = new Set<string>();
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (/^\/assets\/.+\.(js|css)$/.test(path)) assets.add(path);
    });
    await page.goto('/');
    await signInThroughPage(page, ADMIN.username, ADMIN.password);
    await page.locator('.uppy-Dashboard').waitFor();
    const gzipped = [...assets].map((path) => gzipSync(readFileSync(join(webBuildDir(), path))).length);
    expect(assets.size).toBeGreaterThan(1);
    expect(gzipped.reduce((sum, size) => sum + size, 0)).toBeLessThanOrEqual(250 * 1000);
    open.expectNoErrors();
  });
});

describe('keyboard', () => {
  it('signs in, picks a dataset and reaches the file button with the keyboard alone, in reading order', async () => {
    const open = await suite.open();
    const { page } = open;
    await page.goto('/');
    // The username field has the focus from the start.
    await page.getByLabel('Username').waitFor();
    await page.keyboard.type(ADMIN.username);
    await page.keyboard.press('Tab');
    await page.keyboard.type(ADMIN.password);
    await page.keyboard.press('Enter');
    await page.getByRole('radio', { name: /My dataset/ }).waitFor();

    // The first step has the focus; Tab goes through the page in reading order.
    await waitFor(
      () => focusedName(page),
      (text) => text.includes('Choose where the images go'),
    );
    const focused: string[] = [];
    for (let step = 0; step < 4; step++) {
      await page.keyboard.press('Tab');
      focused.push(await focusedName(page));
    }
    expect(focused.slice(0, 3)).toEqual(['OMERO group', 'Dataset (images)', expect.stringMatching(/^My dataset/)]);
    expect(focused[3]).toMatch(/browse files/i);

    // Back on the dataset radio, Space chooses it.
    await page.keyboard.press('Shift+Tab');
    expect(await focusedName(page)).toMatch(/^My dataset/);
    await page.keyboard.press('Space');
    expect(await page.getByRole('radio', { name: /My dataset/ }).isChecked()).toBe(true);
    await open.screenshot('keyboard-focus');
    open.expectNoErrors();
  });
});

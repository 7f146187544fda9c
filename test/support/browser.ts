import { afterAll, afterEach, beforeAll, expect } from '@jest/globals';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { startTestApp, type TestApp } from './test-app.js';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`): tests never download a browser. */
export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Screenshots of each state the tests reach, for people to look at (gitignored). */
export const SCREENSHOTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'web', 'screenshots');

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions of the page, in order. */
  errors: string[];
  screenshot(name: string): Promise<void>;
  /** Fails the test on any console error except those matching `expected`. */
  expectNoErrors(...expected: RegExp[]): void;
}

/** A fresh browser profile (context) and page on `baseUrl`, its console errors recorded. */
export async function openPage(
  browser: Browser,
  baseUrl: string,
  viewport = { width: 1280, height: 900 },
): Promise<WatchedPage> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport });
  const page = await context.newPage();
  return watch(context, page);
}

export function watch(context: BrowserContext, page: Page): WatchedPage {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  return {
    context,
    page,
    errors,
    async screenshot(name: string) {
      await mkdir(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    },
    expectNoErrors(...expected: RegExp[]) {
      expect(errors.filter((error) => !expected.some((pattern) => pattern.test(error)))).toEqual([]);
    },
  };
}

/** Signs in through the form. */
export async function signInThroughPage(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Uppy's file input (it also renders folder and camera inputs, hidden). */
export function uppyFileInput(page: Page) {
  return page.locator('input.uppy-Dashboard-input[type=file]:not([webkitdirectory])').first();
}

/** Waits until `locator`'s text matches `pattern` (Playwright's own auto-waiting, no sleeps). */
export async function waitForText(locator: Locator, pattern: RegExp, timeout = 20_000): Promise<string> {
  await locator.filter({ hasText: pattern }).first().waitFor({ state: 'attached', timeout });
  return (await locator.filter({ hasText: pattern }).first().textContent()) ?? '';
}

/** The phase a file's row shows (data-phase), once it is `phase`; fails showing the row otherwise. */
export async function waitForPhase(page: Page, fileName: string, phase: string, timeout = 45_000): Promise<void> {
  const row = page.locator(`.row[data-file="${fileName}"]`);
  try {
    await row.locator(`.phase[data-phase="${phase}"]`).waitFor({ state: 'attached', timeout });
  } catch {
    throw new Error(`${fileName} never reached ${phase}: the row says "${await row.textContent().catch(() => '')}"`);
  }
}

/**
 * Registers the hooks of a browser test file: one app and one Chromium for the file, a fresh
 * profile (context) per page opened, closed after each test.
 */
export function browserSuite(appOptions: Parameters<typeof startTestApp>[0] = {}) {
  let server: TestApp | undefined;
  let browser: Browser | undefined;
  const opened: WatchedPage[] = [];
  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestApp(appOptions), launchBrowser()]);
  });
  afterEach(async () => {
    for (const page of opened.splice(0)) await page.context.close();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  return {
    get server(): TestApp {
      return server!;
    },
    get browser(): Browser {
      return browser!;
    },
    async open(viewport?: { width: number; height: number }): Promise<WatchedPage> {
      const page = await openPage(browser!, server!.url, viewport);
      opened.push(page);
      return page;
    },
  };
}

/**
 * Limits the page's upload bandwidth (bytes per second; -1 lifts the limit) through Chromium's
 * network emulation, so that a test can act while an upload is still under way.
 */
export async function uploadThrottle(open: WatchedPage): Promise<(bytesPerSecond: number) => Promise<void>> {
  const cdp = await open.context.newCDPSession(open.page);
  await cdp.send('Network.enable');
  return async (uploadThroughput: number) => {
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput,
    });
  };
}

/** Writes a real, uncompressed RGB TIFF of side × side pixels of noise (3 bytes each) to a temporary folder. */
export async function noiseTiff(name: string, side: number): Promise<{ path: string; data: Buffer }> {
  const data = await sharp({
    create: {
      width: side,
      height: side,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .tiff({ compression: 'none' })
    .toBuffer();
  const path = join(await mkdtemp(join(tmpdir(), 'web-test-')), name);
  await writeFile(path, data);
  return { path, data };
}

/** Signs in on a fresh page of the suite's app and picks the user's sandbox starter dataset. */
export async function signedInAtStarterDataset(
  suite: ReturnType<typeof browserSuite>,
  username: string,
  password: string,
): Promise<WatchedPage> {
  const open = await suite.open();
  await open.page.goto('/');
  await signInThroughPage(open.page, username, password);
  await open.page.getByRole('radio', { name: /My dataset/ }).check();
  return open;
}

/**
 * The accessible name of what has the keyboard focus: its label, else its text. Sent as a
 * string, run in the page: the tests compile without the DOM's types.
 */
export function focusedName(page: Page): Promise<string> {
  return page.evaluate(`(() => {
    const element = document.activeElement;
    const label = element && element.id ? document.querySelector('label[for="' + element.id + '"]') : null;
    const text = (label && label.textContent) || (element && element.closest('label') && element.closest('label').textContent) || (element && element.textContent) || '';
    return text.trim();
  })()`);
}

/** Screenshots of the page as it is: at its width, then 360 px wide (`<name>-360px`), then back. */
export async function screenshotAtBothWidths(open: WatchedPage, name: string): Promise<void> {
  const viewport = open.page.viewportSize();
  await open.screenshot(name);
  await open.page.setViewportSize({ width: 360, height: 800 });
  await open.screenshot(`${name}-360px`);
  if (viewport) await open.page.setViewportSize(viewport);
}

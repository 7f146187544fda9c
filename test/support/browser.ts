import { expect } from '@jest/globals';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

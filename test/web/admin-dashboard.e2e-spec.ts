import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Locator, Page } from 'playwright-core';
import { seedAnalytics } from '../support/analytics-seed.js';
import { accessToken, createUser } from '../support/clients.js';
import { ADMIN } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';
import { browserSuite, signedInAdminPage, type WatchedPage } from '../support/browser.js';

/**
 * The admin app's dashboard over the known week and a half of test/support/analytics-seed.ts:
 * every total on the cards and every number of each chart's table, as a screen reader gets
 * them, is the seed's.
 */

const suite = browserSuite();

beforeAll(async () => {
  const adminToken = await accessToken(suite.server.url);
  const [a, b, c] = await Promise.all(
    ['ana', 'ben', 'cy'].map((name) => createUser(suite.server.url, adminToken, name)),
  );
  await seedAnalytics(suite.server.databaseUrl, { A: a.id, B: b.id, C: c.id });
});

/** Picks the days from `first` to `last` (included) and waits for that period's figures. */
async function showPeriod(page: Page, first: string, last: string): Promise<void> {
  await page.getByRole('combobox', { name: 'Period' }).click();
  await page.getByRole('option', { name: 'From … to …' }).click();
  await page.getByLabel('First day').fill(first);
  await page.getByLabel('Last day').fill(last);
  const to = new Date(Date.parse(`${last}T00:00:00Z`) + 24 * 3600 * 1000).toISOString();
  await page.locator(`[data-from="${first}T00:00:00.000Z"][data-to="${to}"][aria-busy="false"]`).waitFor();
}

/** A card's value and detail line. */
async function card(page: Page, label: string): Promise<string[]> {
  const item = page.getByRole('listitem', { name: label });
  return (await item.locator('p').allTextContents()).map((text) => text.trim());
}

/** The rows of a chart's table (the one screen readers read), cell by cell. */
async function table(page: Page, caption: string): Promise<string[][]> {
  const found: Locator = page.locator('table', { has: page.locator('caption', { hasText: caption }) });
  await found.waitFor({ state: 'attached' });
  const rows = await found.locator('tbody tr').all();
  return Promise.all(rows.map(async (row) => (await row.locator('th, td').allTextContents()).map((t) => t.trim())));
}

/**
 * Screenshots at 1280 px, then at 360 px once the page has laid itself out again: the charts
 * resize when their container tells them (a ResizeObserver), a moment after the viewport.
 */
// Evaluated through the debugger protocol: the page's CSP forbids the string functions of waitForFunction.
const fitsIn = (page: Page, width: number) =>
  waitFor(
    () => page.evaluate('document.documentElement.scrollWidth') as Promise<number>,
    (scrollWidth) => scrollWidth <= width,
  );

async function screenshotsAtBothWidths(open: WatchedPage, name: string): Promise<void> {
  await open.page.setViewportSize({ width: 1280, height: 900 });
  await fitsIn(open.page, 1280);
  await open.screenshot(name);
  await open.page.setViewportSize({ width: 360, height: 800 });
  await fitsIn(open.page, 360);
  await open.screenshot(`${name}-360px`);
  await open.page.setViewportSize({ width: 1280, height: 900 });
}

const DAYS = ['3', '4', '5', '6', '7', '8', '9', '10'].map((day) => `${day} Mar 2025`);
/** One row per day of the seeded period, `values` given for the days that have some. */
const perDay = (values: Record<string, string[]>, nothing: string[]) =>
  DAYS.map((day) => [day, ...(values[day.split(' ')[0]] ?? nothing)]);

describe('the dashboard', () => {
  it('shows the seeded totals and per-day numbers of the period, in cards and in each chart’s table', async () => {
    const open = await signedInAdminPage(suite, '/admin/dashboard', ADMIN.username, ADMIN.password);
    const { page } = open;
    await page.getByRole('heading', { name: 'Usage' }).waitFor();
    await showPeriod(page, '2025-03-03', '2025-03-10');
    await page.getByText('3 Mar 2025 to 10 Mar 2025, days counted in UTC.').waitFor();

    expect(await card(page, 'Uploads completed')).toEqual(['6', '9 started, 1 refused, 1 cancelled, 1 expired']);
    expect(await card(page, 'Bytes uploaded')).toEqual(['19.5 KiB', 'by the completed uploads']);
    expect(await card(page, 'Import success rate')).toEqual(['50 %', '3 succeeded, 3 failed, 1 cancelled of 7 queued']);
    expect(await card(page, 'Images created')).toEqual(['6', 'by the successful imports']);
    expect(await card(page, 'Median upload throughput')).toEqual(['400 bytes/s', '95th percentile 950 bytes/s']);
    expect(await card(page, 'Median import duration')).toEqual(['30 s', '95th percentile 57 s']);
    expect(await card(page, 'Active users')).toEqual(['3', 'uploaded or imported, each counted once']);

    expect(await table(page, 'Uploads and bytes per day')).toEqual(
      perDay(
        {
          3: ['5', '3', '6.8 KiB'],
          4: ['2', '2', '11.7 KiB'],
          5: ['1', '0', '0 bytes'],
          10: ['1', '1', '1000 bytes'],
        },
        ['0', '0', '0 bytes'],
      ),
    );
    expect(await table(page, 'Import outcomes per day')).toEqual(
      perDay(
        {
          3: ['3', '2', '1', '0', '66.7 %'],
          4: ['3', '1', '1', '1', '50 %'],
          10: ['1', '0', '1', '0', '0 %'],
        },
        ['0', '0', '0', '0', '—'],
      ),
    );
    expect(await table(page, 'Upload throughput')).toEqual(
      perDay(
        {
          3: ['200 bytes/s', '380 bytes/s'],
          4: ['600 bytes/s', '780 bytes/s'],
          10: ['1000 bytes/s', '1000 bytes/s'],
        },
        ['—', '—'],
      ),
    );
    expect(await table(page, 'Import duration')).toEqual(
      perDay({ 3: ['20 s', '29 s'], 4: ['1 min', '1 min'] }, ['—', '—']),
    );
    expect(await table(page, 'Most frequent failures')).toEqual([
      ['Import: UNREADABLE_FILE', '2'],
      ['Import: TIMEOUT', '1'],
      ['Upload: unsupported_content', '1'],
    ]);
    expect(await table(page, 'Active users per day')).toEqual(
      perDay({ 3: ['3'], 4: ['3'], 5: ['1'], 10: ['1'] }, ['0']),
    );

    // Each of the six charts is drawn, under its heading.
    await page.locator('.recharts-surface').nth(5).waitFor();
    expect(await page.locator('section h2').allTextContents()).toEqual([
      'Uploads and bytes per day',
      'Import outcomes per day',
      'Upload throughput',
      'Import duration',
      'Most frequent failures',
      'Active users per day',
    ]);
    await screenshotsAtBothWidths(open, 'admin-dashboard');
    open.expectNoErrors();
  });

  it('says when nothing happened in the period, and what is wrong with a period it cannot show', async () => {
    const open = await signedInAdminPage(suite, '/admin/dashboard', ADMIN.username, ADMIN.password);
    const { page } = open;
    await showPeriod(page, '2024-01-01', '2024-01-07');
    await page.getByRole('heading', { name: 'Nothing happened in this period' }).waitFor();
    expect(await card(page, 'Uploads completed')).toEqual(['0', '0 started, 0 refused, 0 cancelled, 0 expired']);
    expect(await page.locator('.recharts-surface').count()).toBe(0);
    await screenshotsAtBothWidths(open, 'admin-dashboard-empty');

    await page.getByLabel('Last day').fill('2023-12-01');
    await page.getByText('The last day must not come before the first day.').waitFor();
    await page.getByText('The figures show once the period above is one the dashboard can show.').waitFor();
    await page.getByLabel('Last day').fill('2025-03-01');
    await page.getByText('Pick at most 366 days; this period has 426.').waitFor();
    await screenshotsAtBothWidths(open, 'admin-dashboard-bad-period');
    open.expectNoErrors();
  });

  it('shows that it is loading, then an error that says what to do, and loads again when asked', async () => {
    const open = await signedInAdminPage(suite, '/admin/flags', ADMIN.username, ADMIN.password);
    const { page } = open;
    await page.getByRole('switch', { name: 'newUploader' }).waitFor();
    // The dashboard's query is held until the loading state is seen, then fails as a lost network would.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/graphql', async (route) => {
      if (!/AdminAnalyticsDashboard/.test(route.request().postData() ?? '')) return route.fallback();
      await held;
      return route.abort('internetdisconnected');
    });
    await page.getByRole('menuitem', { name: 'Dashboard' }).click();
    await page.getByRole('status').filter({ hasText: 'Loading the figures of this period…' }).waitFor();
    await screenshotsAtBothWidths(open, 'admin-dashboard-loading');
    release();
    const alert = page.getByRole('alert').filter({ hasText: 'The figures could not be loaded' });
    await alert.waitFor({ timeout: 30_000 });
    expect(await alert.textContent()).toMatch(/cannot be reached\. Check your network connection and try again\./);
    await screenshotsAtBothWidths(open, 'admin-dashboard-error');

    await page.unroute('**/graphql');
    await alert.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('listitem', { name: 'Active users' }).waitFor();
    open.expectNoErrors(/ERR_INTERNET_DISCONNECTED/);
  });
});

// The browser side of bench/web.mjs: Debian's Chromium driven by playwright-core (as
// test/support/browser.ts launches it), the app's real page, and the baseline page that sends
// the same Uppy client's uploads to the bare tus server.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { ROOT } from './app-under-test.mjs';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
// The script of the in-browser sha256's Web Worker; the page is built to upload without it.
const SHA256_WORKER = '*sha256-worker*';
// One 1 GiB upload through a browser on a busy machine.
const UPLOAD_TIMEOUT_MS = 10 * 60_000;
const STEP_TIMEOUT_MS = 60_000;

export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, '--disable-component-update', '--disable-sync'],
  });
}

/** A fresh profile; `errors` collects the page's console errors and uncaught exceptions. */
async function openPage(browser, baseURL) {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  const errors = [];
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  return { context, page, errors };
}

async function signInOnPage(page, credentials) {
  await page.goto('/');
  await page.getByLabel('Username').fill(credentials.username);
  await page.getByLabel('Password').fill(credentials.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * The gzipped JavaScript and CSS the page loads up to a signed-in uploader ready for files,
 * counted as test/web/uploader.e2e-spec.ts's "weight" test does: every /assets/*.js|css the
 * page requests, gzipped (zlib's default level) from web/dist.
 */
export async function pageWeight(browser, app) {
  const { context, page } = await openPage(browser, app.url);
  try {
    const assets = new Set();
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (/^\/assets\/.+\.(js|css)$/.test(path)) assets.add(path);
    });
    await signInOnPage(page, app.credentials);
    await page.locator('.uppy-Dashboard').waitFor();
    return [...assets].sort().map((path) => {
      const bytes = readFileSync(join(ROOT, 'web', 'dist', path));
      return { path, bytes: bytes.length, gzipped: gzipSync(bytes).length };
    });
  } finally {
    await context.close();
  }
}

/**
 * Resolves with the time the server confirmed the last byte (a PATCH answered with
 * Upload-Offset = size); fails at the first tus request answered with an error.
 */
function uploadConfirmed(page, endpointPath, size) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no upload completed within ${UPLOAD_TIMEOUT_MS / 60_000} min`)),
      UPLOAD_TIMEOUT_MS,
    );
    page.on('response', async (response) => {
      const request = response.request();
      if (!new URL(request.url()).pathname.startsWith(endpointPath)) return;
      if (response.status() >= 400) {
        clearTimeout(timer);
        const body = await response.text().catch(() => '');
        reject(new Error(`${request.method()} ${endpointPath} answered ${response.status()}: ${body.slice(0, 300)}`));
      } else if (request.method() === 'PATCH' && Number(response.headers()['upload-offset']) === size) {
        clearTimeout(timer);
        resolve(performance.now());
      }
    });
  });
}

/**
 * Uploads `file` and returns the seconds from the click on the page's upload button to the
 * server confirming the last byte, and the CPU seconds `cpu()` counted meanwhile (an object of
 * numbers). `page` has the file chosen and the button in `start`.
 */
async function timedUpload(open, start, endpointPath, file, cpu) {
  const confirmed = uploadConfirmed(open.page, endpointPath, file.size);
  // An error before the click (a refused file) would otherwise surface as a time-out.
  confirmed.catch(() => undefined);
  const cpuBefore = cpu();
  const clicked = performance.now();
  await start.click();
  const seconds = ((await confirmed) - clicked) / 1000;
  const cpuAfter = cpu();
  const used = Object.fromEntries(Object.keys(cpuAfter).map((k) => [k, cpuAfter[k] - cpuBefore[k]]));
  return { seconds, clicked, cpu: used };
}

/**
 * The row's integrity result once the page has one (verified, mismatch or unavailable; the
 * baseline page's own hash: hashed or unavailable) and the
 * seconds from the click to it: when the user sees the file checked, which may be after the
 * upload if hashing is the slower of the two. A page that never asked for the worker has none.
 */
async function integrityResult(page, clicked, workerRequested) {
  if (!workerRequested) return {};
  const done = page.locator(
    ['verified', 'mismatch', 'unavailable', 'hashed'].map((result) => `[data-integrity="${result}"]`).join(', '),
  );
  await done.first().waitFor({ state: 'attached', timeout: UPLOAD_TIMEOUT_MS });
  const integritySeconds = (performance.now() - clicked) / 1000;
  return { integrity: await done.first().getAttribute('data-integrity'), integritySeconds };
}

/**
 * One upload through the app's real page: a fresh profile signs in, chooses the sandbox
 * starter dataset and adds `file` to Uppy's Dashboard; only the upload itself is timed. With
 * `hashing` false the sha256 worker's script is refused, so the page uploads without hashing.
 */
export async function uploadThroughApp(browser, app, file, { hashing, cpu }) {
  const open = await openPage(browser, app.url);
  try {
    const workerRequests = await interceptSha256Worker(open, { refuse: !hashing });
    await signInOnPage(open.page, app.credentials);
    await open.page.getByRole('radio', { name: /My dataset/ }).check();
    await open.page
      .locator('input.uppy-Dashboard-input[type=file]:not([webkitdirectory])')
      .first()
      .setInputFiles(file.path);
    const start = open.page.locator('.uppy-StatusBar-actionBtn--upload');
    await start.waitFor();
    const timed = await timedUpload(open, start, '/api/uploads', file, cpu);
    return await withIntegrity(open, timed, workerRequests, hashing ? 'verified' : 'unavailable');
  } finally {
    await open.context.close();
  }
}

/**
 * A timed upload's figures with the page's integrity result, which must be `expected`: refused,
 * the worker cannot have checked anything; loaded, it must not find a difference. `cores`: the
 * logical cores the page sees, which decide how it paces hashing (hash-pacing.ts).
 */
async function withIntegrity(open, timed, workerRequests, expected) {
  const checked = await integrityResult(open.page, timed.clicked, workerRequests() > 0);
  if (checked.integrity && checked.integrity !== expected)
    throw new Error(`the page's integrity result is "${checked.integrity}", not "${expected}"`);
  const cores = await open.page.evaluate(() => navigator.hardwareConcurrency);
  return { ...timed, ...checked, workerRequests: workerRequests(), cores, errors: open.errors };
}

/**
 * Lets the sha256 worker's script load, or refuses it (`refuse`), and returns a counter of its
 * requests. Not with Playwright's route(): while any route is set, Playwright pauses every
 * request of the page, upload PATCHes included, which cut uploads to a tenth of their speed in
 * a trial. The DevTools protocol's Fetch domain pauses only what matches its pattern, and,
 * unlike Network.setBlockedURLs, it reaches the request for a dedicated worker's script.
 * Both settings pause that one request, so they differ in the refusal only.
 */
async function interceptSha256Worker(open, { refuse }) {
  const cdp = await open.context.newCDPSession(open.page);
  let requests = 0;
  cdp.on('Fetch.requestPaused', ({ requestId }) => {
    requests += 1;
    const answer = refuse
      ? cdp.send('Fetch.failRequest', { requestId, errorReason: 'BlockedByClient' })
      : cdp.send('Fetch.continueRequest', { requestId });
    answer.catch(() => undefined);
  });
  await cdp.send('Fetch.enable', { patterns: [{ urlPattern: SHA256_WORKER }] });
  return () => requests;
}

/**
 * One upload of `file` through the baseline page to the bare tus server, timed the same way,
 * hashed by the page like the app's (`hashing`) or with the worker refused.
 */
export async function uploadThroughBare(browser, bare, file, { chunkSizeBytes, hashing, cpu }) {
  const open = await openPage(browser, bare.readyUrl);
  try {
    const workerRequests = await interceptSha256Worker(open, { refuse: !hashing });
    await open.page.goto(`/?chunkSize=${chunkSizeBytes}`);
    await open.page.locator('#file').setInputFiles(file.path);
    await open.page.getByText('1 file(s) added').waitFor();
    const timed = await timedUpload(open, open.page.locator('#start'), '/files', file, cpu);
    return await withIntegrity(open, timed, workerRequests, hashing ? 'hashed' : 'unavailable');
  } finally {
    await open.context.close();
  }
}

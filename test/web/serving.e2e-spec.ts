import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { webBuildDir } from '../../src/web-app/web-app.handler.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The web app's build served at `/` by the app itself: files with the right caching, the page
 * for client-side routes, and never in the way of the API.
 */

const ONE_YEAR = 'public, max-age=31536000, immutable';

let server: TestApp;
beforeAll(async () => {
  server = await startTestApp();
});
afterAll(async () => {
  await server.close();
});

async function assetNames(): Promise<string[]> {
  return readdir(join(webBuildDir(), 'assets'));
}

describe('the web app at /', () => {
  it('serves the page, never cached, under the strict CSP, loading only hashed files of this origin', async () => {
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await response.text();
    expect(html).toContain('<div id="root">');
    // Every script is a file (the CSP forbids inline ones) under /assets.
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    const scripts = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((match) => match[1]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) expect(src).toMatch(/^\/assets\/[\w.-]+-[\w-]{8}\.js$/);
  });

  it('caches hashed assets for a year', async () => {
    const [asset] = (await assetNames()).filter((name) => name.endsWith('.js'));
    const response = await fetch(`${server.url}/assets/${asset}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/javascript/);
    expect(response.headers.get('cache-control')).toBe(ONE_YEAR);
  });

  it('serves Golden Retriever’s service worker at a fixed URL, /sw.js, never cached, allowed by the page’s CSP', async () => {
    const worker = await fetch(`${server.url}/sw.js`);
    expect(worker.status).toBe(200);
    expect(worker.headers.get('content-type')).toMatch(/^(text|application)\/javascript/);
    expect(worker.headers.get('cache-control')).toBe('no-cache');
    expect(await worker.text()).toContain('uppy/GET_FILES');
    const page = await fetch(`${server.url}/`);
    expect(page.headers.get('content-security-policy')).toMatch(/worker-src 'self'/);
  });

  it('answers client-side routes with the page, and missing files with 404', async () => {
    const page = await fetch(`${server.url}/uploads/history`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(await page.text()).toContain('<div id="root">');
    expect((await fetch(`${server.url}/assets/gone-12345678.js`)).status).toBe(404);
    expect((await fetch(`${server.url}/missing.png`)).status).toBe(404);
  });

  it('never answers /api, /graphql or /admin with the page', async () => {
    for (const path of ['/api/nothing-here', '/api', '/admin', '/admin/users', '/graphql/anything']) {
      const response = await fetch(`${server.url}${path}`);
      const answer = {
        path,
        type: response.headers.get('content-type'),
        page: (await response.text()).includes('id="root"'),
      };
      // /admin is the admin app's (test/web/admin-serving.e2e-spec.ts), never this page.
      const type = path.startsWith('/admin') ? expect.anything() : expect.stringMatching(/json/);
      expect(answer).toEqual({ path, type, page: false });
    }
    const health = await fetch(`${server.url}/api/health`);
    expect(health.headers.get('content-type')).toMatch(/json/);
  });
});

describe('npm run build:web', () => {
  it('does not rebuild unchanged sources', async () => {
    const stamp = join(webBuildDir(), '.source-hash');
    const before = await stat(stamp);
    const { stdout } = await promisify(execFile)('node', ['web/build-if-changed.mjs']);
    expect(stdout).toContain('not rebuilt');
    expect((await stat(stamp)).mtimeMs).toBe(before.mtimeMs);
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { appBuildDir } from '../../src/web-app/web-app.handler.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The admin app's build served at `/admin` by the app itself, beside the web app at `/`: its
 * own page for its client-side routes, hashed files cached for a year, and neither app
 * answering for the other or for the API.
 */

const ONE_YEAR = 'public, max-age=31536000, immutable';
const ADMIN_PAGE = 'id="admin-root"';
const WEB_PAGE = 'id="root"';

let server: TestApp;
beforeAll(async () => {
  server = await startTestApp();
});
afterAll(async () => {
  await server.close();
});

describe('the admin app at /admin', () => {
  it('answers /admin and every client-side route under it with its own page, never cached, loading only its hashed files', async () => {
    for (const path of ['/admin', '/admin/', '/admin/flags', '/admin/settings/uploader']) {
      const response = await fetch(`${server.url}${path}`);
      const html = await response.text();
      expect({ path, status: response.status, cache: response.headers.get('cache-control') }).toEqual({
        path,
        status: 200,
        cache: 'no-cache',
      });
      expect(html).toContain(ADMIN_PAGE);
      expect(html).not.toContain(WEB_PAGE);
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
      const scripts = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((match) => match[1]);
      expect(scripts.length).toBeGreaterThan(0);
      for (const src of scripts) expect(src).toMatch(/^\/admin\/assets\/[\w.-]+-[\w-]{8}\.js$/);
    }
  });

  it('caches its hashed assets for a year, and answers missing files with 404, not a page', async () => {
    const [asset] = (await readdir(join(appBuildDir('admin'), 'assets'))).filter((name) => name.endsWith('.js'));
    const response = await fetch(`${server.url}/admin/assets/${asset}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/javascript/);
    expect(response.headers.get('cache-control')).toBe(ONE_YEAR);
    for (const path of ['/admin/assets/gone-12345678.js', '/admin/missing.png']) {
      const missing = await fetch(`${server.url}${path}`);
      const body = await missing.text();
      expect({ path, status: missing.status, page: body.includes(ADMIN_PAGE) || body.includes(WEB_PAGE) }).toEqual({
        path,
        status: 404,
        page: false,
      });
    }
  });

  it('leaves other methods under /admin to the server, and the web app keeps /', async () => {
    const post = await fetch(`${server.url}/admin/flags`, { method: 'POST' });
    expect(post.status).toBe(404);
    expect(post.headers.get('content-type')).toMatch(/json/);
    const web = await fetch(`${server.url}/uploads/history`);
    const html = await web.text();
    expect(html).toContain(WEB_PAGE);
    expect(html).not.toContain(ADMIN_PAGE);
  });
});

describe('npm run build:admin', () => {
  it('does not rebuild unchanged sources', async () => {
    const stamp = join(appBuildDir('admin'), '.source-hash');
    const before = await stat(stamp);
    const { stdout } = await promisify(execFile)('node', ['web/build-if-changed.mjs', 'admin']);
    expect(stdout).toContain('admin: unchanged since the last build, not rebuilt');
    expect((await stat(stamp)).mtimeMs).toBe(before.mtimeMs);
  });
});

import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Paths that belong to the server: the SPA fallback never answers them with the page. */
const SERVER_PREFIXES = ['/api', '/graphql', '/admin'];

/** Vite puts every content-hashed file here: a changed file gets a new name. */
const HASHED_ASSETS = '/assets/';

const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

/**
 * `web/dist` of the checkout, found from this file whether it runs compiled (dist/src/web-app)
 * or from source (src/web-app, under the tests): the nearest folder above with a `web/` in it.
 */
export function webBuildDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'web', 'dist');
}

function ownedByServer(path: string): boolean {
  return SERVER_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

/**
 * Static files of the build, then `index.html` for any other GET of a page (a path without a
 * file extension), so that a reload on a client-side route still finds the app. Hashed assets
 * may be cached for a year; everything else, the page above all, is revalidated on every load
 * so a new release is picked up at once.
 */
export function webAppHandler(dir: string): RequestHandler {
  const files = express.static(dir, {
    index: false,
    fallthrough: true,
    setHeaders: (response, path) => {
      const hashed = path.startsWith(join(dir, HASHED_ASSETS));
      response.setHeader('Cache-Control', hashed ? `public, max-age=${ONE_YEAR_SECONDS}, immutable` : 'no-cache');
    },
  });
  const page = join(dir, 'index.html');
  return (request: Request, response: Response, next: NextFunction) => {
    if (ownedByServer(request.path) || (request.method !== 'GET' && request.method !== 'HEAD')) return next();
    files(request, response, () => {
      const lastSegment = request.path.slice(request.path.lastIndexOf('/') + 1);
      if (lastSegment.includes('.') || request.path.startsWith(HASHED_ASSETS)) return next();
      response.setHeader('Cache-Control', 'no-cache');
      response.sendFile(page);
    });
  };
}

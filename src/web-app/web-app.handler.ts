import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the admin app is served; its handler sees paths below it. */
export const ADMIN_PATH = '/admin';

/** Paths that belong to the server or the admin app: the web app's fallback never answers them. */
const SERVER_PREFIXES = ['/api', '/graphql', ADMIN_PATH];

/** Vite puts every content-hashed file here: a changed file gets a new name. */
const HASHED_ASSETS = '/assets/';

const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

/**
 * `<app>/dist` of the checkout (`web` or `admin`), found from this file whether it runs
 * compiled (dist/src/web-app) or from source (src/web-app, under the tests): the nearest folder
 * above with a `package.json` in it.
 */
export function appBuildDir(app: 'web' | 'admin'): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, app, 'dist');
}

export function webBuildDir(): string {
  return appBuildDir('web');
}

function ownedElsewhere(path: string, prefixes: string[]): boolean {
  return prefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

/**
 * Static files of a build, then `index.html` for any other GET of a page (a path without a
 * file extension), so that a reload on a client-side route still finds the app. Hashed assets
 * may be cached for a year; everything else, the page above all, is revalidated on every load
 * so a new release is picked up at once. `request.path` is relative to where the handler is
 * mounted; paths under `skipped` are left to the next handler.
 */
export function singlePageAppHandler(dir: string, skipped: string[] = []): RequestHandler {
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
    if (ownedElsewhere(request.path, skipped) || (request.method !== 'GET' && request.method !== 'HEAD')) return next();
    files(request, response, () => {
      const lastSegment = request.path.slice(request.path.lastIndexOf('/') + 1);
      if (lastSegment.includes('.') || request.path.startsWith(HASHED_ASSETS)) return next();
      response.setHeader('Cache-Control', 'no-cache');
      response.sendFile(page);
    });
  };
}

/** The web uploader at `/`, never answering for the API, GraphQL or the admin app. */
export function webAppHandler(dir: string): RequestHandler {
  return singlePageAppHandler(dir, SERVER_PREFIXES);
}

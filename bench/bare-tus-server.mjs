// Baseline for bench/upload.mjs: @tus/server + @tus/file-store with their defaults and nothing
// else (no auth, no database, no hashing, no framework), so the benchmark shows what the app
// adds on top of the library it is built on.
//
//   PORT=0 UPLOAD_DIR=/tmp/somewhere node bench/bare-tus-server.mjs
//
// Listens on 127.0.0.1 only. Without UPLOAD_DIR it uses a temporary folder of its own and
// deletes it on exit. Prints one JSON line with "msg":"bare tus server is ready" and its url.
// With STATIC_DIR, GET requests outside /files get that folder's files (bench/web.mjs serves
// its browser page so, from the same origin as the uploads, as the app does).
import { FileStore } from '@tus/file-store';
import { Server } from '@tus/server';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';

const HOST = '127.0.0.1';
const port = Number(process.env.PORT ?? 0);
const ownDirectory = !process.env.UPLOAD_DIR;
const directory = process.env.UPLOAD_DIR || mkdtempSync(join(tmpdir(), 'bare-tus-'));

const tus = new Server({ path: '/files', datastore: new FileStore({ directory }) });
const staticDir = process.env.STATIC_DIR;
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

function serveStatic(req, res) {
  // A path that starts with "/" normalises within the folder: "/../x" becomes "/x".
  const path = normalize(decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname));
  const file = join(staticDir, path === '/' ? 'index.html' : path);
  try {
    if (!statSync(file).isFile()) throw new Error('not a file');
  } catch {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
  createReadStream(file).pipe(res);
}

const server = http.createServer((req, res) => {
  if (staticDir && req.method === 'GET' && !req.url.startsWith('/files')) {
    serveStatic(req, res);
    return;
  }
  tus.handle(req, res).catch((error) => {
    process.stderr.write(`bare tus server: ${error?.stack ?? error}\n`);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
});

server.listen(port, HOST, () => {
  const { port: bound } = server.address();
  process.stdout.write(
    `${JSON.stringify({ msg: 'bare tus server is ready', url: `http://${HOST}:${bound}`, directory })}\n`,
  );
});

function stop() {
  server.close(() => {
    if (ownDirectory) rmSync(directory, { recursive: true, force: true });
    process.exit(0);
  });
  // Keep-alive sockets from the client would otherwise hold close() open.
  server.closeAllConnections();
}
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

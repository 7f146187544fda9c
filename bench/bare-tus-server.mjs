// Baseline for bench/upload.mjs: @tus/server + @tus/file-store with their defaults and nothing
// else (no auth, no database, no hashing, no framework), so the benchmark shows what the app
// adds on top of the library it is built on.
//
//   PORT=0 UPLOAD_DIR=/tmp/somewhere node bench/bare-tus-server.mjs
//
// Listens on 127.0.0.1 only. Without UPLOAD_DIR it uses a temporary folder of its own and
// deletes it on exit. Prints one JSON line with "msg":"bare tus server is ready" and its url.
import { FileStore } from '@tus/file-store';
import { Server } from '@tus/server';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const HOST = '127.0.0.1';
const port = Number(process.env.PORT ?? 0);
const ownDirectory = !process.env.UPLOAD_DIR;
const directory = process.env.UPLOAD_DIR || mkdtempSync(join(tmpdir(), 'bare-tus-'));

const tus = new Server({ path: '/files', datastore: new FileStore({ directory }) });
const server = http.createServer((req, res) => {
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

import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { FileStore } from '@tus/file-store';
import { Server } from '@tus/server';
import { createServer, request, type Server as HttpServer } from 'node:http';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { handleWithNodeBody, streamNodeBodies } from './node-body.js';

/** Pins the @tus/server internals that node-body.ts relies on. */
describe('Node request bodies for @tus/server', () => {
  let directory: string;
  let http: HttpServer;
  let base: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'node-body-'));
    const tus = new Server({ path: '/files', datastore: new FileStore({ directory }), relativeLocation: true });
    streamNodeBodies(tus);
    http = createServer((req, res) => void handleWithNodeBody(tus, req, res));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => http.close(() => resolve())));

  const send = (method: string, path: string, headers: Record<string, string>, body?: Buffer) =>
    new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
      const req = request(`${base}${path}`, { method, headers: { 'Tus-Resumable': '1.0.0', ...headers } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers }));
      });
      req.on('error', reject);
      req.end(body);
    });

  it('writes POST and PATCH bodies without converting them to web streams', async () => {
    const fromWeb = jest.spyOn(Readable, 'fromWeb');
    const data = Buffer.from('0123456789'.repeat(1000));
    const created = await send(
      'POST',
      '/files',
      { 'Upload-Length': String(data.length), 'Content-Type': 'application/offset+octet-stream' },
      data.subarray(0, 4000),
    );
    expect(created.status).toBe(201);
    expect(created.headers['upload-offset']).toBe('4000');
    const id = String(created.headers.location).split('/').pop()!;
    const patched = await send(
      'PATCH',
      `/files/${id}`,
      { 'Upload-Offset': '4000', 'Content-Type': 'application/offset+octet-stream' },
      data.subarray(4000),
    );
    expect(patched.status).toBe(204);
    expect(patched.headers['upload-offset']).toBe(String(data.length));
    expect(await readFile(join(directory, id))).toEqual(data);
    expect(fromWeb).not.toHaveBeenCalled();
    fromWeb.mockRestore();
  });

  it('refuses to install on handlers without writeToStore', () => {
    const fake = { handlers: { POST: {}, PATCH: {} } } as unknown as Server;
    expect(() => streamNodeBodies(fake)).toThrow(/writeToStore/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Upload } from 'tus-js-client';
import { accessToken, createUser, graphql } from './support/clients.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { sha256, tiffLike, TusClient, tusJsUpload } from './support/tus.js';

/**
 * Resuming an unfinished upload from another browser: the client re-selects the file and
 * compares its first bytes with those the server holds (Upload.received), so it never appends
 * the rest of one file to the start of another.
 */
const RECEIVED = `query($id: ID!) { upload(id: $id) { status offsetBytes expiresAt received { offsetBytes sha256 } } }`;

interface Received {
  status: string;
  offsetBytes: number;
  expiresAt: string | null;
  received: { offsetBytes: number; sha256: string } | null;
}

describe('Upload.received: the bytes the server holds, and their sha256', () => {
  let server: TestApp;
  let owner: { token: string };
  let other: { token: string };

  const read = async (id: string, token = owner.token) =>
    (await graphql<{ upload: Received | null }>(server.url, token, RECEIVED, { id })).data?.upload;

  /** Uploads with tus-js-client and stops (as a closed browser does) once `stopAt` bytes are in. */
  const partialUpload = (data: Buffer, stopAt: number) =>
    new Promise<string>((resolve, reject) => {
      const upload: Upload = new Upload(data, {
        endpoint: `${server.url}/api/uploads`,
        headers: { authorization: `Bearer ${owner.token}` },
        metadata: { filename: 'partial.tif' },
        chunkSize: 64 * 1024,
        retryDelays: [],
        onError: reject,
        onSuccess: () => reject(new Error('the upload was meant to stop before its end')),
        onChunkComplete: (_chunk, accepted) => {
          if (accepted < stopAt) return;
          void upload.abort().then(() => resolve(upload.url!.split('/').pop()!), reject);
        },
      });
      upload.start();
    });

  beforeAll(async () => {
    server = await startTestApp();
    const adminToken = await accessToken(server.url);
    owner = await createUser(server.url, adminToken, 'resumer');
    other = await createUser(server.url, adminToken, 'someone-else');
  });
  afterAll(() => server.close());

  it('equals the sha256 of the first offsetBytes bytes of the file after an interrupted upload', async () => {
    const data = tiffLike(1024 * 1024, 7);
    const id = await partialUpload(data, 300 * 1024);
    const upload = (await read(id))!;
    expect(upload.status).toBe('UPLOADING');
    expect(upload.expiresAt).not.toBeNull();
    expect(upload.received!.offsetBytes).toBe(upload.offsetBytes);
    expect(upload.received!.offsetBytes).toBeGreaterThanOrEqual(300 * 1024);
    expect(upload.received!.offsetBytes).toBeLessThan(data.length);
    expect(upload.received!.sha256).toBe(sha256(data.subarray(0, upload.received!.offsetBytes)));
    // A different file of the same name and size does not match.
    const impostor = tiffLike(data.length, 8);
    expect(sha256(impostor.subarray(0, upload.received!.offsetBytes))).not.toBe(upload.received!.sha256);
  });

  it('is read again after the upload resumed, and the completed file has the same sha256', async () => {
    const data = tiffLike(512 * 1024, 9);
    const id = await partialUpload(data, 128 * 1024);
    const before = (await read(id))!.received!;
    const tus = new TusClient(server.url, owner.token);
    expect((await tus.patch(id, before.offsetBytes, data.subarray(before.offsetBytes, 400 * 1024))).status).toBe(204);
    expect((await read(id))!.received).toEqual({
      offsetBytes: 400 * 1024,
      sha256: sha256(data.subarray(0, 400 * 1024)),
    });
    expect((await tus.patch(id, 400 * 1024, data.subarray(400 * 1024))).status).toBe(204);
    const done = (
      await graphql<{ upload: { status: string; sha256: string; received: null } }>(
        server.url,
        owner.token,
        'query($id: ID!) { upload(id: $id) { status sha256 received { sha256 } } }',
        { id },
      )
    ).data!.upload;
    expect(done).toEqual({ status: 'COMPLETED', sha256: sha256(data), received: null });
  });

  it('is zero bytes and the sha256 of nothing before the first byte', async () => {
    const { id } = await new TusClient(server.url, owner.token).create('empty-so-far.tif', 1000);
    expect((await read(id))!.received).toEqual({ offsetBytes: 0, sha256: sha256(Buffer.alloc(0)) });
  });

  it('always pairs a count with the hash of exactly that many bytes while PATCHes arrive', async () => {
    const data = tiffLike(6 * 1024 * 1024, 11);
    const samples: { offsetBytes: number; sha256: string }[] = [];
    const pending: Promise<void>[] = [];
    let uploadId: string | undefined;
    let chunks = 0;
    const sample = () =>
      read(uploadId!).then((upload) => {
        if (upload?.received) samples.push(upload.received);
      });
    await tusJsUpload(server.url, owner.token, data, 'concurrent.tif', {
      chunkSize: 256 * 1024,
      onAfterResponse: (_request, response) => {
        uploadId ??= response.getHeader('Location')?.split('/').pop();
      },
      // Every other chunk waits for a reading (so some readings are surely mid-upload); the
      // readings in between race the PATCHes.
      onBeforeRequest: async (request) => {
        if (request.getMethod() !== 'PATCH' || !uploadId) return;
        const reading = sample();
        pending.push(reading);
        if (chunks++ % 2 === 0) await reading;
      },
    });
    await Promise.all(pending);
    const midway = samples.filter((s) => s.offsetBytes > 0 && s.offsetBytes < data.length);
    expect(midway.length).toBeGreaterThan(5);
    for (const s of samples) expect(s.sha256).toBe(sha256(data.subarray(0, s.offsetBytes)));
  });

  it('is for the owner only: anyone else gets no upload at all', async () => {
    const data = tiffLike(256 * 1024, 13);
    const id = await partialUpload(data, 64 * 1024);
    expect(await read(id, other.token)).toBeNull();
    const listed = await graphql<{ uploads: unknown[] }>(
      server.url,
      other.token,
      '{ uploads(status: UPLOADING) { id received { sha256 } } }',
    );
    expect(listed.data!.uploads).toEqual([]);
  });
});

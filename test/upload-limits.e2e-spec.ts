import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { accessToken, createUser, graphql } from './support/clients.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TusClient, tusJsUpload, tiffLike } from './support/tus.js';

/** Edges of the upload limits: huge setting values, very long file names, and more than a page of uploads. */
describe('upload limits at their edges', () => {
  let server: TestApp;
  let adminToken: string;

  beforeAll(async () => {
    server = await startTestApp();
    adminToken = await accessToken(server.url);
  });
  afterAll(() => server.close());

  it('refuses a maxFileSizeBytes beyond what a number holds exactly with BAD_USER_INPUT, changing nothing', async () => {
    const set = (bytes: number) =>
      graphql<{ updateUploaderSettings: { maxFileSizeBytes: number } }>(
        server.url,
        adminToken,
        'mutation($bytes: Float!) { updateUploaderSettings(input: { maxFileSizeBytes: $bytes }) { maxFileSizeBytes } }',
        { bytes },
      );
    const refused = await set(1e19);
    expect(refused.errors?.[0]).toMatchObject({
      message: expect.stringContaining('maxFileSizeBytes must be at most 9007199254740991'),
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const settings = await graphql<{ uploaderSettings: { maxFileSizeBytes: number } }>(
      server.url,
      adminToken,
      '{ uploaderSettings { maxFileSizeBytes } }',
    );
    expect(settings.data?.uploaderSettings.maxFileSizeBytes).toBe(536870912000);
    expect((await set(Number.MAX_SAFE_INTEGER)).data?.updateUploaderSettings.maxFileSizeBytes).toBe(
      Number.MAX_SAFE_INTEGER,
    );
    expect((await set(536870912000)).errors).toBeUndefined();
  });

  it('keeps the extension of a file name over 1024 characters, so the file is accepted and completes', async () => {
    const user = await createUser(server.url, adminToken, 'long-names');
    const name = `${'a'.repeat(1100)}.ome.tiff`;
    const data = tiffLike(5000);
    const id = await tusJsUpload(server.url, user.token, data, name);
    const { data: result } = await graphql<{ upload: { fileName: string; storedName: string; status: string } }>(
      server.url,
      user.token,
      'query($id: ID!) { upload(id: $id) { fileName storedName status } }',
      { id },
    );
    expect(result?.upload.status).toBe('COMPLETED');
    expect(result?.upload.fileName).toHaveLength(1024);
    expect(result?.upload.fileName.endsWith('a.ome.tiff')).toBe(true);
    expect(result?.upload.storedName.endsWith('.ome.tiff')).toBe(true);
  });

  it('pages uploads past 500 with limit and offset, and still answers uploads(status:) as before', async () => {
    const user = await createUser(server.url, adminToken, 'many-uploads');
    const tus = new TusClient(server.url, user.token);
    const total = 503;
    const created: string[] = [];
    for (let start = 0; start < total; start += 20) {
      const batch = Array.from({ length: Math.min(20, total - start) }, (_, i) => tus.create(`f${start + i}.tif`, 10));
      for (const { response, id } of await Promise.all(batch)) {
        expect(response.status).toBe(201);
        created.push(id);
      }
    }
    type Page = { uploads: { id: string }[]; uploadCount: number };
    const page = async (args: string) => {
      const response = await graphql<Page>(
        server.url,
        user.token,
        `{ uploads${args} { id } uploadCount(status: UPLOADING) }`,
      );
      expect(response.errors).toBeUndefined();
      return response.data!;
    };

    const unpaged = await page('(status: UPLOADING)');
    expect(unpaged.uploads).toHaveLength(500);
    expect(unpaged.uploadCount).toBe(total);
    expect((await page('(status: UPLOADING, limit: null, offset: null)')).uploads).toEqual(unpaged.uploads);

    const seen: string[] = [];
    for (let offset = 0; ; offset += 200) {
      const { uploads } = await page(`(status: UPLOADING, limit: 200, offset: ${offset})`);
      seen.push(...uploads.map((upload) => upload.id));
      if (uploads.length < 200) break;
    }
    expect(seen).toHaveLength(total);
    expect(new Set(seen)).toEqual(new Set(created));
    expect(seen.slice(0, 500)).toEqual(unpaged.uploads.map((upload) => upload.id));

    for (const args of ['(limit: 501)', '(limit: 0)', '(offset: -1)']) {
      const refused = await graphql(server.url, user.token, `{ uploads${args} { id } }`);
      expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    }
  });
});

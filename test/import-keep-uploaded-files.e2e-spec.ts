import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { DataSource } from 'typeorm';
import { Environment } from '../src/environment/environment.js';
import { accessToken, createUser, graphql, starterDataset } from './support/clients.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { sha256, TusClient } from './support/tus.js';
import { waitFor } from './support/wait-for.js';

const SAMPLES = join(dirname(new URL(import.meta.url).pathname), 'fixtures', 'samples');

interface ImportedUpload {
  status: string;
  storedName: string;
  importJob: { status: string; omeroImageIds: string[] } | null;
}

/**
 * IMPORT_KEEP_UPLOADED_FILES decides whether the uploaded copy stays in its owner's folder once
 * the sandbox OMERO imported it, or moves into the repository.
 */
describe.each([
  ['true', true],
  ['false', false],
])('IMPORT_KEEP_UPLOADED_FILES=%s', (setting, kept) => {
  let server: TestApp;
  let user: { id: string; token: string };

  beforeAll(async () => {
    server = await startTestApp({ env: { IMPORT_KEEP_UPLOADED_FILES: setting } });
    user = await createUser(server.url, await accessToken(server.url), 'keeper');
  });
  afterAll(() => server.close());

  it(`${kept ? 'keeps' : 'removes'} the uploaded file after a successful import`, async () => {
    const data = await readFile(join(SAMPLES, 'cells-uint8.tiff'));
    const target = await starterDataset(server.url, user.token);
    const { response, id } = await new TusClient(server.url, user.token).create('kept.tiff', data.length, target, data);
    expect(response.status).toBe(201);

    const upload = await waitFor(
      async () =>
        (
          await graphql<{ upload: ImportedUpload }>(
            server.url,
            user.token,
            'query($id: ID!) { upload(id: $id) { status storedName importJob { status omeroImageIds } } }',
            { id },
          )
        ).data?.upload,
      (u) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(u?.importJob?.status ?? ''),
    );
    expect(upload).toMatchObject({ status: 'IMPORTED', importJob: { status: 'SUCCEEDED' } });

    const storedPath = join(server.app.get(Environment).dataDir, 'uploads', 'files', user.id, upload!.storedName);
    expect(existsSync(storedPath)).toBe(kept);
    if (kept) expect(sha256(await readFile(storedPath))).toBe(sha256(data));

    // Either way the repository holds the image's bytes, as a copy of the upload or the upload itself.
    const [image] = (await server.app
      .get(DataSource)
      .query('SELECT repository_path FROM sandbox_images WHERE id = $1', [upload!.importJob!.omeroImageIds[0]])) as {
      repository_path: string;
    }[];
    const inRepository = isAbsolute(image.repository_path)
      ? image.repository_path
      : join(server.app.get(Environment).dataDir, image.repository_path);
    expect(sha256(await readFile(inRepository))).toBe(sha256(data));
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import pg from 'pg';
import sharp from 'sharp';
import { accessToken, createUser, graphql } from './support/clients.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { tusJsUpload } from './support/tus.js';
import { waitFor } from './support/wait-for.js';

const SAMPLES = join(dirname(new URL(import.meta.url).pathname), 'fixtures', 'samples');

interface Image {
  id: string;
  thumbnailUrl: string;
  webUrl: string | null;
}

/**
 * Imported rows show a thumbnail of each new image: `ImportJob.images` gives signed links an
 * `<img src>` can use (no bearer header), and the sandbox draws the thumbnails itself.
 */
describe('thumbnails of imported images, in the sandbox', () => {
  let server: TestApp;
  let adminToken: string;
  let alice: { id: string; token: string };
  let bob: { id: string; token: string };
  let carol: { id: string; token: string };
  let sharedDataset: { targetType: string; targetId: string; groupId: string };
  let db: pg.Client;

  /** Uploads a sample into the shared dataset and answers its import's images, once imported. */
  async function importSample(file: string, size?: number): Promise<Image[]> {
    const data = await readFile(join(SAMPLES, file));
    const uploadId = await tusJsUpload(server.url, alice.token, data, file, {
      metadata: { filename: file, ...sharedDataset },
    });
    const job = await waitFor(
      async () =>
        (
          await graphql<{ upload: { importJob: { status: string; images: Image[] } | null } }>(
            server.url,
            alice.token,
            `
              query ($id: ID!, $size: Int) {
                upload(id: $id) {
                  importJob {
                    status
                    images {
                      id
                      webUrl
                      thumbnailUrl(size: $size)
                    }
                  }
                }
              }
            `,
            { id: uploadId, size },
          )
        ).data?.upload.importJob,
      (found) => found?.status === 'SUCCEEDED' || found?.status === 'FAILED',
      60_000,
      200,
    );
    expect(job!.status).toBe('SUCCEEDED');
    return job!.images;
  }

  /** What a browser's <img> does: a plain GET, no credentials but the link. */
  const fetchImage = (path: string, headers: Record<string, string> = {}) => fetch(`${server.url}${path}`, { headers });

  /** The links a user is given for every image of the jobs they see (administrators: all jobs). */
  async function linksOf(token: string): Promise<Image[]> {
    const jobs = await graphql<{ importJobs: { images: Image[] }[] }>(
      server.url,
      token,
      '{ importJobs(limit: 20) { images(limit: 5) { id thumbnailUrl } } }',
    );
    return jobs.data!.importJobs.flatMap((job) => job.images);
  }

  beforeAll(async () => {
    server = await startTestApp();
    adminToken = await accessToken(server.url);
    alice = await createUser(server.url, adminToken, 'alice');
    bob = await createUser(server.url, adminToken, 'bob');
    carol = await createUser(server.url, adminToken, 'carol');
    const group = await graphql<{ createSandboxGroup: { id: string } }>(
      server.url,
      adminToken,
      'mutation { createSandboxGroup(input: { name: "Microscopy", members: ["alice", "carol"] }) { id } }',
    );
    const groupId = group.data!.createSandboxGroup.id;
    const dataset = await graphql<{ createSandboxContainer: { id: string } }>(
      server.url,
      adminToken,
      'mutation($g: ID!) { createSandboxContainer(input: { groupId: $g, type: DATASET, name: "Cells", owner: "alice" }) { id } }',
      { g: groupId },
    );
    sharedDataset = { targetType: 'DATASET', targetId: dataset.data!.createSandboxContainer.id, groupId };
    db = new pg.Client({ connectionString: server.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await server.close();
  });

  it('draws a 16-bit TIFF stretched to its own range, reachable by the signed link alone', async () => {
    const [image, ...more] = await importSample('cells-uint16.tiff');
    expect(more).toEqual([]);
    expect(image.webUrl).toBeNull();
    expect(image.thumbnailUrl).toMatch(
      new RegExp(`^/api/images/${image.id}/thumbnail\\?size=96&user=${alice.id}&expires=\\d+&signature=`),
    );
    const response = await fetchImage(image.thumbnailUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    expect(response.headers.get('x-thumbnail')).toBe('rendered');
    expect(response.headers.get('cache-control')).toBe('private, max-age=300');
    const jpeg = Buffer.from(await response.arrayBuffer());
    const { width, height, format } = await sharp(jpeg).metadata();
    expect({ format, longer: Math.max(width!, height!) }).toEqual({ format: 'jpeg', longer: 96 });
    // The file's values span 54612 to 65535 of 65535: shown as stored, it would be a pale grey
    // wash (about 211 to 255 of 255). Stretched, it uses the whole range.
    const { channels } = await sharp(jpeg).stats();
    expect(Math.max(...channels.map((c) => c.max)) - Math.min(...channels.map((c) => c.min))).toBeGreaterThan(200);
  });

  it('answers the size asked for, within bounds, and refuses others with the bounds', async () => {
    const [image] = await importSample('labels.png', 200);
    const big = await fetchImage(image.thumbnailUrl);
    expect(big.status).toBe(200);
    const { width } = await sharp(Buffer.from(await big.arrayBuffer())).metadata();
    expect(width).toBe(200);
    const tooBig = await fetchImage(image.thumbnailUrl.replace('size=200', 'size=5000'));
    expect(tooBig.status).toBe(400);
    expect(await tooBig.json()).toMatchObject({
      code: 'BAD_USER_INPUT',
      message: expect.stringContaining('16 to 512'),
    });
    const asked = await graphql(server.url, alice.token, 'query { importJobs { images { thumbnailUrl(size: 4) } } }');
    expect(asked.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('shows a placeholder for a format the sandbox cannot draw', async () => {
    const [image] = await importSample('ct_image.dcm');
    const response = await fetchImage(image.thumbnailUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-thumbnail')).toBe('placeholder');
    expect((await sharp(Buffer.from(await response.arrayBuffer())).metadata()).format).toBe('jpeg');
  });

  it('shows an image to members of its group and to administrators only', async () => {
    const [image] = await importSample('cells-uint8.tiff');
    // Carol is in the group: her own link (through the bearer token, as a script would) works.
    const asCarol = await fetchImage(`/api/images/${image.id}/thumbnail`, { authorization: `Bearer ${carol.token}` });
    expect(asCarol.status).toBe(200);
    const asAdmin = await fetchImage(`/api/images/${image.id}/thumbnail?size=64`, {
      authorization: `Bearer ${adminToken}`,
    });
    expect(asAdmin.status).toBe(200);
    // Bob is not: the image does not exist for him.
    const asBob = await fetchImage(`/api/images/${image.id}/thumbnail`, { authorization: `Bearer ${bob.token}` });
    expect(asBob.status).toBe(404);
    expect(await asBob.json()).toMatchObject({ code: 'NOT_FOUND' });
    const missing = await fetchImage('/api/images/999999/thumbnail', { authorization: `Bearer ${alice.token}` });
    expect(missing.status).toBe(404);
    // An administrator reading Alice's job gets a link signed for the administrator.
    const adminLink = (await linksOf(adminToken)).find((found) => found.id === image.id)!.thumbnailUrl;
    expect(adminLink).not.toContain(alice.id);
    expect((await fetchImage(adminLink)).status).toBe(200);
  });

  it('refuses a link that was altered, moved to another image or user, or whose user is disabled', async () => {
    const [image] = await importSample('labels.png');
    const link = new URL(image.thumbnailUrl, server.url);
    const altered = (change: (url: URL) => void) => {
      const copy = new URL(link);
      change(copy);
      return fetchImage(copy.pathname + copy.search);
    };
    expect((await altered(() => undefined)).status).toBe(200);
    const forgedUser = await altered((url) => url.searchParams.set('user', bob.id));
    expect(forgedUser.status).toBe(401);
    expect(await forgedUser.json()).toMatchObject({
      code: 'UNAUTHENTICATED',
      message: expect.stringContaining('not valid or has expired'),
    });
    expect(
      (await altered((url) => url.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 3600))))
        .status,
    ).toBe(401);
    expect(
      (await altered((url) => (url.pathname = url.pathname.replace(image.id, String(Number(image.id) - 1))))).status,
    ).toBe(401);
    expect((await altered((url) => url.searchParams.set('expires', '1000'))).status).toBe(401);
    expect((await fetchImage(`/api/images/${image.id}/thumbnail`)).status).toBe(401);
    await db.query('UPDATE users SET disabled = true WHERE id = $1', [alice.id]);
    try {
      expect((await altered(() => undefined)).status).toBe(401);
    } finally {
      await db.query('UPDATE users SET disabled = false WHERE id = $1', [alice.id]);
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { graphql, login } from './support/clients.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TusClient } from './support/tus.js';
import { waitFor } from './support/wait-for.js';
import { fakeCli } from './omero-double/fake-omero-cli-link.js';
import { FakeOmeroWeb } from './omero-double/fake-omero-web.js';

const SAMPLE = join(dirname(new URL(import.meta.url).pathname), 'fixtures', 'samples', 'cells-uint8.tiff');
const ALICE = { username: 'alice', password: 'alice-omero-password' };
const BOB = { username: 'bob', password: 'bob-omero-password' };
const DAVE = { username: 'dave', password: 'dave-omero-password' };

interface Image {
  id: string;
  thumbnailUrl: string;
  webUrl: string | null;
}

/**
 * With a real OMERO, thumbnails come from OMERO.web's webgateway, fetched by the app with the
 * user's own OMERO.web session (which the browser never sees): OMERO decides who sees what.
 * Against the contract double of OMERO (test/omero-double/, docs/omero.md).
 */
describe('thumbnails of imported images, with OMERO configured', () => {
  let fake: FakeOmeroWeb;
  let server: TestApp;
  let lab: number;
  let day1: number;

  async function tokenOf(who: { username: string; password: string }): Promise<string> {
    const response = await login(server.url, who.username, who.password);
    expect(response.status).toBe(200);
    return ((await response.json()) as { accessToken: string }).accessToken;
  }

  /** Alice uploads the sample into Day 1; auto-import runs `omero import`; answers the job's images. */
  async function importAsAlice(token: string): Promise<Image[]> {
    const data = await readFile(SAMPLE);
    const { id: uploadId } = await new TusClient(server.url, token).create(
      'cells.tif',
      data.length,
      { targetType: 'DATASET', targetId: String(day1), groupId: String(lab) },
      data,
    );
    const job = await waitFor(
      async () =>
        (
          await graphql<{ upload: { importJob: { status: string; images: Image[] } | null } }>(
            server.url,
            token,
            'query($id: ID!) { upload(id: $id) { importJob { status images { id webUrl thumbnailUrl } } } }',
            { id: uploadId },
          )
        ).data?.upload.importJob,
      (found) => Boolean(found && ['SUCCEEDED', 'FAILED'].includes(found.status)),
      30_000,
      200,
    );
    expect(job!.status).toBe('SUCCEEDED');
    return job!.images;
  }

  beforeAll(async () => {
    fake = await FakeOmeroWeb.start();
    lab = fake.addGroup('lab');
    const imaging = fake.addGroup('imaging');
    fake.addUser({ name: ALICE.username, password: ALICE.password, groups: [lab] });
    fake.addUser({ name: DAVE.username, password: DAVE.password, groups: [lab] });
    fake.addUser({ name: BOB.username, password: BOB.password, groups: [imaging] });
    day1 = fake.addDataset(lab, 'Day 1');
    const cli = await fakeCli();
    server = await startTestApp({ env: { ...fake.appEnv(cli.cliPath), IMPORT_MAX_ATTEMPTS: '1' } });
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  it("proxies OMERO.web's thumbnail with the user's session, and links the image in OMERO.web", async () => {
    const aliceToken = await tokenOf(ALICE);
    const [image] = await importAsAlice(aliceToken);
    expect(image.webUrl).toBe(`${fake.url}/webclient/?show=image-${image.id}`);
    const before = fake.requests.length;
    const response = await fetch(`${server.url}${image.thumbnailUrl}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    // Nothing of the OMERO.web session reaches the browser.
    expect(response.headers.get('set-cookie')).toBeNull();
    const jpeg = Buffer.from(await response.arrayBuffer());
    expect(await sharp(jpeg).metadata()).toMatchObject({ format: 'jpeg', width: 96, height: 96 });
    const asked = fake.requests.slice(before).map((request) => request.path);
    expect(asked).toEqual([`/webgateway/render_thumbnail/${image.id}/96/`]);
    for (const key of fake.sessionKeysOf('alice')) expect(jpeg.includes(Buffer.from(key))).toBe(false);

    const larger = await fetch(`${server.url}${image.thumbnailUrl.replace('size=96', 'size=160')}`);
    expect(await sharp(Buffer.from(await larger.arrayBuffer())).metadata()).toMatchObject({ width: 160 });
  });

  it('answers 404 where OMERO does: for a user who may not see the image, or no such image', async () => {
    const [image] = await importAsAlice(await tokenOf(ALICE));
    const asBob = await fetch(`${server.url}/api/images/${image.id}/thumbnail`, {
      headers: { authorization: `Bearer ${await tokenOf(BOB)}` },
    });
    expect(asBob.status).toBe(404);
    expect(await asBob.json()).toMatchObject({ code: 'NOT_FOUND' });
    const daveToken = await tokenOf(DAVE);
    const asDave = await fetch(`${server.url}/api/images/${image.id}/thumbnail`, {
      headers: { authorization: `Bearer ${daveToken}` },
    });
    expect(asDave.status).toBe(200);
    const none = await fetch(`${server.url}/api/images/987654/thumbnail`, {
      headers: { authorization: `Bearer ${daveToken}` },
    });
    expect(none.status).toBe(404);
  });

  it('asks the user to sign in again once OMERO has ended their session', async () => {
    const aliceToken = await tokenOf(ALICE);
    const [image] = await importAsAlice(aliceToken);
    fake.expireSessions('alice');
    const response = await fetch(`${server.url}${image.thumbnailUrl}`);
    expect(response.status).toBe(401);
    const body = (await response.json()) as { code: string; message: string };
    expect(body).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringContaining('Sign in again') });
    expect(body.message).not.toContain(fake.url);
  });

  it('the double sends a thumbnail request without a session to the login page, as OMERO.web does', async () => {
    const anonymous = await fetch(`${fake.url}/webgateway/render_thumbnail/101/`, { redirect: 'manual' });
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toMatch(/^\/webclient\/login\//);
  });
});

import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accessToken, createUser, graphql, starterDataset } from '../support/clients.js';
import { sha256, tiffLike, TusClient } from '../support/tus.js';
import { waitFor } from '../support/wait-for.js';
import {
  browserSuite,
  focusedName,
  screenshotAtBothWidths,
  noiseTiff,
  signedInAtStarterDataset,
  uploadThrottle,
  uppyFileInput,
  waitForPhase,
} from '../support/browser.js';

/**
 * The "Unfinished uploads" panel in a real Chromium against the real app: an upload stopped in
 * one browser profile is resumed from a second, fresh one by choosing the file again (checked
 * to be the same file first), and unfinished uploads are cancelled from there.
 */

const suite = browserSuite();
let dana: { token: string; password: string };

beforeAll(async () => {
  dana = await createUser(suite.server.url, await accessToken(suite.server.url), 'dana');
});

interface Unfinished {
  id: string;
  fileName: string;
  offsetBytes: number;
  received: { offsetBytes: number } | null;
}

async function danasUploads(status?: string) {
  const result = await graphql<{ uploads: (Unfinished & { status: string; sha256: string | null })[] }>(
    suite.server.url,
    dana.token,
    'query($status: UploadStatus) { uploads(status: $status) { id fileName status offsetBytes sha256 received { offsetBytes } } }',
    { status },
  );
  return result.data!.uploads;
}

describe('unfinished uploads', () => {
  it('resumes, from a fresh browser profile, an upload stopped in another, after refusing a different file of the same name and size', async () => {
    const file = await noiseTiff('big-scan.tif', 3000); // 27 MB
    // Another file of the same name and size, whose first bytes differ from those the server has.
    const impostorData = Buffer.from(file.data);
    for (let at = 4096; at < 8192; at++) impostorData[at] ^= 0x5a;
    const impostor = join(await mkdtemp(join(tmpdir(), 'web-test-')), 'big-scan.tif');
    await writeFile(impostor, impostorData);

    // Profile 1 starts the upload on a slow line and dies mid-way.
    const first = await signedInAtStarterDataset(suite, 'dana', dana.password);
    await (
      await uploadThrottle(first)
    )(2 * 1024 * 1024);
    await uppyFileInput(first.page).setInputFiles(file.path);
    await first.page.locator('.uppy-StatusBar-actionBtn--upload').click();
    await waitFor(
      () => danasUploads('UPLOADING'),
      (uploads) => uploads.some((upload) => upload.offsetBytes >= 4 * 1024 * 1024),
      60_000,
    );
    await first.context.close();
    // The server holds part of the file, the same amount by tus and by GraphQL, once the
    // dropped request has ended.
    const tus = new TusClient(suite.server.url, dana.token);
    const [{ id }] = await danasUploads('UPLOADING');
    const stoppedAt = await waitFor(
      async () => {
        const [upload] = await danasUploads('UPLOADING');
        const head = await tus.head(id);
        return { graphql: upload.received?.offsetBytes, tus: Number(head.headers['upload-offset']) };
      },
      (offsets) => offsets.graphql === offsets.tus,
    );
    expect(stoppedAt.tus).toBeGreaterThan(0);
    expect(stoppedAt.tus).toBeLessThan(file.data.length);

    // Profile 2, fresh: the panel lists the upload.
    const second = await signedInAtStarterDataset(suite, 'dana', dana.password);
    const { page } = second;
    const patches: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'PATCH') patches.push(request.headers()['upload-offset']);
    });
    const row = page.locator('.unfinished-row[data-upload="big-scan.tif"]');
    await row.waitFor();
    expect(await row.textContent()).toMatch(/of 25\.\d MiB received/);
    await screenshotAtBothWidths(second, 'unfinished-rows');

    // A different file of the same name and size is refused, naming what differs; nothing is sent.
    const choose = page.getByLabel('Resume: choose big-scan.tif again');
    // As a person does: the file button has the focus when the file is chosen.
    await choose.focus();
    await choose.setInputFiles(impostor);
    const refusal = row.locator('[data-state="refused"]');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/content of this “big-scan\.tif” differs/);
    expect(await refusal.getAttribute('role')).toBe('alert');
    // The file button was replaced while the file was checked: the focus is on what the row says.
    expect(await focusedName(page)).toMatch(/differs from the/);
    expect(patches).toEqual([]);
    await screenshotAtBothWidths(second, 'unfinished-refused');

    // The right file continues the same upload from the server's offset, slowly enough to see.
    const throttle = await uploadThrottle(second);
    await throttle(2 * 1024 * 1024);
    await choose.setInputFiles(file.path);
    await row.locator('[data-state="resuming"]').waitFor({ timeout: 30_000 });
    await screenshotAtBothWidths(second, 'unfinished-resuming');
    await throttle(-1);
    await waitForPhase(page, 'big-scan.tif', 'imported', 120_000);
    await page.locator('.row[data-file="big-scan.tif"] [data-integrity="verified"]').waitFor();
    expect(patches[0]).toBe(String(stoppedAt.tus));

    const uploads = await danasUploads();
    expect(uploads.filter((upload) => upload.fileName === 'big-scan.tif')).toEqual([
      expect.objectContaining({ id, status: 'IMPORTED', sha256: sha256(file.data) }),
    ]);
    // Nothing is left unfinished: the panel says so.
    await page.locator('.unfinished .empty', { hasText: /^None\./ }).waitFor();
    await screenshotAtBothWidths(second, 'unfinished-empty');
    second.expectNoErrors();
  }, 240_000);

  it('cancels an unfinished upload from the panel once the user confirms', async () => {
    // An upload started elsewhere (a script), a third of it sent.
    const tus = new TusClient(suite.server.url, dana.token);
    const data = tiffLike(300_000);
    const target = await starterDataset(suite.server.url, dana.token);
    const { id } = await tus.create('from-a-script.tif', data.length, target);
    expect((await tus.patch(id, 0, data.subarray(0, 100_000))).status).toBe(204);

    const open = await signedInAtStarterDataset(suite, 'dana', dana.password);
    const { page } = open;
    const row = page.locator('.unfinished-row[data-upload="from-a-script.tif"]');
    await row.waitFor();
    const cancel = page.getByRole('button', { name: 'Cancel the upload of from-a-script.tif' });

    // Declined: nothing happens.
    page.once('dialog', (dialog) => void dialog.dismiss());
    await cancel.click();
    expect((await danasUploads('UPLOADING')).map((upload) => upload.id)).toContain(id);
    expect(await row.count()).toBe(1);

    page.once('dialog', (dialog) => {
      expect(dialog.message()).toMatch(/Cancel the upload of from-a-script\.tif\?/);
      void dialog.accept();
    });
    await cancel.click();
    await row.waitFor({ state: 'detached' });
    expect((await danasUploads('CANCELLED')).map((upload) => upload.id)).toContain(id);
    open.expectNoErrors();
  });
});

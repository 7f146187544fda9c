import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { accessToken, graphql } from '../support/clients.js';
import { browserSuite, signInThroughPage, uppyFileInput, waitForPhase } from '../support/browser.js';
import { ADMIN } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

/** A reload in the middle of an upload: Golden Retriever brings the file back and tus resumes it. */

const suite = browserSuite();

interface ServerUpload {
  id: string;
  offsetBytes: number;
  status: string;
  sha256: string | null;
}

async function serverUploads(token: string): Promise<ServerUpload[]> {
  const result = await graphql<{ uploads: ServerUpload[] }>(
    suite.server.url,
    token,
    '{ uploads { id offsetBytes status sha256 } }',
  );
  return result.data!.uploads;
}

describe('a reload mid-upload', () => {
  it('restores the file and resumes the same upload from the server’s offset, ending with the same sha256', async () => {
    // A real, uncompressed TIFF of about 24 MiB, so that the sandbox imports it in the end.
    const data = await sharp({
      create: { width: 2900, height: 2900, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 40 } },
    })
      .tiff({ compression: 'none' })
      .toBuffer();
    const size = data.length;
    const file = join(await mkdtemp(join(tmpdir(), 'web-resume-')), 'big-scan.tif');
    await writeFile(file, data);
    const token = await accessToken(suite.server.url);

    const open = await suite.open();
    const { page } = open;
    await page.goto('/');
    await signInThroughPage(page, ADMIN.username, ADMIN.password);
    await page.getByRole('radio', { name: /My dataset/ }).check();
    // A slow link (2 MiB/s up), so that the reload lands while bytes are still flowing.
    const cdp = await open.context.newCDPSession(page);
    await cdp.send('Network.enable');
    const throttle = (uploadThroughput: number) =>
      cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput,
      });
    await throttle(2 * 1024 * 1024);

    await uppyFileInput(page).setInputFiles(file);
    await page.locator('.uppy-StatusBar-actionBtn--upload').click();
    const [partial] = await waitFor(
      () => serverUploads(token),
      (uploads) => uploads.length === 1 && uploads[0].offsetBytes > 0,
      45_000,
    );
    expect(partial.offsetBytes).toBeLessThan(size);
    await open.screenshot('resume-before-reload');

    await page.reload();
    await throttle(-1);
    await waitForPhase(page, 'big-scan.tif', 'imported', 90_000);
    await open.screenshot('resume-after-reload');

    const uploads = await serverUploads(token);
    expect(uploads).toEqual([
      expect.objectContaining({
        id: partial.id,
        offsetBytes: size,
        sha256: createHash('sha256').update(data).digest('hex'),
      }),
    ]);
    // The aborted request of the reload may be reported by the browser as a failed load.
    open.expectNoErrors(/net::ERR_ABORTED/);
  }, 180_000);
});

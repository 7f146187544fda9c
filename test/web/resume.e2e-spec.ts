import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { accessToken, graphql } from '../support/clients.js';
import {
  browserSuite,
  noiseTiff,
  signedInAtStarterDataset,
  uploadThrottle,
  uppyFileInput,
  waitForPhase,
} from '../support/browser.js';
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
    // A real TIFF of about 24 MiB, so that the sandbox imports it in the end.
    const { path: file, data } = await noiseTiff('big-scan.tif', 2900);
    const size = data.length;
    const token = await accessToken(suite.server.url);

    const open = await signedInAtStarterDataset(suite, ADMIN.username, ADMIN.password);
    const { page } = open;
    // A slow link (2 MiB/s up), so that the reload lands while bytes are still flowing.
    const throttle = await uploadThrottle(open);
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

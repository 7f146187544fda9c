import { describe, expect, it } from '@jest/globals';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { accessToken, graphql } from '../support/clients.js';
import {
  browserSuite,
  launchPersistent,
  noiseTiff,
  signInThroughPage,
  signedInAtStarterDataset,
  uploadThrottle,
  uppyFileInput,
  waitForPhase,
} from '../support/browser.js';
import { ADMIN } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

/**
 * A reload, or a browser restart, in the middle of an upload: Golden Retriever brings the file
 * back and tus resumes the same upload from the server's offset.
 */

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

describe('a browser restart mid-upload', () => {
  it('brings the file back after signing in again, and resumes the same upload', async () => {
    const { path: file, data } = await noiseTiff('restart-scan.tif', 2900);
    const token = await accessToken(suite.server.url);
    const profile = await mkdtemp(join(tmpdir(), 'web-profile-'));
    const before = (await serverUploads(token)).map((upload) => upload.id);
    const isNew = (upload: ServerUpload) => !before.includes(upload.id);

    const first = await launchPersistent(profile, suite.server.url);
    let partial: ServerUpload;
    try {
      await first.page.goto('/');
      await signInThroughPage(first.page, ADMIN.username, ADMIN.password);
      await first.page.getByRole('radio', { name: /My dataset/ }).check();
      const throttle = await uploadThrottle(first);
      await throttle(2 * 1024 * 1024);
      await uppyFileInput(first.page).setInputFiles(file);
      await first.page.locator('.uppy-StatusBar-actionBtn--upload').click();
      [partial] = await waitFor(
        async () => (await serverUploads(token)).filter(isNew),
        (uploads) => uploads.length === 1 && uploads[0].offsetBytes > 0,
        45_000,
      );
      first.expectNoErrors();
    } finally {
      await first.context.close();
    }

    // The session ended with the browser (sessionStorage); the files did not.
    const second = await launchPersistent(profile, suite.server.url);
    try {
      await second.page.goto('/');
      await signInThroughPage(second.page, ADMIN.username, ADMIN.password);
      await waitForPhase(second.page, 'restart-scan.tif', 'imported', 90_000);
      await second.screenshot('restart-resumed');
      expect((await serverUploads(token)).filter(isNew)).toEqual([
        expect.objectContaining({ id: partial.id, offsetBytes: data.length }),
      ]);
      second.expectNoErrors();
    } finally {
      await second.context.close();
    }
  }, 180_000);
});

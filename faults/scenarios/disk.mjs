// A full disk: the uploads folder of the running app is a small tmpfs, filled from outside with
// a file of our own, then freed. Needs root (mount).
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Upload } from 'tus-js-client';
import { prepareApp } from '../../bench/app-under-test.mjs';
import { mountSmallDisk } from '../../test/support/small-disk.mjs';
import { expect, waitFor } from '../harness.mjs';

const MIB = 1024 * 1024;
const RESERVE_MIB = 8;
const TUS = { 'Tus-Resumable': '1.0.0' };

/**
 * Starts the app with DATA_DIR/uploads on a 64 MiB tmpfs (at most `inodes` files) and a reserve
 * of 8 MiB, runs `attack`, and always stops the app and unmounts.
 */
async function onSmallDisk(harness, attack, { inodes = 100_000 } = {}) {
  const prepared = await prepareApp('omero-uploader-faults-disk-');
  const volume = join(prepared.dataDir, 'uploads');
  const disk = mountSmallDisk(volume, { sizeMib: 64, inodes });
  disk.incoming = () => readdirSync(join(volume, 'incoming'));
  let app;
  try {
    app = await harness.startApp({ prepared, env: { UPLOAD_DISK_RESERVE_MB: String(RESERVE_MIB) } });
    const token = await app.token();
    return await attack({ app, token, disk });
  } finally {
    await app?.stop();
    disk.unmount();
  }
}

async function tusRequest(app, token, method, path, headers = {}) {
  const response = await fetch(`${app.url}/api/uploads${path}`, {
    method,
    headers: { ...TUS, authorization: `Bearer ${token}`, ...headers },
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

const create = (app, token, name, length) =>
  tusRequest(app, token, 'POST', '', {
    'Upload-Length': String(length),
    'Upload-Metadata': `filename ${Buffer.from(name).toString('base64')}`,
  });

/** Bytes that start like a TIFF, so the content check passes. */
function tiffLike(size) {
  const data = Buffer.alloc(size);
  for (let i = 4; i < size; i += 4) data.writeUInt32LE((i * 2654435761) >>> 0, i);
  data.set([0x49, 0x49, 0x2a, 0x00]);
  return data;
}

function tusJs(data, uploadUrl, token) {
  return new Promise((resolve) => {
    new Upload(data, {
      uploadUrl,
      headers: { authorization: `Bearer ${token}` },
      chunkSize: 4 * MIB,
      retryDelays: [],
      onError: (error) => resolve({ error }),
      onSuccess: () => resolve({ ok: true }),
    }).start();
  });
}

const uploadCount = async (app, token) => (await app.gql('{ uploadCount }', { token })).body.data?.uploadCount;

export const scenarios = [
  {
    name: 'the disk fills during a PATCH: 507, bytes kept, ENOSPC logged, resumed after freeing space with the right sha256',
    needsRoot: true,
    async run(harness) {
      return onSmallDisk(harness, async ({ app, token, disk }) => {
        const data = tiffLike(24 * MIB);
        const created = await create(app, token, 'full-disk.tif', data.length);
        expect(created.status === 201, `creation answered ${created.status}: ${created.body}`);
        const id = created.headers.get('location').split('/').pop();
        await disk.fillLeaving(6 * MIB);

        const { error } = await tusJs(data, `${app.url}/api/uploads/${id}`, token);
        const status = error?.originalResponse?.getStatus();
        const message = error?.originalResponse?.getBody() ?? '';
        expect(status === 507, `the PATCH answered ${status}: ${message || error}`);
        expect(/storage is full/.test(message) && /received so far is kept/.test(message), `message: ${message}`);
        expect(!message.includes(app.dataDir) && !/incoming/.test(message), `the message names a path: ${message}`);
        await waitFor(() => app.logs().some((line) => line.code === 'ENOSPC' && line.uploadId === id), {
          message: 'a log line naming ENOSPC',
        });
        const kept = Number((await tusRequest(app, token, 'HEAD', `/${id}`)).headers.get('upload-offset'));
        expect(kept > 0 && kept < data.length, `HEAD says ${kept} of ${data.length} bytes are kept`);

        disk.empty();
        const resumed = await tusJs(data, `${app.url}/api/uploads/${id}`, token);
        expect(resumed.ok, `the resumed upload failed: ${resumed.error}`);
        const { body } = await app.gql('query($id: ID!) { upload(id: $id) { status sha256 } }', {
          token,
          variables: { id },
        });
        const expected = createHash('sha256').update(data).digest('hex');
        expect(body.data?.upload?.status === 'COMPLETED', `after resuming: ${JSON.stringify(body)}`);
        expect(body.data.upload.sha256 === expected, `sha256 ${body.data.upload.sha256}, expected ${expected}`);
        return `507 at ${(kept / MIB).toFixed(1)} of 24 MiB, resumed from there; sha256 matches`;
      });
    },
  },
  {
    name: 'a creation that would leave less than the reserve free is refused with 507, recording nothing',
    needsRoot: true,
    async run(harness) {
      return onSmallDisk(harness, async ({ app, token, disk }) => {
        const size = disk.free() - RESERVE_MIB * MIB + MIB;
        const refused = await create(app, token, 'too-big.tif', size);
        expect(refused.status === 507, `creation of ${size} bytes answered ${refused.status}: ${refused.body}`);
        expect((await uploadCount(app, token)) === 0, 'the refused creation left an upload');
        expect(disk.incoming().length === 0, `files left in incoming/: ${disk.incoming().join(', ')}`);
        const fits = await create(app, token, 'fits.tif', size - 2 * MIB);
        expect(fits.status === 201, `a creation that fits answered ${fits.status}`);
        return `${(size / MIB).toFixed(1)} MiB refused: "${refused.body.trim()}"`;
      });
    },
  },
  {
    name: 'health reports low storage (200, degraded) and recovers when space is freed',
    needsRoot: true,
    async run(harness) {
      return onSmallDisk(harness, async ({ app, disk }) => {
        const health = async () => {
          const response = await fetch(`${app.url}/api/health`);
          return { status: response.status, body: await response.json() };
        };
        await disk.fillLeaving(RESERVE_MIB * MIB - 2 * MIB);
        const low = await health();
        expect(low.status === 200, `health answered ${low.status}`);
        expect(low.body.status === 'degraded' && low.body.storage?.status === 'low', JSON.stringify(low.body));
        disk.empty();
        const ok = await health();
        expect(ok.body.status === 'ok' && ok.body.storage?.status === 'ok', JSON.stringify(ok.body));
        return `low: ${JSON.stringify(low.body.storage)}`;
      });
    },
  },
  {
    name: 'a creation that fails on a full disk leaves no row and no files',
    needsRoot: true,
    async run(harness) {
      return onSmallDisk(
        harness,
        async ({ app, token, disk }) => {
          const made = disk.exhaustInodes();
          const failed = await create(app, token, 'no-room.tif', 1000);
          expect(failed.status === 507, `creation answered ${failed.status}: ${failed.body}`);
          expect((await uploadCount(app, token)) === 0, 'the failed creation left an upload');
          expect(disk.incoming().length === 0, `files left in incoming/: ${disk.incoming().join(', ')}`);
          disk.empty();
          const again = await create(app, token, 'room-again.tif', 1000);
          expect(again.status === 201, `after freeing space, creation answered ${again.status}`);
          return `no file could be made (${made} filler files): 507 "${failed.body.trim()}"`;
        },
        { inodes: 200 },
      );
    },
  },
];

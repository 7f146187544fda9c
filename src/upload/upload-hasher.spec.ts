import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UploadHasher } from './upload-hasher.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('UploadHasher', () => {
  let folder: string;
  let hasher: UploadHasher;
  const bytes = randomBytes(3 * 1024 * 1024 + 17);

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'hasher-'));
    hasher = new UploadHasher();
  });
  afterEach(async () => {
    await hasher.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('hashes batches as they are reported, in order', async () => {
    const path = join(folder, 'a');
    await writeFile(path, '');
    for (let from = 0; from < bytes.length; from += 700_000) {
      const to = Math.min(bytes.length, from + 700_000);
      await appendFile(path, bytes.subarray(from, to));
      hasher.written('a', path, from, to);
    }
    expect(await hasher.digest('a', path, bytes.length)).toBe(sha256(bytes));
  });

  it('rebuilds from the file when it did not see every batch (a restart, another instance)', async () => {
    const path = join(folder, 'b');
    await writeFile(path, bytes);
    // Only the last megabyte was reported here; the rest was written elsewhere.
    hasher.written('b', path, bytes.length - 1024 * 1024, bytes.length);
    expect(await hasher.digest('b', path, bytes.length)).toBe(sha256(bytes));
  });

  it('forgets an upload: a later digest reads the file again', async () => {
    const path = join(folder, 'c');
    await writeFile(path, bytes.subarray(0, 1000));
    hasher.written('c', path, 0, 1000);
    hasher.forget('c');
    await writeFile(path, bytes.subarray(1000, 2000));
    expect(await hasher.digest('c', path, 1000)).toBe(sha256(bytes.subarray(1000, 2000)));
  });

  it('answers an error for a file that is gone or shorter than the size asked', async () => {
    await expect(hasher.digest('d', join(folder, 'missing'), 10)).rejects.toThrow(/sha256 failed: ENOENT/);
    const path = join(folder, 'short');
    await writeFile(path, bytes.subarray(0, 10));
    await expect(hasher.digest('e', path, 20)).rejects.toThrow(/ends at 10, before 20/);
  });

  it('reads the bytes on disk without ending the hash, even those not reported yet', async () => {
    const path = join(folder, 'f');
    await writeFile(path, bytes.subarray(0, 1_000_000));
    hasher.written('f', path, 0, 600_000);
    // 400,000 bytes are on disk but not reported: the reading covers them.
    expect(await hasher.received('f', path)).toEqual({
      offset: 1_000_000,
      sha256: sha256(bytes.subarray(0, 1_000_000)),
    });
    // The late report of bytes the reading already hashed is no reason to start again.
    await appendFile(path, bytes.subarray(1_000_000));
    hasher.written('f', path, 600_000, 1_000_000);
    hasher.written('f', path, 1_000_000, bytes.length);
    expect(await hasher.digest('f', path, bytes.length)).toBe(sha256(bytes));
  });
});

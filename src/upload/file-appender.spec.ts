import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FileAppender } from './file-appender.js';

describe('FileAppender', () => {
  let folder: string;
  beforeEach(async () => (folder = await mkdtemp(join(tmpdir(), 'appender-'))));
  afterEach(() => rm(folder, { recursive: true, force: true }));

  it('writes from its position, keeps the bytes before it, and reports every range written', async () => {
    const path = join(folder, 'f');
    await writeFile(path, 'head:');
    const chunks = Array.from({ length: 40 }, () => randomBytes(64 * 1024));
    const ranges: [number, number][] = [];
    const appender = new FileAppender(path, 5, { written: (from, to) => ranges.push([from, to]) });
    await pipeline(Readable.from(chunks), appender);

    const expected = Buffer.concat([Buffer.from('head:'), ...chunks]);
    expect((await readFile(path)).equals(expected)).toBe(true);
    expect(appender.position).toBe(expected.length);
    // Contiguous ranges covering exactly the bytes appended, batched (fewer writes than chunks).
    expect(ranges[0][0]).toBe(5);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i][0]).toBe(ranges[i - 1][1]);
    expect(ranges.at(-1)![1]).toBe(expected.length);
    expect(ranges.length).toBeLessThan(chunks.length);
  });

  it('collects small chunks into larger writes, and the last ones at the end of the stream', async () => {
    const path = join(folder, 's');
    await writeFile(path, '');
    // Chromium's uploads arrive in socket chunks of 16 to 64 KiB.
    const chunks = Array.from({ length: 100 }, (_, i) => randomBytes(16 * 1024 + i));
    const ranges: [number, number][] = [];
    const appender = new FileAppender(path, 0, { written: (from, to) => ranges.push([from, to]) });
    await pipeline(Readable.from(chunks), appender);

    expect((await readFile(path)).equals(Buffer.concat(chunks))).toBe(true);
    // 100 chunks of about 17 KiB in writes of at least 256 KiB: 7 writes, the last one shorter.
    expect(ranges.length).toBeLessThanOrEqual(7);
    for (const [from, to] of ranges.slice(0, -1)) expect(to - from).toBeGreaterThanOrEqual(256 * 1024);
  });

  it('counts only bytes on disk when the stream fails: what it had collected is sent again', async () => {
    const path = join(folder, 'a');
    await writeFile(path, '');
    const appender = new FileAppender(path, 0, { written: () => undefined });
    const source = new Readable({ read: () => undefined });
    source.push(randomBytes(100 * 1024));
    setImmediate(() => source.destroy(new Error('the client went away')));
    await expect(pipeline(source, appender)).rejects.toThrow('the client went away');
    if (!appender.closed) await new Promise((resolve) => appender.once('close', resolve));
    expect(appender.position).toBe(0);
    expect((await readFile(path)).length).toBe(0);
  });

  it('writes nothing of a batch its inspection rejects', async () => {
    const path = join(folder, 'g');
    await writeFile(path, '');
    const appender = new FileAppender(path, 0, {
      inspect: () => Promise.reject(new Error('not an image')),
      written: () => undefined,
    });
    await expect(pipeline(Readable.from([Buffer.from('PK\x03\x04 an archive')]), appender)).rejects.toThrow(
      'not an image',
    );
    expect((await readFile(path)).length).toBe(0);
  });

  it('fails, and reports no range, when the file is not there', async () => {
    const written = jest.fn();
    const appender = new FileAppender(join(folder, 'missing'), 0, { written });
    await expect(pipeline(Readable.from([Buffer.from('x')]), appender)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(written).not.toHaveBeenCalled();
  });
});

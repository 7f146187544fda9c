import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LargeTiff {
  path: string;
  size: number;
  sha256: string;
}

const ROWS_PER_STRIP = 64;
/** Noise is written in pieces of this many bytes: the file never sits in memory whole. */
const PIECE_BYTES = 4 * 1024 * 1024;

/**
 * Writes a real, uncompressed RGB TIFF of side × side pixels of noise (side² × 3 bytes, plus a
 * header) to a temporary folder, streaming, and returns its size and sha256. Sharp would build
 * the whole image in memory first; files of hundreds of MiB are written here piece by piece.
 */
export async function writeLargeNoiseTiff(name: string, side: number): Promise<LargeTiff> {
  const rowBytes = side * 3;
  const strips = Math.ceil(side / ROWS_PER_STRIP);
  const stripBytes = (strip: number) => Math.min(ROWS_PER_STRIP, side - strip * ROWS_PER_STRIP) * rowBytes;
  const entries = 10;
  const ifdOffset = 8;
  const bitsOffset = ifdOffset + 2 + entries * 12 + 4;
  const stripOffsetsOffset = bitsOffset + 6;
  const stripCountsOffset = stripOffsetsOffset + strips * 4;
  const dataOffset = stripCountsOffset + strips * 4;

  const header = Buffer.alloc(dataOffset);
  header.write('II', 0, 'latin1');
  header.writeUInt16LE(42, 2);
  header.writeUInt32LE(ifdOffset, 4);
  header.writeUInt16LE(entries, ifdOffset);
  const SHORT = 3;
  const LONG = 4;
  // Tag, type, count, value (or the offset of the values when they do not fit in 4 bytes).
  const tags: [number, number, number, number][] = [
    [256, LONG, 1, side], // ImageWidth
    [257, LONG, 1, side], // ImageLength
    [258, SHORT, 3, bitsOffset], // BitsPerSample 8, 8, 8
    [259, SHORT, 1, 1], // Compression: none
    [262, SHORT, 1, 2], // PhotometricInterpretation: RGB
    [273, LONG, strips, strips === 1 ? dataOffset : stripOffsetsOffset], // StripOffsets
    [277, SHORT, 1, 3], // SamplesPerPixel
    [278, LONG, 1, ROWS_PER_STRIP], // RowsPerStrip
    [279, LONG, strips, strips === 1 ? stripBytes(0) : stripCountsOffset], // StripByteCounts
    [284, SHORT, 1, 1], // PlanarConfiguration: chunky
  ];
  tags.forEach(([tag, type, count, value], index) => {
    const at = ifdOffset + 2 + index * 12;
    header.writeUInt16LE(tag, at);
    header.writeUInt16LE(type, at + 2);
    header.writeUInt32LE(count, at + 4);
    if (type === SHORT && count === 1) header.writeUInt16LE(value, at + 8);
    else header.writeUInt32LE(value, at + 8);
  });
  header.writeUInt32LE(0, ifdOffset + 2 + entries * 12); // no next IFD
  for (let sample = 0; sample < 3; sample++) header.writeUInt16LE(8, bitsOffset + sample * 2);
  let offset = dataOffset;
  for (let strip = 0; strip < strips; strip++) {
    header.writeUInt32LE(offset, stripOffsetsOffset + strip * 4);
    header.writeUInt32LE(stripBytes(strip), stripCountsOffset + strip * 4);
    offset += stripBytes(strip);
  }

  const path = join(await mkdtemp(join(tmpdir(), 'web-test-')), name);
  const out = createWriteStream(path);
  const hash = createHash('sha256');
  const write = async (piece: Buffer) => {
    hash.update(piece);
    if (!out.write(piece)) await once(out, 'drain');
  };
  await write(header);
  for (let left = side * rowBytes; left > 0; left -= PIECE_BYTES) await write(randomBytes(Math.min(PIECE_BYTES, left)));
  out.end();
  await once(out, 'finish');
  return { path, size: offset, sha256: hash.digest('hex') };
}

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImageHeader, UnreadableImageError } from './image-header.reader.js';

/** Small real files (see their README): the header reader needs genuine image data. */
const SAMPLES = join(process.cwd(), 'test', 'fixtures', 'samples');

describe('readImageHeader', () => {
  let scratch: string;
  /** Writes `data` into a scratch folder and returns its path. */
  const fileOf = async (name: string, data: Buffer) => {
    const path = join(scratch, name);
    await writeFile(path, data);
    return path;
  };
  const failure = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnreadableImageError);
    return error as UnreadableImageError;
  };

  beforeAll(async () => (scratch = await mkdtemp(join(tmpdir(), 'image-header-'))));
  afterAll(() => rm(scratch, { recursive: true, force: true }));

  it.each([
    ['cells-uint8.tiff', { format: 'TIFF', width: 329, height: 265, channels: 1, pixelType: 'uint8', planes: 1 }],
    ['cells-uint16.tiff', { format: 'TIFF', width: 64, height: 58, channels: 3, pixelType: 'uint16', planes: 1 }],
    ['bfconvert.ome.tiff', { format: 'OME-TIFF', width: 26, height: 25, channels: 4, pixelType: 'uint8', planes: 1 }],
    ['labels.png', { format: 'PNG', width: 64, height: 58, channels: 1, pixelType: 'uint8', planes: 1 }],
    // A PNG misnamed .jpg: the content decides.
    ['camera.jpg', { format: 'PNG', width: 640, height: 480, channels: 1, pixelType: 'uint8', planes: 1 }],
    // A DICOM whose preamble is a TIFF header is read as DICOM.
    ['ct_image.dcm', { format: 'DICOM', width: 128, height: 128, channels: 1, pixelType: 'int16', planes: 1 }],
  ])('reads %s', async (file, header) => {
    expect(await readImageHeader(join(SAMPLES, file), file)).toEqual(header);
  });

  it('names the format by the file name it is given, not by the path on disk', async () => {
    const copy = await fileOf('upload-1234', await readFile(join(SAMPLES, 'bfconvert.ome.tiff')));
    expect((await readImageHeader(copy, 'cells.ome.tiff')).format).toBe('OME-TIFF');
    expect((await readImageHeader(copy, 'cells.tiff')).format).toBe('TIFF');
  });

  it('refuses content of no known format, as Bio-Formats would', async () => {
    const path = await fileOf('notes.tif', Buffer.from('just some text, no image\n'));
    expect((await failure(readImageHeader(path, 'notes.tif'))).message).toBe(
      'notes.tif: unknown format (Bio-Formats found no reader for it).',
    );
  });

  it('refuses a format it recognises but does not read, saying where to import it', async () => {
    const czi = Buffer.alloc(512);
    czi.write('ZISRAWFILE', 0, 'latin1');
    const path = await fileOf('stack.czi', czi);
    expect((await failure(readImageHeader(path, 'stack.czi'))).message).toMatch(
      /^stack\.czi: CZI files are not read by the sandbox OMERO.*Import it into a real OMERO server\.$/,
    );
  });

  it('calls a TIFF whose directory lies past its end damaged, keeping the library’s words as the detail only', async () => {
    const cut = Buffer.alloc(300);
    // A TIFF header pointing to its first image directory at 16 MiB, in a 300-byte file.
    cut.set([0x49, 0x49, 0x2a, 0x00, 0x00, 0x00, 0x00, 0x01]);
    const path = await fileOf('cut.tif', cut);
    const error = await failure(readImageHeader(path, 'cut.tif'));
    expect(error.message).toBe(
      'cut.tif: the TIFF file is damaged or truncated. Check that it opens in Fiji, then upload it again.',
    );
    expect(error.detail).not.toBe('');
    expect(error.message).not.toContain(scratch);
  });

  it('calls a DICOM without readable Rows and Columns damaged', async () => {
    const dicom = Buffer.alloc(256);
    dicom.write('DICM', 128, 'latin1');
    const path = await fileOf('empty.dcm', dicom);
    expect((await failure(readImageHeader(path, 'empty.dcm'))).message).toBe(
      'empty.dcm: the DICOM header could not be read; the file is damaged or not DICOM.',
    );
  });
});

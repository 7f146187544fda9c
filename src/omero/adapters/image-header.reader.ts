import type { Metadata } from 'sharp';
import { detectFormat, extensionOf, SIGNATURE_BYTES } from '../../common/image-formats.js';
import { readFileStart } from '../../common/read-file-start.js';
import { loadSharp } from './load-sharp.js';

export interface ImageHeader {
  format: string;
  width: number;
  height: number;
  channels: number;
  /** OMERO's pixel type names: uint8, int16, uint16, float, double, … */
  pixelType: string;
  /** Image planes in the file (TIFF pages, DICOM frames). */
  planes: number;
}

/**
 * Why a file could not be read, in the words an importer would use. `detail` is what the
 * reading library said, which may name the file's path on the server: for administrators only.
 */
export class UnreadableImageError extends Error {
  constructor(
    message: string,
    readonly detail = '',
  ) {
    super(message);
    this.name = 'UnreadableImageError';
  }
}

const SHARP_PIXEL_TYPES: Record<string, string> = {
  uchar: 'uint8',
  char: 'int8',
  ushort: 'uint16',
  short: 'int16',
  uint: 'uint32',
  int: 'int32',
  float: 'float',
  double: 'double',
};

/** Formats whose headers the sandbox reads with a maintained library (libvips, dicom-parser). */
const READABLE = new Set([
  'TIFF',
  'OME-TIFF',
  'BigTIFF',
  'SVS',
  'LSM',
  'QPTIFF',
  'SCN',
  'NDPI',
  'PNG',
  'JPEG',
  'DICOM',
]);

/** DICOM headers sit before the pixel data; a few MiB hold them in any real file. */
const DICOM_HEADER_BYTES = 4 * 1024 * 1024;

/**
 * Reads an image file's header as an importer would before taking the file in: the format
 * from its first bytes, then dimensions and pixel type through the library that reads it.
 */
export async function readImageHeader(path: string, fileName = path): Promise<ImageHeader> {
  const extension = extensionOf(fileName, ['ome.tiff', 'ome.tif']);
  const head = await readFileStart(path, SIGNATURE_BYTES);
  const format = detectFormat(head, extension);
  if (!format) throw new UnreadableImageError(`${fileName}: unknown format (Bio-Formats found no reader for it).`);
  if (!READABLE.has(format)) {
    throw new UnreadableImageError(
      `${fileName}: ${format} files are not read by the sandbox OMERO, which reads TIFF, OME-TIFF, PNG, JPEG and DICOM. Import it into a real OMERO server.`,
    );
  }
  return format === 'DICOM' ? readDicom(path, fileName) : readWithSharp(path, fileName, format);
}

/** dicom-parser is loaded on the first DICOM import, as sharp is on its first use (load-sharp.ts). */
const loadDicomParser = async () => (await import('dicom-parser')).default;

async function readWithSharp(path: string, fileName: string, format: string): Promise<ImageHeader> {
  const sharp = await loadSharp();
  let metadata: Metadata;
  try {
    metadata = await sharp(path, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new UnreadableImageError(
      `${fileName}: the ${format} file is damaged or truncated. Check that it opens in Fiji, then upload it again.`,
      (error as Error).message,
    );
  }
  if (!metadata.width || !metadata.height)
    throw new UnreadableImageError(`${fileName}: the file has no image dimensions.`);
  return {
    format,
    width: metadata.width,
    height: metadata.height,
    channels: metadata.channels ?? 1,
    pixelType: SHARP_PIXEL_TYPES[metadata.depth ?? 'uchar'] ?? 'uint8',
    planes: metadata.pages ?? 1,
  };
}

async function readDicom(path: string, fileName: string): Promise<ImageHeader> {
  const dicomParser = await loadDicomParser();
  try {
    const dataset = dicomParser.parseDicom(await readFileStart(path, DICOM_HEADER_BYTES), { untilTag: 'x7fe00010' });
    const rows = dataset.uint16('x00280010');
    const columns = dataset.uint16('x00280011');
    const bits = dataset.uint16('x00280100') ?? 16;
    const signed = dataset.uint16('x00280103') === 1;
    if (!rows || !columns) throw new Error('no Rows/Columns');
    return {
      format: 'DICOM',
      width: columns,
      height: rows,
      channels: dataset.uint16('x00280002') ?? 1,
      pixelType: `${signed ? 'int' : 'uint'}${bits <= 8 ? 8 : bits <= 16 ? 16 : 32}`,
      planes: Number(dataset.string('x00280008') ?? 1) || 1,
    };
  } catch (error) {
    throw new UnreadableImageError(
      `${fileName}: the DICOM header could not be read; the file is damaged or not DICOM.`,
      String((error as Error).message ?? error),
    );
  }
}

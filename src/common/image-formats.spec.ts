import { describe, expect, it } from '@jest/globals';
import { describeContent, detectFormat, extensionOf, SIGNATURE_BYTES } from './image-formats.js';

/** A synthetic file start: `bytes` written at `at` into SIGNATURE_BYTES of filler that matches nothing. */
function head(parts: [at: number, bytes: number[] | string][], length = SIGNATURE_BYTES): Buffer {
  // 0x11 starts no signature and is no printable character.
  const buffer = Buffer.alloc(length, 0x11);
  for (const [at, bytes] of parts) {
    if (typeof bytes === 'string') buffer.write(bytes, at, 'latin1');
    else buffer.set(bytes, at);
  }
  return buffer;
}

const TIFF_LE = [0x49, 0x49, 0x2a, 0x00];
const TIFF_BE = [0x4d, 0x4d, 0x00, 0x2a];
const BIGTIFF_LE = [0x49, 0x49, 0x2b, 0x00];
const BIGTIFF_BE = [0x4d, 0x4d, 0x00, 0x2b];
/** HDF5's signature, which Imaris files (.ims) carry. */
const HDF5 = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
/** Leica LIF: a 0x70 memory-block marker, and 0x2a nine bytes in. */
const LIF: [number, number[]][] = [
  [0, [0x70]],
  [8, [0x2a]],
];
const dicom = (preamble: number[] = []) =>
  head([
    [0, preamble],
    [128, 'DICM'],
  ]);

describe('detectFormat', () => {
  it.each<[string, Buffer, string, string]>([
    ['Zeiss CZI', head([[0, 'ZISRAWFILE']]), 'czi', 'CZI'],
    ['Nikon ND2 (the legacy chunk magic at 0)', head([[0, [0xda, 0xce, 0xbe, 0x0a]]]), 'nd2', 'ND2'],
    [
      'Nikon ND2 (the JPEG 2000 box "jP  " at 4)',
      head([[0, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a]]]),
      'nd2',
      'ND2',
    ],
    ['Leica LIF with its extension', head(LIF), 'lif', 'LIF'],
    ['DeltaVision, little-endian, .dv', head([[96, [0xa0, 0xc0]]]), 'dv', 'DeltaVision'],
    ['DeltaVision, big-endian, .dv', head([[96, [0xc0, 0xa0]]]), 'dv', 'DeltaVision'],
    ['DeltaVision, little-endian, .r3d', head([[96, [0xa0, 0xc0]]]), 'r3d', 'DeltaVision'],
    ['Imaris (HDF5)', head([[0, HDF5]]), 'ims', 'Imaris'],
    ['an OLE2 compound file', head([[0, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]]]), 'bin', 'OLE2'],
    ['BigTIFF, little-endian', head([[0, BIGTIFF_LE]]), 'tif', 'BigTIFF'],
    ['BigTIFF, big-endian', head([[0, BIGTIFF_BE]]), 'tif', 'BigTIFF'],
    ['TIFF, little-endian', head([[0, TIFF_LE]]), 'tif', 'TIFF'],
    ['TIFF, big-endian', head([[0, TIFF_BE]]), 'tiff', 'TIFF'],
    ['PNG', head([[0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]]]), 'png', 'PNG'],
    ['JPEG', head([[0, [0xff, 0xd8, 0xff, 0xe0]]]), 'jpg', 'JPEG'],
    ['DICOM with an empty preamble', dicom(), 'dcm', 'DICOM'],
    ['DICOM whose preamble is a TIFF header', dicom(TIFF_LE), 'dcm', 'DICOM'],
    ['DICOM whose preamble is a TIFF header, named .tif', dicom(TIFF_LE), 'tif', 'DICOM'],
  ])('recognises %s', (_what, bytes, extension, format) => {
    expect(detectFormat(bytes, extension)).toBe(format);
  });

  it('lets content win over the extension for strong signatures', () => {
    expect(detectFormat(head([[0, [0x89, 0x50, 0x4e, 0x47]]]), 'jpg')).toBe('PNG');
    expect(detectFormat(head([[0, 'ZISRAWFILE']]), 'tif')).toBe('CZI');
    expect(detectFormat(head([[0, HDF5]]), '')).toBe('Imaris');
  });

  describe('weak signatures count only with their own extension', () => {
    it.each([['tif'], ['dv'], ['czi'], ['']])('LIF bytes with extension "%s" are refused', (extension) => {
      expect(detectFormat(head(LIF), extension)).toBeNull();
    });

    it.each([['tif'], ['lif'], ['r3d.bak'], ['']])('DeltaVision bytes with extension "%s" are refused', (extension) => {
      expect(detectFormat(head([[96, [0xa0, 0xc0]]]), extension)).toBeNull();
      expect(detectFormat(head([[96, [0xc0, 0xa0]]]), extension)).toBeNull();
    });

    it('needs the whole weak signature, not just the extension', () => {
      expect(detectFormat(head([[0, [0x70]]]), 'lif')).toBeNull();
      expect(detectFormat(head([[8, [0x2a]]]), 'lif')).toBeNull();
      expect(detectFormat(head([[96, [0xa0, 0xa0]]]), 'dv')).toBeNull();
      // The DeltaVision marker lies past the end of a 97-byte file.
      expect(detectFormat(head([[96, [0xa0]]], 97), 'dv')).toBeNull();
    });

    it('lets a strong signature win over a weak one that also matches', () => {
      const both = head([
        [0, TIFF_LE],
        [96, [0xa0, 0xc0]],
      ]);
      expect(detectFormat(both, 'dv')).toBe('TIFF');
    });
  });

  it('names containers more precisely by their extension', () => {
    expect(detectFormat(head([[0, TIFF_LE]]), 'ome.tiff')).toBe('OME-TIFF');
    expect(detectFormat(head([[0, TIFF_BE]]), 'ome.tif')).toBe('OME-TIFF');
    expect(detectFormat(head([[0, TIFF_LE]]), 'svs')).toBe('SVS');
    expect(detectFormat(head([[0, TIFF_LE]]), 'ndpi')).toBe('NDPI');
    expect(detectFormat(head([[0, TIFF_LE]]), 'lsm')).toBe('LSM');
    expect(detectFormat(head([[0, BIGTIFF_LE]]), 'ome.tiff')).toBe('OME-TIFF');
    expect(detectFormat(head([[0, BIGTIFF_BE]]), 'btf')).toBe('BigTIFF');
    expect(detectFormat(head([[0, [0xd0, 0xcf, 0x11, 0xe0]]]), 'oib')).toBe('OIB');
    expect(detectFormat(head([[0, [0xd0, 0xcf, 0x11, 0xe0]]]), 'zvi')).toBe('ZVI');
    // A refinement belongs to its container only: a PNG named .svs stays a PNG.
    expect(detectFormat(head([[0, [0x89, 0x50, 0x4e, 0x47]]]), 'svs')).toBe('PNG');
  });

  it.each<[string, Buffer]>([
    ['a ZIP archive', head([[0, [0x50, 0x4b, 0x03, 0x04]]])],
    ['a gzip archive', head([[0, [0x1f, 0x8b, 0x08]]])],
    ['a PDF', head([[0, '%PDF-1.7']])],
    ['plain text', Buffer.from('Hello, this is a plain text file and no image at all.\n'.repeat(3))],
    ['filler that matches nothing', head([])],
    ['an empty file', Buffer.alloc(0)],
    ['a file shorter than any signature', Buffer.from([0x49, 0x49])],
    ['"DICM" anywhere but at 128', head([[0, 'DICM']])],
    ['a DICOM cut off before "DICM" ends', dicom().subarray(0, 131)],
    ['"HDF" past the first eight bytes', head([[8, 'HDF']])],
  ])('refuses %s', (_what, bytes) => {
    for (const extension of ['tif', 'dcm', 'ims', 'lif', 'dv', 'zip', 'txt']) {
      expect(detectFormat(bytes, extension)).toBeNull();
    }
  });
});

describe('describeContent', () => {
  it.each<[string, string, Buffer]>([
    ['a ZIP header', 'a ZIP archive', head([[0, [0x50, 0x4b, 0x03, 0x04]]])],
    ['a gzip header', 'a gzip archive', head([[0, [0x1f, 0x8b]]])],
    ['a 7-Zip header', 'a 7-Zip archive', head([[0, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]]])],
    ['a RAR header', 'a RAR archive', head([[0, 'Rar!']])],
    ['a PDF header', 'a PDF document', head([[0, '%PDF-1.4']])],
    ['no bytes', 'empty', Buffer.alloc(0)],
    ['printable lines', 'text', Buffer.from('name,value\r\n\tcells,12\n')],
    ['unprintable bytes', 'of an unknown kind', head([])],
  ])('describes %s as %s', (_what, description, bytes) => {
    expect(describeContent(bytes)).toBe(description);
  });
});

describe('extensionOf', () => {
  const allowed = ['tif', 'tiff', 'ome.tif', 'ome.tiff', 'lif'];

  it('prefers the longest allowed extension, in lower case', () => {
    expect(extensionOf('Cells.OME.TIFF', allowed)).toBe('ome.tiff');
    expect(extensionOf('cells.ome.tif', allowed)).toBe('ome.tif');
    expect(extensionOf('cells.TIF', allowed)).toBe('tif');
  });

  it('falls back to the last dotted part, and to nothing for names without one', () => {
    expect(extensionOf('scan.ZIP', allowed)).toBe('zip');
    expect(extensionOf('archive.tar.gz')).toBe('gz');
    expect(extensionOf('README')).toBe('');
    expect(extensionOf('.hidden')).toBe('');
  });
});

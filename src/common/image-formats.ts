/**
 * Recognising microscopy formats from their first bytes (docs/omero.md, "File formats"). Content
 * wins over the extension: a PNG named .jpg is accepted and recorded as PNG. Two signatures
 * are too weak to trust alone (one byte pair, or two single bytes): DeltaVision and Leica LIF
 * are recognised only when the extension agrees.
 */

/** Bytes needed to decide: DICOM's "DICM" ends at offset 132. */
export const SIGNATURE_BYTES = 132;

interface Signature {
  format: string;
  matches(head: Buffer): boolean;
  /** Weak signatures also need one of these extensions. */
  extensions?: string[];
}

const startsWith = (head: Buffer, bytes: number[], at = 0) =>
  head.length >= at + bytes.length && bytes.every((byte, i) => head[at + i] === byte);

const SIGNATURES: Signature[] = [
  // Before TIFF: a DICOM preamble may itself be a TIFF header ("dual personality" files).
  { format: 'DICOM', matches: (h) => h.length >= 132 && h.toString('latin1', 128, 132) === 'DICM' },
  {
    format: 'BigTIFF',
    matches: (h) => startsWith(h, [0x49, 0x49, 0x2b, 0x00]) || startsWith(h, [0x4d, 0x4d, 0x00, 0x2b]),
  },
  {
    format: 'TIFF',
    matches: (h) => startsWith(h, [0x49, 0x49, 0x2a, 0x00]) || startsWith(h, [0x4d, 0x4d, 0x00, 0x2a]),
  },
  { format: 'CZI', matches: (h) => h.toString('latin1', 0, 10) === 'ZISRAWFILE' },
  {
    format: 'ND2',
    matches: (h) => startsWith(h, [0xda, 0xce, 0xbe, 0x0a]) || startsWith(h, [0x6a, 0x50, 0x20, 0x20], 4),
  },
  { format: 'Imaris', matches: (h) => h.subarray(0, 8).includes('HDF', 0, 'latin1') },
  { format: 'OLE2', matches: (h) => startsWith(h, [0xd0, 0xcf, 0x11, 0xe0]) },
  { format: 'PNG', matches: (h) => startsWith(h, [0x89, 0x50, 0x4e, 0x47]) },
  { format: 'JPEG', matches: (h) => startsWith(h, [0xff, 0xd8, 0xff]) },
  { format: 'LIF', matches: (h) => h.length > 8 && h[0] === 0x70 && h[8] === 0x2a, extensions: ['lif'] },
  {
    format: 'DeltaVision',
    matches: (h) => startsWith(h, [0xa0, 0xc0], 96) || startsWith(h, [0xc0, 0xa0], 96),
    extensions: ['dv', 'r3d'],
  },
];

/** Container formats named more precisely by the extension they come with. */
const REFINEMENTS: Record<string, Record<string, string>> = {
  TIFF: {
    'ome.tif': 'OME-TIFF',
    'ome.tiff': 'OME-TIFF',
    svs: 'SVS',
    ndpi: 'NDPI',
    scn: 'SCN',
    lsm: 'LSM',
    qptiff: 'QPTIFF',
  },
  BigTIFF: { 'ome.tif': 'OME-TIFF', 'ome.tiff': 'OME-TIFF', btf: 'BigTIFF' },
  OLE2: { oib: 'OIB', zvi: 'ZVI' },
};

/** What else the first bytes may be, to tell a user what they sent instead. */
const NOT_IMAGES: [string, number[]][] = [
  ['a ZIP archive', [0x50, 0x4b, 0x03, 0x04]],
  ['a gzip archive', [0x1f, 0x8b]],
  ['a 7-Zip archive', [0x37, 0x7a, 0xbc, 0xaf]],
  ['a RAR archive', [0x52, 0x61, 0x72, 0x21]],
  ['a PDF document', [0x25, 0x50, 0x44, 0x46]],
];

/**
 * The format of a file from its first bytes (up to SIGNATURE_BYTES; fewer only when the file is
 * that short) and its extension (lower case, e.g. "ome.tiff"), or null when it is not one we
 * can import.
 */
export function detectFormat(head: Buffer, extension: string): string | null {
  const signature = SIGNATURES.find((s) => s.matches(head) && (!s.extensions || s.extensions.includes(extension)));
  if (!signature) return null;
  return REFINEMENTS[signature.format]?.[extension] ?? signature.format;
}

/** A short description of content that is not an image, for error messages. */
export function describeContent(head: Buffer): string {
  const known = NOT_IMAGES.find(([, bytes]) => startsWith(head, bytes));
  if (known) return known[0];
  if (head.length === 0) return 'empty';
  const printable = head.subarray(0, 64).every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127));
  return printable ? 'text' : 'of an unknown kind';
}

/** The extension as matched against the allowed list: lower case, "ome.tiff" kept whole. */
export function extensionOf(name: string, allowed: readonly string[] = []): string {
  const lower = name.toLowerCase();
  const matches = allowed.filter((ext) => lower.endsWith(`.${ext}`)).sort((a, b) => b.length - a.length);
  if (matches.length) return matches[0];
  const dot = lower.lastIndexOf('.');
  return dot > 0 ? lower.slice(dot + 1) : '';
}

/**
 * Client file names are untrusted: they may hold path parts ("../../x.tif"), control
 * characters, NUL bytes, names Windows reserves, or run to thousands of bytes.
 */

const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
const MAX_STORED_BYTES = 200;
const MAX_DISPLAY_CHARS = 1024;

/** The name to show people: control characters removed, length bounded, otherwise as given. */
export function displayName(raw: string): string {
  const cleaned = raw.replace(/[\p{Cc}\p{Cf}]/gu, '').trim();
  return (cleaned || 'unnamed').slice(0, MAX_DISPLAY_CHARS);
}

/**
 * A name safe to create inside a folder on any common file system: the last path part only,
 * no control or reserved characters, no leading dots, not a reserved device name, and at most
 * 200 bytes of UTF-8 with the extension kept.
 */
export function storageName(raw: string, extension: string): string {
  const lastPart = raw.split(/[/\\]/).pop() ?? '';
  let name = lastPart
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .replace(/[<>:"|?*]/g, '_')
    .replace(/\s+/g, ' ')
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '');
  if (!name) name = extension ? `upload.${extension}` : 'upload';
  if (RESERVED.test(name)) name = `_${name}`;
  return truncateKeepingExtension(name, extension, MAX_STORED_BYTES);
}

/** Adds text before the extension ("a.ome.tiff" + " (1)" → "a (1).ome.tiff"), staying in bounds. */
export function withSuffix(name: string, extension: string, suffix: string): string {
  const tail = extension && name.toLowerCase().endsWith(`.${extension}`) ? name.slice(-(extension.length + 1)) : '';
  const stem = tail ? name.slice(0, -tail.length) : name;
  return truncateKeepingExtension(`${stem}${suffix}${tail}`, extension, MAX_STORED_BYTES, suffix.length + tail.length);
}

function truncateKeepingExtension(name: string, extension: string, maxBytes: number, keepTail?: number): string {
  if (Buffer.byteLength(name) <= maxBytes) return name;
  const tailLength = keepTail ?? (extension && name.toLowerCase().endsWith(`.${extension}`) ? extension.length + 1 : 0);
  const tail = tailLength ? name.slice(-tailLength) : '';
  let stem = name.slice(0, name.length - tailLength);
  while (Buffer.byteLength(stem + tail) > maxBytes) stem = Array.from(stem).slice(0, -1).join('');
  return stem + tail;
}

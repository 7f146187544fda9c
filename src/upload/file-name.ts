/**
 * Client file names are untrusted: they may hold path parts ("../../x.tif"), control
 * characters, NUL bytes, names Windows reserves, or run to thousands of bytes.
 */

const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
const MAX_STORED_BYTES = 200;
const MAX_DISPLAY_CHARS = 1024;

/** An extension as settings may allow one ("tif", "ome.tiff": up to three short dotted parts). */
const EXTENSION_TAIL = /(\.[\p{L}\p{N}]{1,10}){1,3}$/u;

/**
 * The name to show people: control characters removed, length bounded, otherwise as given.
 * A long name loses characters before its extension, never the extension itself, which
 * decides whether the file is accepted.
 */
export function displayName(raw: string): string {
  const cleaned = raw.replace(/[\p{Cc}\p{Cf}]/gu, '').trim() || 'unnamed';
  if (cleaned.length <= MAX_DISPLAY_CHARS) return cleaned;
  const tail = EXTENSION_TAIL.exec(cleaned)?.[0] ?? '';
  // Cutting between the two halves of a surrogate pair would leave half a character.
  return cleaned.slice(0, MAX_DISPLAY_CHARS - tail.length).replace(/[\uD800-\uDBFF]$/, '') + tail;
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

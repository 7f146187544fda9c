/**
 * What the importer prints, read: the ids it created (`--output yaml`, or the default
 * `--output ids`), the error count of its summary, and the bounded, redacted log kept of it.
 * Pure functions, so that every format the importer is known to print can be tested alone.
 */

/** What OmeroImportError.log and ImportResult.log keep of the importer's output. */
const LOG_LIMIT = 20 * 1024;

export interface ImportedIds {
  filesetIds: string[];
  imageIds: string[];
  plateIds: string[];
}

export function noIds(): ImportedIds {
  return { filesetIds: [], imageIds: [], plateIds: [] };
}

/**
 * Reads `--output yaml` (`- Fileset: 12` / `  Image: [101, 102]`, block lists too) and, as a
 * fallback, the default `--output ids` lines (`Image:101,102`).
 */
export function parseImportOutput(text: string): ImportedIds {
  const ids = noIds();
  const lists: Record<string, string[]> = { Fileset: ids.filesetIds, Image: ids.imageIds, Plate: ids.plateIds };
  let open: string[] | null = null;
  for (const line of text.split(/\r?\n/)) {
    const entry = /^\s*(?:-\s+)?(Fileset|Image|Plate)\s*:\s*(.*)$/.exec(line);
    if (entry) {
      const numbers = entry[2].match(/\d+/g) ?? [];
      lists[entry[1]].push(...numbers);
      open = numbers.length === 0 ? lists[entry[1]] : null;
      continue;
    }
    const item = /^\s*-\s*(\d+)\s*$/.exec(line);
    if (item && open) open.push(item[1]);
    else open = null;
  }
  return ids;
}

/** The error count of the importer's last summary line (`... 0 errors in 00:00:02.315`). */
export function parseErrorCount(text: string): number | null {
  const counts = [...text.matchAll(/(\d+) errors? in \d/g)];
  return counts.length > 0 ? Number(counts[counts.length - 1][1]) : null;
}

/** `text` with every secret (a session key, a password) replaced by `***`. */
export function redact(text: string, secrets: string[]): string {
  return secrets
    .filter((secret) => secret.length > 0)
    .reduce((result, secret) => result.replaceAll(secret, '***'), text);
}

/** The end of the importer's output, where its summary and the cause of a failure are. */
export function boundLog(text: string): string {
  return text.length <= LOG_LIMIT ? text : `[... earlier output left out]\n${text.slice(-LOG_LIMIT)}`;
}

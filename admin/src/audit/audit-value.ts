import { humanBytes } from '../settings/byte-size-input.js';

/** The policies as stored (lower case), named as the settings form names them. */
const POLICIES: Record<string, string> = {
  keep: 'Keep the name',
  increment: 'Number every file',
  random_suffix: 'Add a random suffix',
  rename: 'Keep both files',
  error: 'Refuse the upload',
  overwrite: 'Replace the older file',
};

/**
 * An audited value (JSON) as people read it, by what the key holds: sizes in MiB/GiB, switches
 * On/Off, hours, extensions as a list. Anything unforeseen is shown as stored.
 */
export function readableValue(key: string, json: string | null): string {
  if (json === null) return '—';
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return json;
  }
  if (typeof value === 'boolean') return value ? 'On' : 'Off';
  if (typeof value === 'number' && key.endsWith('Bytes')) return humanBytes(value);
  if (typeof value === 'number' && key.endsWith('Hours')) return `${value} ${value === 1 ? 'hour' : 'hours'}`;
  if (Array.isArray(value)) return value.length ? value.map((item) => `.${String(item)}`).join(' ') : 'none';
  if (typeof value === 'string') return POLICIES[value.toLowerCase()] ?? value;
  return json;
}

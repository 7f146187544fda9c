const UNITS = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB'];

/** "12.4 GB": decimal units, as file managers and disk vendors show sizes. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  const exponent = Math.min(Math.floor(Math.log10(bytes) / 3), UNITS.length - 1);
  const value = bytes / 1000 ** exponent;
  return `${value >= 100 ? Math.round(value) : Number(value.toPrecision(3))} ${UNITS[exponent]}`;
}

import { formatBytes, formatSpeed } from '../../../web/src/format/units.js';

/** The dashboard's numbers as people read them; a dash where there is nothing to measure. */

const NONE = '—';

const dayLabel = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
const fullDay = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' });

/** "3 Mar": the axis of a chart. */
export const shortDay = (iso: string) => dayLabel.format(new Date(iso));
/** "3 Mar 2025": tables and the period. */
export const longDay = (iso: string) => fullDay.format(new Date(iso));

export const count = (value: number) => value.toLocaleString('en-GB');
export const bytes = (value: number) => formatBytes(value);
export const speed = (value: number | null) => (value === null ? NONE : formatSpeed(value));
export const percent = (rate: number | null) => (rate === null ? NONE : `${Math.round(rate * 1000) / 10} %`);

/** Seconds as "45 s", "2 min 5 s", "1 h 3 min". */
export function duration(seconds: number | null): string {
  if (seconds === null) return NONE;
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole} s`;
  if (whole < 3600) return `${Math.floor(whole / 60)} min${whole % 60 ? ` ${whole % 60} s` : ''}`;
  const minutes = Math.round((whole % 3600) / 60);
  return `${Math.floor(whole / 3600)} h${minutes ? ` ${minutes} min` : ''}`;
}

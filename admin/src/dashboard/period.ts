/** The period the dashboard shows: whole UTC days, the last ones or a range the admin picks. */

export type PeriodChoice = '7' | '30' | '90' | 'custom';

/** Inclusive first and last day, as YYYY-MM-DD (UTC). */
export interface DayRange {
  first: string;
  last: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** The server answers at most this many days at once. */
export const MAX_DAYS = 366;

const isoDay = (time: number) => new Date(time).toISOString().slice(0, 10);
const dayStart = (day: string) => Date.parse(`${day}T00:00:00Z`);

/** The last `count` UTC days, today included. */
export function lastDays(count: number, now = Date.now()): DayRange {
  const today = dayStart(isoDay(now));
  return { first: isoDay(today - (count - 1) * DAY_MS), last: isoDay(today) };
}

/**
 * The query's arguments for `range` (midnight UTC, `to` excluded), or what is wrong with it in
 * words the admin can act on.
 */
export function periodArguments(range: DayRange): { from: string; to: string } | { problem: string } {
  const first = dayStart(range.first);
  const last = dayStart(range.last);
  if (Number.isNaN(first) || Number.isNaN(last)) return { problem: 'Enter both days of the period.' };
  if (last < first) return { problem: 'The last day must not come before the first day.' };
  const days = (last - first) / DAY_MS + 1;
  if (days > MAX_DAYS) return { problem: `Pick at most ${MAX_DAYS} days; this period has ${days}.` };
  return { from: new Date(first).toISOString(), to: new Date(last + DAY_MS).toISOString() };
}

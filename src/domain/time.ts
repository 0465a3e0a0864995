/**
 * Times are exactly `YYYY-MM-DDTHH:MM:SSZ` and dates `YYYY-MM-DD`
 * (docs/design.md §2); both are compared by value, never as text.
 */
import { GridproofError } from '../errors.ts';

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Milliseconds since the epoch, or undefined when not a real instant: a
 * month, day, hour, minute and second that exist (no 24:00:00, no leap
 * second, no 2025-02-30). Checked field by field rather than by formatting
 * the parsed time back, and remembered for a while, since the monitor reads
 * several per entry (docs/design.md §10); test/unit/time.test.ts holds it to
 * that definition.
 */
export function instantMs(text: string): number | undefined {
  // An entry repeats its interval's bounds, and a log repeats them across entries.
  const known = recentInstants.get(text);
  if (known !== undefined) return known;
  const ms = computeInstantMs(text);
  if (ms !== undefined) {
    if (recentInstants.size >= RECENT_INSTANTS) recentInstants.clear();
    recentInstants.set(text, ms);
  }
  return ms;
}

/** Real instants parsed lately (only those: every key is 20 characters), forgotten all at once when full. */
const recentInstants = new Map<string, number>();
const RECENT_INSTANTS = 4096;

function computeInstantMs(text: string): number | undefined {
  const match = INSTANT.exec(text);
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const days = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1];
  if (days === undefined || day < 1 || day > days || hour > 23 || minute > 59 || second > 59) return undefined;
  // Date.UTC reads years 0 to 99 as 1900 to 1999; setUTCFullYear does not.
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
  return date.setUTCFullYear(year);
}

export function parseInstant(text: string, what = 'time'): number {
  const ms = instantMs(text);
  if (ms === undefined) throw new GridproofError('bad-time', `${what} must be YYYY-MM-DDTHH:MM:SSZ, got ${JSON.stringify(text)}`);
  return ms;
}

export function formatInstant(ms: number | Date): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function dateMs(text: string): number | undefined {
  if (!DATE.test(text)) return undefined;
  const ms = Date.parse(`${text}T00:00:00Z`);
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text ? undefined : ms;
}

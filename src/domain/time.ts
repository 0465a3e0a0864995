/**
 * Times are exactly `YYYY-MM-DDTHH:MM:SSZ` and dates `YYYY-MM-DD`
 * (docs/design.md §2); both are compared by value, never as text.
 *
 * Parsed field by field with calendar arithmetic rather than through
 * Date.parse and a re-format: intake reads several instants of every reading
 * on the event loop, and a bundle names the same hours thousands of times;
 * the round trip through Date objects and strings cost more than the rest of
 * a reading's checks. No memory of earlier spellings is needed.
 */
import { GridproofError } from '../errors.ts';

const DAY_MS = 86_400_000;

/** The number written by `count` ASCII digits of `text` from `at`, or -1 when one is not a digit. */
function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const code = text.charCodeAt(i) - 48;
    if (code < 0 || code > 9) return -1;
    value = value * 10 + code;
  }
  return value;
}

const isLeap = (year: number): boolean => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Days from 1970-01-01 to year-month-day of the proleptic Gregorian calendar
 * (the one Date uses), for years 0 to 9999; undefined when the day does not
 * exist (2025-02-30, month 13).
 */
function epochDay(year: number, month: number, day: number): number | undefined {
  if (year < 0 || month < 1 || month > 12 || day < 1) return undefined;
  if (day > (month === 2 && isLeap(year) ? 29 : MONTH_DAYS[month - 1]!)) return undefined;
  // Counted from March 1st of year 0, so the leap day ends each 4-year cycle.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** The date part of `text` (YYYY-MM-DD at its start) as days since the epoch. */
function datePart(text: string): number | undefined {
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return undefined; // '-'
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  return year < 0 || month < 0 || day < 0 ? undefined : epochDay(year, month, day);
}

/** Milliseconds since the epoch, or undefined when not a real instant. */
export function instantMs(text: string): number | undefined {
  if (typeof text !== 'string' || text.length !== 20) return undefined;
  // 'T' ':' ':' 'Z'
  if (text.charCodeAt(10) !== 84 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58 || text.charCodeAt(19) !== 90) return undefined;
  const days = datePart(text);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (days === undefined || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  return days * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000;
}

export function parseInstant(text: string, what = 'time'): number {
  const ms = instantMs(text);
  if (ms === undefined) throw new GridproofError('bad-time', `${what} must be YYYY-MM-DDTHH:MM:SSZ, got ${JSON.stringify(text)}`);
  return ms;
}

export function formatInstant(ms: number | Date): string {
  const iso = new Date(ms).toISOString();
  // Years 0–9999 are YYYY-MM-DDTHH:MM:SS.sssZ; others carry a sign and six digits.
  return iso.length === 24 ? `${iso.slice(0, 19)}Z` : iso.replace(/\.\d{3}Z$/, 'Z');
}

export function dateMs(text: string): number | undefined {
  if (typeof text !== 'string' || text.length !== 10) return undefined;
  const days = datePart(text);
  return days === undefined ? undefined : days * DAY_MS;
}

/** The longest period a view, a claim or a bundle covers: a year, so one request's work stays bounded (docs/api.md). */
export const MAX_PERIOD_MS = 366 * 86_400_000;

/**
 * Times are exactly `YYYY-MM-DDTHH:MM:SSZ` and dates `YYYY-MM-DD`
 * (docs/design.md §2); both are compared by value, never as text.
 */
import { GridproofError } from '../errors.ts';

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Milliseconds since the epoch, or undefined when not a real instant. */
export function instantMs(text: string): number | undefined {
  if (!INSTANT.test(text)) return undefined;
  const ms = Date.parse(text);
  // Date.parse rolls 2025-02-30 over to March: re-format to catch that.
  return Number.isNaN(ms) || formatInstant(ms) !== text ? undefined : ms;
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

/**
 * Times are exactly `YYYY-MM-DDTHH:MM:SSZ` and dates `YYYY-MM-DD`
 * (docs/design.md §2); both are compared by value, never as text.
 */
import { GridproofError } from '../errors.ts';

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

// A bundle or a day of readings names the same few hundred hours thousands of
// times; parsing each spelling once keeps verification off Date's slow paths.
const INSTANT_MEMO_LIMIT = 8192;
const INSTANT_LENGTH = 'YYYY-MM-DDTHH:MM:SSZ'.length;
const instantMemo = new Map<string, number | undefined>();

/** Milliseconds since the epoch, or undefined when not a real instant. */
export function instantMs(text: string): number | undefined {
  // Only the one length an instant can have is remembered, so the memo holds 8192 short strings at most.
  if (typeof text !== 'string' || text.length !== INSTANT_LENGTH) return undefined;
  if (instantMemo.has(text)) return instantMemo.get(text);
  const ms = parseInstantText(text);
  if (instantMemo.size >= INSTANT_MEMO_LIMIT) instantMemo.clear();
  instantMemo.set(text, ms);
  return ms;
}

function parseInstantText(text: string): number | undefined {
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
  const iso = new Date(ms).toISOString();
  // Years 0–9999 are YYYY-MM-DDTHH:MM:SS.sssZ; others carry a sign and six digits.
  return iso.length === 24 ? `${iso.slice(0, 19)}Z` : iso.replace(/\.\d{3}Z$/, 'Z');
}

export function dateMs(text: string): number | undefined {
  if (!DATE.test(text)) return undefined;
  const ms = Date.parse(`${text}T00:00:00Z`);
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text ? undefined : ms;
}

/**
 * A period [start, end) as people read it. The API's periods end exclusive
 * (docs/api.md), so a claim for 4 to 10 November ends at 2019-11-11T00:00:00Z,
 * which written as it is reads as a day too many. Whole UTC days are written
 * as their first and last day ("4 Nov 2019 – 10 Nov 2019, whole UTC days");
 * any other period as its two instants, the end said to be left out.
 */
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY_MS = 86_400_000;

/** "4 Nov 2019": a UTC day in the day-month order the plots' ticks use. */
const dayText = (ms: number): string => {
  const d = new Date(ms);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
};

/** "4 Nov 2019 06:00 UTC" (minutes, and seconds when there are any). */
const instantText = (ms: number): string => {
  const d = new Date(ms);
  const clock = d.toISOString().slice(11, d.getUTCSeconds() === 0 ? 16 : 19);
  return `${dayText(ms)} ${clock} UTC`;
};

export function periodText(start: string, end: string): string {
  const a = Date.parse(start);
  const b = Date.parse(end);
  if (!Number.isFinite(a) || !Number.isFinite(b) || b <= a) return `${start} to (not including) ${end}`;
  if (a % DAY_MS === 0 && b % DAY_MS === 0) {
    const last = b - DAY_MS;
    return last === a ? `${dayText(a)}, a whole UTC day` : `${dayText(a)} – ${dayText(last)}, whole UTC days`;
  }
  return `${instantText(a)} to (not including) ${instantText(b)}`;
}

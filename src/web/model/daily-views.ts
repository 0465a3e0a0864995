/**
 * Long periods as days: a year is 8760 hours, and drawn hour by hour its
 * consumption line covers the matched bars in a solid block, so beyond
 * about a month the plot shows each UTC day's sums instead (README "Web
 * app"). This is the one place hours are summed into days; the hourly table
 * stays hourly. What an hour without a reading means carries over: a day is
 * no reading (null) only if none of its hours was read, never 0, which is a
 * measured zero (docs/design.md §4); a day with an hour read but not matched
 * yet is not matched yet as a whole, since its parts are not final.
 */
import { HOUR_S, type HourlySeries } from './hourly-views.ts';

export const DAY_S = 24 * HOUR_S;

/** Beyond this many hours (31 days, about a month) a plot draws days, not hours: a week of hours still reads as hours. */
export const DAILY_BEYOND_HOURS = 31 * 24;

/** Whether a series this long is drawn per day. */
export const plotsDaily = (series: HourlySeries): boolean => series.hours.length > DAILY_BEYOND_HOURS;

/**
 * Sums an hourly series into UTC days: one point per day the period touches,
 * at the day's 00:00 UTC; a first or last day the period covers only in part
 * sums the hours it has. `step` says the points are days.
 */
export function dailySeries(series: HourlySeries): HourlySeries {
  const days: number[] = [];
  const slot: number[] = [];
  for (const t of series.hours) {
    const day = Math.floor(t / DAY_S) * DAY_S;
    if (days.at(-1) !== day) days.push(day);
    slot.push(days.length - 1);
  }
  const consumed: Array<number | null> = days.map(() => null);
  series.consumed.forEach((wh, i) => {
    if (wh !== null) consumed[slot[i]!] = (consumed[slot[i]!] ?? 0) + wh;
  });
  const bySource = series.bySource.map(({ device, wh }) => {
    const sums = days.map(() => 0);
    wh.forEach((v, i) => (sums[slot[i]!]! += v));
    return { device, wh: sums };
  });
  const out: HourlySeries = { hours: days, consumed, bySource, step: 'day' };
  if (series.notMatched !== undefined) {
    const notMatched = days.map(() => false);
    series.notMatched.forEach((pending, i) => {
      if (pending) notMatched[slot[i]!] = true;
    });
    out.notMatched = notMatched;
  }
  return out;
}

/** What a plot draws for a series: its hours, or past about a month its days. */
export const plotSeries = (series: HourlySeries): HourlySeries => (plotsDaily(series) ? dailySeries(series) : series);

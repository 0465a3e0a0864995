/**
 * Pure shaping of the API's answers for the tenant and generator pages'
 * hourly plots and tables: one point per hour of the chosen period, as plain
 * numbers, so the x axis has no holes. An hour without any reading has no
 * figure (null), not 0: a meter that read 0 Wh measured something, a meter
 * that sent nothing did not, and the pages must not show the two alike
 * (docs/design.md §4: a reading is what a meter signed for one interval).
 * Wh values arrive as decimal strings (docs/api.md); a park's hourly Wh stay
 * far below 2^53, so Number is exact here.
 */

export const HOUR_S = 3600;

/** The shape the hourly plot draws: x in Unix seconds, each series the same length; `hours` are days' starts when `step` is 'day'. */
export interface HourlySeries {
  /** Interval starts, Unix seconds. */
  hours: number[];
  /** The line's figure per hour (a tenant's consumption, a device's export); null: no reading in that hour. */
  consumed: Array<number | null>;
  /** The stacked parts by source (or by destination), same length as hours; 0 in an hour without a reading. */
  bySource: Array<{ device: string; wh: number[] }>;
  /**
   * Per hour: true when the hour was read but matching has not settled all
   * of its readings yet, so where its output went (the generator's series)
   * or what green supply it was matched with (the tenant's) is not decided
   * and its parts are no figure yet (absent: every hour read is matched).
   */
  notMatched?: boolean[];
  /** What a point covers: an hour (absent) or a UTC day, its hours summed (src/web/model/daily-views.ts). */
  step?: 'day';
}

/**
 * How an hour without any reading reads wherever hours are shown (tables,
 * the plot's legend): a dash, and in words for a tooltip or a screen reader.
 * Never "0", which is a measured zero.
 */
export const NO_READING = { mark: '—', words: 'no reading' } as const;

/**
 * How the parts of an hour read before matching has settled it: a reading
 * is settled by its interval's settlement (docs/design.md §5), until then
 * nothing of it is allocated or unmatched, so "0" there would read as
 * "fully matched". A mark of its own, unlike the no-reading dash.
 */
export const NOT_MATCHED = { mark: 'pending', words: 'not matched yet' } as const;

/** One part of one hour as the table and the plot's legend show it: a figure, or why there is none. */
export type HourPart = number | typeof NO_READING | typeof NOT_MATCHED;

/** The one rule for what a part shows: nothing read, nothing matched or sent; read but not settled, not decided yet; else its Wh. */
export function partOf(series: HourlySeries, wh: readonly number[], i: number): HourPart {
  if (series.consumed[i] === null) return NO_READING;
  if (series.notMatched?.[i] === true) return NOT_MATCHED;
  return wh[i]!;
}

/** GET /v1/tenants/{id}/matching, as much as the page reads. */
export interface TenantMatching {
  intervals: Array<{
    start: string;
    consumedWh: string;
    /** False until matching has passed the interval in the zone of each of its readings (docs/api.md): bySource is not final then (empty before any matching). */
    settled: boolean;
    bySource: Array<{ device: string; wh: string }>;
  }>;
  totals: { consumedWh: string; matchedWh: string; cfeScore: number; unmatchedEmissionsG: string | null };
}

/** GET /v1/devices/{id}/outputs, as much as the page reads. */
export interface DeviceOutputs {
  hours: Array<{
    start: string;
    exportWh: string;
    /** Null until the reading's hour is matched (docs/api.md), and always for a reading exporting 0 Wh (no supply); unmatchedWh is then '0'. */
    settlement: { index: number; late: boolean } | null;
    to: Array<{ owner: string; type: string; wh: string }>;
    toStorageWh: string;
    unmatchedWh: string;
  }>;
}

/** The hours of [from, to) in Unix seconds; refuses a reversed or non-hour-aligned period. */
export function hoursOf(from: string, to: string): number[] {
  const a = Date.parse(from) / 1000;
  const b = Date.parse(to) / 1000;
  if (!Number.isFinite(a) || !Number.isFinite(b) || b <= a || a % HOUR_S !== 0 || b % HOUR_S !== 0)
    throw new Error('the period must be whole hours, ending after it starts');
  const out: number[] = [];
  for (let t = a; t < b; t += HOUR_S) out.push(t);
  return out;
}

function slotOf(hours: readonly number[], start: string): number {
  const i = (Date.parse(start) / 1000 - hours[0]!) / HOUR_S;
  return Number.isInteger(i) && i >= 0 && i < hours.length ? i : -1;
}

/** Consumption and matched supply by source device, per hour of the period. */
export function tenantSeries(view: TenantMatching, from: string, to: string): HourlySeries {
  const hours = hoursOf(from, to);
  const consumed: Array<number | null> = hours.map(() => null);
  const notMatched = hours.map(() => false);
  const bySource = new Map<string, number[]>();
  for (const interval of view.intervals) {
    const i = slotOf(hours, interval.start);
    if (i < 0) continue;
    // Tenant figures are made from the tenant's readings (docs/design.md §5), so an interval is listed only if a meter read it.
    consumed[i] = (consumed[i] ?? 0) + Number(interval.consumedWh);
    // Matched 0 Wh before matching is "not matched yet", not "no green supply"; after it, a 0 is a figure.
    if (!interval.settled) notMatched[i] = true;
    for (const s of interval.bySource) {
      let wh = bySource.get(s.device);
      if (!wh) bySource.set(s.device, (wh = hours.map(() => 0)));
      wh[i]! += Number(s.wh);
    }
  }
  return {
    hours,
    consumed,
    bySource: [...bySource].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([device, wh]) => ({ device, wh })),
    notMatched,
  };
}

/**
 * Where a device's output went, per hour: one series per receiving tenant,
 * one for storage, one for the unmatched rest; `consumed` carries the export
 * (the line the stacked bars add up to).
 */
export function outputSeries(outputs: DeviceOutputs, from: string, to: string): HourlySeries {
  const hours = hoursOf(from, to);
  const exported: Array<number | null> = hours.map(() => null);
  const notMatched = hours.map(() => false);
  // Unmatched is always a column once an hour was read: a matched hour that allocated everything reads 0 there, an unsettled one reads NOT_MATCHED.
  const byTarget = new Map<string, number[]>();
  const add = (target: string, i: number, wh: number) => {
    let series = byTarget.get(target);
    if (!series) byTarget.set(target, (series = hours.map(() => 0)));
    series[i]! += wh;
  };
  for (const hour of outputs.hours) {
    const i = slotOf(hours, hour.start);
    if (i < 0) continue;
    // One entry per reading of the device, settled or not (docs/api.md).
    exported[i] = (exported[i] ?? 0) + Number(hour.exportWh);
    add('unmatched', i, 0);
    // Only a reading that exports is supply, listed by its interval's settlement (docs/design.md §5): one that
    // exports 0 Wh is never settled and has nothing to match. An hour of several readings is matched once all are.
    if (hour.settlement === null && hour.exportWh !== '0') notMatched[i] = true;
    for (const x of hour.to) if (x.type !== 'storage') add(`to ${x.owner}`, i, Number(x.wh));
    if (hour.toStorageWh !== '0') add('to storage', i, Number(hour.toStorageWh));
    if (hour.unmatchedWh !== '0') add('unmatched', i, Number(hour.unmatchedWh));
  }
  const order = (name: string) => (name === 'unmatched' ? 2 : name === 'to storage' ? 1 : 0);
  const names = [...byTarget.keys()].sort((a, b) => order(a) - order(b) || (a < b ? -1 : a > b ? 1 : 0));
  return { hours, consumed: exported, bySource: names.map((device) => ({ device, wh: byTarget.get(device)! })), notMatched };
}

/** The CFE score as the page shows it: a percentage with one decimal. */
export const percent = (score: number): string => `${(Math.round(score * 1000) / 10).toFixed(1)} %`;

/** The period's CFE score, or why there is none: a share of nothing consumed is no score, not 0 %. */
export const cfeText = (totals: { consumedWh: string; cfeScore: number }): string =>
  BigInt(totals.consumedWh) === 0n ? '— (nothing consumed in this period)' : percent(totals.cfeScore);

/**
 * Said beside the period's totals when some of its hours are not matched yet:
 * the totals (the same figures a bundle states, docs/design.md §6) count their
 * consumption as unmatched until their zone's matching reaches them, so the
 * CFE score may still rise. Undefined when every hour is settled.
 */
export function pendingNote(intervals: ReadonlyArray<{ settled: boolean }>): string | undefined {
  const pending = intervals.filter((interval) => !interval.settled).length;
  if (pending === 0) return undefined;
  const hours = pending === 1 ? '1 hour of this period is' : `${pending} hours of this period are`;
  return `${hours} not matched yet: until matching reaches them, the totals count their consumption as unmatched, so the CFE score may still rise.`;
}

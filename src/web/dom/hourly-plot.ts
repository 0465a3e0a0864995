/**
 * The hourly plot: the tenant's consumption as a line, matched supply by
 * source as stacked bars. uPlot draws on a canvas (no network, no fonts);
 * the stack is made by plotting cumulative sums, bars drawn back to front.
 *
 * Each figure is an interval's energy (docs/design.md §4: a reading covers
 * one interval of the grid), so its bar and its step of the line cover the
 * interval from its start, and the time axis is read in UTC, as the legend
 * says, with ticks only on whole hours or whole days: interval boundaries.
 */
import uPlot from 'uplot';
import { NO_READING, partOf, type HourlySeries } from '../model/hourly-views.ts';
import { groupDigits } from '../../domain/count.ts';

/** A figure in the legend: exact Wh, grouped by thousands as the certificate writes them ("150 000 Wh"). */
const whText = (wh: number): string => `${groupDigits(String(wh))} Wh`;

const COLOURS = ['#2a7f62', '#e0a100', '#3d6fb6', '#9c4f96', '#c2562b', '#5b8c2a', '#6b6b6b'];

const HOUR = 3600;
const DAY = 24 * HOUR;
/** Tick spacings uPlot may choose from, in seconds: whole hours, then whole days; never part of an hour. */
const TICK_SPACINGS = [1, 2, 3, 4, 6, 12].map((n) => n * HOUR).concat([1, 2, 7, 14, 28, 56, 91, 182, 364].map((n) => n * DAY));

/** The intervals' length (an hour, or 15 minutes with GRIDPROOF_INTERVAL=PT15M): the least step between two starts. */
function intervalOf(starts: readonly number[]): number {
  let least = Infinity;
  for (let i = 1; i < starts.length; i++) {
    const step = starts[i]! - starts[i - 1]!;
    if (step > 0 && step < least) least = step;
  }
  return Number.isFinite(least) ? least : HOUR;
}

/** uPlot's dates in UTC, whatever the browser's time zone (one with a half-hour offset would move every tick). */
const utcDate = (seconds: number): Date => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC');

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Time ticks in the 24-hour clock and day-month order used across the EU:
 * "06:00", a day's first tick also naming the day ("00:00" over "3 Jan"); at
 * a spacing of days, the day alone.
 */
function timeTicks(splits: number[], spacing: number): string[] {
  let shownDay = '';
  return splits.map((seconds) => {
    const at = new Date(seconds * 1000);
    const day = `${at.getUTCDate()} ${MONTHS[at.getUTCMonth()]}`;
    if (spacing >= DAY) return day;
    const clock = `${String(at.getUTCHours()).padStart(2, '0')}:00`;
    if (day === shownDay) return clock;
    shownDay = day;
    return `${clock}\n${day}`;
  });
}

/** The energy unit that keeps the y axis' numbers short: Wh, kWh, MWh or GWh, by the largest figure. */
function energyUnit(largest: number): { unit: string; per: number } {
  const units = [
    { unit: 'GWh', per: 1e9 },
    { unit: 'MWh', per: 1e6 },
    { unit: 'kWh', per: 1e3 },
  ];
  return units.find((u) => largest >= u.per) ?? { unit: 'Wh', per: 1 };
}

/** The widest a plot is drawn, in CSS px: wider, an hour's bar stops reading as one hour. */
const MAX_WIDTH = 960;
/** The narrowest: below it the axes' labels leave no room to plot. */
const MIN_WIDTH = 240;

/**
 * The width a plot drawn into `container` may take: the container's content
 * box (README "Web app": a plot takes the width of its column, from 360 px
 * up). clientWidth counts the container's padding, and a plot that wide runs
 * past the content on the right; in a 360 px viewport its last tick and its
 * legend were cut off. The container must be in the document; one that is
 * not yet gets `fallback`.
 */
export function plotWidth(container: HTMLElement, fallback = 900): number {
  const style = getComputedStyle(container);
  const content = container.clientWidth - parseFloat(style.paddingLeft || '0') - parseFloat(style.paddingRight || '0');
  return Math.floor(Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, container.isConnected && content > 0 ? content : fallback)));
}

/**
 * Legend words: the stacked series' prefix and the line's name (a tenant's
 * consumption, a device's export). uPlot's style sheet writes a colon after
 * each label, so a label holds none ("from wind-farm: 300 Wh").
 */
export interface PlotLabels {
  source: string;
  line: string;
}

export function hourlyPlot(series: HourlySeries, width: number, labels: PlotLabels = { source: 'from ', line: 'consumed' }): HTMLElement {
  const holder = document.createElement('div');
  holder.className = 'plot';
  const stacked: number[][] = [];
  let running = series.hours.map(() => 0);
  for (const s of series.bySource) {
    running = running.map((v, i) => v + s.wh[i]!);
    stacked.push(running);
  }
  // align 1: a bar starts at its interval's start instead of being centred on it.
  // A lone interval's bar covers its interval, the whole axis, like the line above it.
  const bars = uPlot.paths.bars!({ size: [0.9, series.hours.length === 1 ? Infinity : 40], align: 1 });
  // The line holds each interval's figure from its start to its end; the last step reaches the end of the axis.
  const steps = uPlot.paths.stepped!({ align: 1, extend: true });
  const sourceSeries: uPlot.Series[] = series.bySource.map((s, i) => ({
    label: `${labels.source}${s.device}`,
    stroke: COLOURS[i % COLOURS.length]!,
    fill: COLOURS[i % COLOURS.length]!,
    paths: bars,
    points: { show: false },
    value: (_u, _v, _si, idx) => {
      if (idx === null) return '';
      const part = partOf(series, s.wh, idx);
      return typeof part === 'number' ? whText(part) : part.words;
    },
  }));
  const largest = Math.max(0, ...series.consumed.map((v) => v ?? 0), ...(stacked.at(-1) ?? []));
  const { unit, per } = energyUnit(largest);
  // Days (src/web/model/daily-views.ts): the legend names the day, each figure that day's sum.
  const daily = series.step === 'day';
  const step = daily ? DAY : HOUR;
  const opts: uPlot.Options = {
    width,
    height: Math.round(Math.max(220, Math.min(360, width * 0.45))),
    series: [
      {
        label: daily ? 'day (UTC)' : 'hour (UTC)',
        value: (_u, v) =>
          v === null ? '' : daily ? new Date(v * 1000).toISOString().slice(0, 10) : new Date(v * 1000).toISOString().slice(0, 16).replace('T', ' '),
      },
      // Drawn back to front so each source's bar shows above the ones below it.
      ...sourceSeries.reverse(),
      // An hour without a reading is a gap in the line, not a step down to 0.
      {
        label: labels.line,
        stroke: '#111',
        // Thinner where points crowd (a year of days in a narrow column), so the bars below still show between its steps.
        width: series.hours.length * 2 > width ? 1 : 2,
        paths: steps,
        points: { show: false },
        gaps: (u, seriesIdx, _idx0, idx1, gaps) => {
          // uPlot drops trailing nulls before drawing, so `extend` would carry the last figure across
          // the unread hours after it to the axis' end: clip the line at the end of its last interval.
          if (u.data[seriesIdx]![idx1 + 1] !== null) return gaps;
          gaps.push([u.valToPos(series.hours[idx1 + 1]!, 'x', true), u.bbox.left + u.bbox.width]);
          return gaps;
        },
        value: (_u, v, _si, idx) => (idx === null ? '' : v === null ? NO_READING.words : whText(v)),
      },
    ],
    tzDate: utcDate,
    axes: [
      {
        incrs: TICK_SPACINGS,
        values: (_u, splits, _axis, _space, spacing) => timeTicks(splits, spacing),
        // The ticks drawn, as Unix seconds, for pages and tests to read (test/web).
        filter: (_u, splits) => {
          holder.dataset.ticks = splits.join(' ');
          return splits;
        },
      },
      { label: unit, size: 60, values: (_u, splits) => splits.map((v) => (v / per).toLocaleString('en-GB', { maximumFractionDigits: 2 })) },
    ],
    scales: {
      // From the first interval's start to the last one's end. uPlot widens a
      // lone point's scale by 86,400 of its units, which in seconds is a thousand
      // days, so a single interval is given its own width.
      x: {
        time: true,
        range: (_u, min, max) => (series.hours.length === 1 ? [series.hours[0]!, series.hours[0]! + step] : [min, max + intervalOf(series.hours)]),
      },
      // Bars start at 0 Wh, so their heights compare.
      y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.05 : 1] },
    },
    legend: { live: true },
  };
  holder.dataset.step = daily ? 'day' : 'hour';
  const data = [series.hours, ...[...stacked].reverse(), series.consumed] as uPlot.AlignedData;
  // uPlot measures its container; build it detached, then hand it over.
  new uPlot(opts, data, holder);
  return holder;
}

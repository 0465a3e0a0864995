/**
 * The hourly plot: the tenant's consumption as a line, matched supply by
 * source as stacked bars. uPlot draws on a canvas (no network, no fonts);
 * the stack is made by plotting cumulative sums, bars drawn back to front.
 */
import uPlot from 'uplot';
import type { HourlySeries } from '../model/bundle-view.ts';

const COLOURS = ['#2a7f62', '#e0a100', '#3d6fb6', '#9c4f96', '#c2562b', '#5b8c2a', '#6b6b6b'];

/** Legend words: the stacked series' prefix and the line's name (a tenant's consumption, a device's export). */
export interface PlotLabels {
  source: string;
  line: string;
}

export function hourlyPlot(series: HourlySeries, width: number, labels: PlotLabels = { source: 'matched: ', line: 'consumed' }): HTMLElement {
  const holder = document.createElement('div');
  holder.className = 'plot';
  const stacked: number[][] = [];
  let running = series.hours.map(() => 0);
  for (const s of series.bySource) {
    running = running.map((v, i) => v + s.wh[i]!);
    stacked.push(running);
  }
  const bars = uPlot.paths.bars!({ size: [0.9, 40] });
  const sourceSeries: uPlot.Series[] = series.bySource.map((s, i) => ({
    label: `${labels.source}${s.device}`,
    stroke: COLOURS[i % COLOURS.length]!,
    fill: COLOURS[i % COLOURS.length]!,
    paths: bars,
    points: { show: false },
    value: (_u, _v, _si, idx) => (idx === null ? '' : `${s.wh[idx]} Wh`),
  }));
  const opts: uPlot.Options = {
    width,
    height: Math.round(Math.max(220, Math.min(360, width * 0.45))),
    series: [
      { label: 'hour (UTC)', value: (_u, v) => (v === null ? '' : new Date(v * 1000).toISOString().slice(0, 16).replace('T', ' ')) },
      // Drawn back to front so each source's bar shows above the ones below it.
      ...sourceSeries.reverse(),
      { label: labels.line, stroke: '#111', width: 2, points: { show: false }, value: (_u, v) => (v === null ? '' : `${v} Wh`) },
    ],
    axes: [{}, { label: 'Wh', size: 70 }],
    // Bars start at 0 Wh, so their heights compare.
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.05 : 1] } },
    legend: { live: true },
  };
  const data = [series.hours, ...[...stacked].reverse(), series.consumed] as uPlot.AlignedData;
  // uPlot measures its container; build it detached, then hand it over.
  new uPlot(opts, data, holder);
  return holder;
}

/**
 * The plot's numbers as a table, one row per hour: what a screen reader or
 * keyboard user reads instead of the canvas, and what the generator page
 * shows as "where each hour's output went". An hour without any reading
 * reads "—" (its title and, for screen readers, its text: "no reading") in
 * every column, never "0", which is a measured zero (src/web/model/hourly-views.ts).
 */
import { NO_READING, type HourlySeries } from '../model/hourly-views.ts';
import { el } from './ui.ts';

const hourText = (t: number): string => new Date(t * 1000).toISOString().slice(0, 16).replace('T', ' ');

/** One Wh cell: the figure, or the no-reading mark with its words for a tooltip and for assistive technology. */
function whCell(wh: number | null): HTMLTableCellElement {
  if (wh !== null) return el('td', { class: 'num' }, String(wh));
  return el(
    'td',
    { class: 'num no-reading', title: NO_READING.words },
    el('span', { 'aria-hidden': 'true' }, NO_READING.mark),
    el('span', { class: 'sr-only' }, NO_READING.words),
  );
}

export function hourlyTable(id: string, series: HourlySeries, totalLabel: string): HTMLElement {
  const head = el('tr', {}, el('th', { scope: 'col' }, 'Hour (UTC)'), el('th', { scope: 'col' }, `${totalLabel} (Wh)`));
  for (const s of series.bySource) head.append(el('th', { scope: 'col' }, `${s.device} (Wh)`));
  const body = el('tbody');
  series.hours.forEach((t, i) => {
    const total = series.consumed[i] ?? null;
    const row = el('tr', {}, el('td', {}, hourText(t)), whCell(total));
    // Nothing was read, so nothing was matched or sent anywhere either: the whole row has no figure.
    for (const s of series.bySource) row.append(whCell(total === null ? null : s.wh[i]!));
    body.append(row);
  });
  return el('div', { class: 'table-wrap' }, el('table', { id }, el('thead', {}, head), body));
}

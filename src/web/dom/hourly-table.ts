/**
 * The plot's numbers as a table, one row per hour: what a screen reader or
 * keyboard user reads instead of the canvas, and what the generator page
 * shows as "where each hour's output went".
 */
import type { HourlySeries } from '../model/hourly-views.ts';
import { el } from './ui.ts';

const hourText = (t: number): string => new Date(t * 1000).toISOString().slice(0, 16).replace('T', ' ');

export function hourlyTable(id: string, series: HourlySeries, totalLabel: string): HTMLElement {
  const head = el('tr', {}, el('th', { scope: 'col' }, 'Hour (UTC)'), el('th', { scope: 'col' }, `${totalLabel} (Wh)`));
  for (const s of series.bySource) head.append(el('th', { scope: 'col' }, `${s.device} (Wh)`));
  const body = el('tbody');
  series.hours.forEach((t, i) => {
    const row = el('tr', {}, el('td', {}, hourText(t)), el('td', { class: 'num' }, String(series.consumed[i])));
    for (const s of series.bySource) row.append(el('td', { class: 'num' }, String(s.wh[i])));
    body.append(row);
  });
  return el('div', { class: 'table-wrap' }, el('table', { id }, el('thead', {}, head), body));
}

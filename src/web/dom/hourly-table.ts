/**
 * The plot's numbers as a table, one row per hour: what a screen reader or
 * keyboard user reads instead of the canvas, and what the generator page
 * shows as "where each hour's output went". An hour without any reading
 * reads "—" (its title and, for screen readers, its text: "no reading") in
 * every column, never "0", which is a measured zero; an hour read but not
 * matched yet reads "pending" ("not matched yet") where its output went
 * (generator) or its green supply came from (tenant), never "0", which is
 * fully matched or, for a tenant, matched with no green supply
 * (src/web/model/hourly-views.ts).
 */
import { groupDigits } from '../../domain/count.ts';
import { NO_READING, partOf, type HourlySeries, type HourPart } from '../model/hourly-views.ts';
import { el } from './ui.ts';

const hourText = (t: number): string => new Date(t * 1000).toISOString().slice(0, 16).replace('T', ' ');

/**
 * One Wh cell: the figure grouped by thousands as the plot's legend and the
 * certificate write it ("150 000"), or the mark of why there is none with its
 * words for a tooltip and for assistive technology.
 */
function whCell(part: HourPart): HTMLTableCellElement {
  if (typeof part === 'number') return el('td', { class: 'num' }, groupDigits(String(part)));
  return el(
    'td',
    { class: `num ${part === NO_READING ? 'no-reading' : 'not-matched'}`, title: part.words },
    el('span', { 'aria-hidden': 'true' }, part.mark),
    el('span', { class: 'sr-only' }, part.words),
  );
}

export function hourlyTable(id: string, series: HourlySeries, totalLabel: string): HTMLElement {
  const head = el('tr', {}, el('th', { scope: 'col' }, 'Hour (UTC)'), el('th', { scope: 'col' }, `${totalLabel} (Wh)`));
  for (const s of series.bySource) head.append(el('th', { scope: 'col' }, `${s.device} (Wh)`));
  const body = el('tbody');
  series.hours.forEach((t, i) => {
    const total = series.consumed[i] ?? null;
    const row = el('tr', {}, el('td', {}, hourText(t)), whCell(total ?? NO_READING));
    // What each part shows (a figure, no reading, not matched yet) is the model's one rule.
    for (const s of series.bySource) row.append(whCell(partOf(series, s.wh, i)));
    body.append(row);
  });
  return el('div', { class: 'table-wrap' }, el('table', { id, class: 'hourly' }, el('thead', {}, head), body));
}

/**
 * The certificate's hourly chart: one bar per hour, its height the hour's
 * consumption, its filled part the matched share (the CFE score), drawn as
 * inline SVG so the page makes no request and prints as vectors. The y axis
 * is labelled at round steps (1, 2 or 5 × 10ⁿ Wh) in one unit, written as
 * the certificate writes every figure (figures.ts).
 */
import type { FactHour } from '../bundle/facts-types.ts';
import { scaledWh } from './figures.ts';

const W = 680;
const H = 100;
/** Room left of the bars for the y-axis labels. */
const PAD = 40;
/** The plot's top: room above it for the unit. */
const TOP = 20;

/** The y axis: its top (a whole number of steps, at least the largest figure) and its step. */
export function yAxis(max: bigint): { top: bigint; step: bigint } {
  if (max <= 0n) return { top: 0n, step: 0n };
  // At most 4 steps up to the top, so the labels never crowd.
  for (let power = 1n; ; power *= 10n)
    for (const m of [1n, 2n, 5n]) {
      const step = m * power;
      if (step * 4n >= max) return { top: ((max + step - 1n) / step) * step, step };
    }
}

export function cfeChart(hours: readonly FactHour[]): string {
  const max = hours.reduce((m, h) => (BigInt(h.consumedWh) > m ? BigInt(h.consumedWh) : m), 0n);
  const { top, step: tick } = yAxis(max);
  const step = (W - PAD) / Math.max(hours.length, 1);
  const y = (wh: bigint): number => (top === 0n ? 0 : (Number((wh * 10000n) / top) / 10000) * (H - TOP));
  const ticks: bigint[] = [];
  for (let v = 0n; tick > 0n && v <= top; v += tick) ticks.push(v);
  const labels = scaledWh(ticks.length > 0 ? ticks : [0n], tick, top);
  const axis = labels.values
    .map((label, i) => {
      const at = (H - y(ticks[i] ?? 0n)).toFixed(2);
      return (
        (i === 0 ? '' : `<line x1="${PAD}" y1="${at}" x2="${W}" y2="${at}" stroke="#c8d3cc" stroke-width="0.4"/>`) +
        `<text x="${PAD - 4}" y="${at}" dy="3" font-size="9" fill="#555" text-anchor="end">${label}</text>`
      );
    })
    .join('');
  const bars = hours
    .map((h, i) => {
      const x = (PAD + i * step).toFixed(2);
      const w = Math.max(step - (step > 3 ? 1 : 0), 0.5).toFixed(2);
      const c = y(BigInt(h.consumedWh));
      const m = y(BigInt(h.matchedWh));
      return (
        `<rect x="${x}" y="${(H - c).toFixed(2)}" width="${w}" height="${c.toFixed(2)}" fill="#d9dee3"/>` +
        `<rect x="${x}" y="${(H - m).toFixed(2)}" width="${w}" height="${m.toFixed(2)}" fill="#1f7a4d"/>`
      );
    })
    .join('');
  const first = hours[0]?.start.slice(0, 16).replace('T', ' ') ?? '';
  const last = hours[hours.length - 1]?.end.slice(0, 16).replace('T', ' ') ?? '';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H + 16}" width="100%" role="img" aria-label="Hourly consumption and matched carbon-free energy, in ${labels.unit} per hour">` +
    axis +
    `<text x="${PAD - 4}" y="9" font-size="9" fill="#555" text-anchor="end">${labels.unit}</text>` +
    bars +
    `<line x1="${PAD}" y1="${H}" x2="${W}" y2="${H}" stroke="#555" stroke-width="0.6"/>` +
    `<line x1="${PAD}" y1="${TOP}" x2="${PAD}" y2="${H}" stroke="#555" stroke-width="0.6"/>` +
    `<text x="${PAD}" y="${H + 12}" font-size="9" fill="#555">${first} UTC</text>` +
    `<text x="${W}" y="${H + 12}" font-size="9" fill="#555" text-anchor="end">${last} UTC</text></svg>`
  );
}

/**
 * The certificate's hourly chart: one bar per hour, its height the hour's
 * consumption, its filled part the matched share (the CFE score), drawn as
 * inline SVG so the page makes no request and prints as vectors.
 */
import type { FactHour } from '../bundle/facts-types.ts';

const W = 680;
const H = 100;
const PAD = 28;

export function cfeChart(hours: readonly FactHour[]): string {
  const max = hours.reduce((m, h) => (BigInt(h.consumedWh) > m ? BigInt(h.consumedWh) : m), 0n);
  const step = (W - PAD) / Math.max(hours.length, 1);
  const y = (wh: string): number => (max === 0n ? 0 : (Number((BigInt(wh) * 10000n) / max) / 10000) * (H - 20));
  const bars = hours
    .map((h, i) => {
      const x = (PAD + i * step).toFixed(2);
      const w = Math.max(step - (step > 3 ? 1 : 0), 0.5).toFixed(2);
      const c = y(h.consumedWh);
      const m = y(h.matchedWh);
      return (
        `<rect x="${x}" y="${(H - c).toFixed(2)}" width="${w}" height="${c.toFixed(2)}" fill="#d9dee3"/>` +
        `<rect x="${x}" y="${(H - m).toFixed(2)}" width="${w}" height="${m.toFixed(2)}" fill="#1f7a4d"/>`
      );
    })
    .join('');
  const first = hours[0]?.start.slice(0, 16).replace('T', ' ') ?? '';
  const last = hours[hours.length - 1]?.end.slice(0, 16).replace('T', ' ') ?? '';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H + 16}" width="100%" role="img" aria-label="Hourly consumption and matched carbon-free energy">` +
    `<line x1="${PAD}" y1="${H}" x2="${W}" y2="${H}" stroke="#555" stroke-width="0.6"/>` +
    `<text x="0" y="12" font-size="9" fill="#555">Wh</text>` +
    bars +
    `<text x="${PAD}" y="${H + 12}" font-size="9" fill="#555">${first} UTC</text>` +
    `<text x="${W}" y="${H + 12}" font-size="9" fill="#555" text-anchor="end">${last} UTC</text></svg>`
  );
}

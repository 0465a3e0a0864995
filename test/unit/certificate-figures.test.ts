/**
 * The certificate's figures (src/domain/certificate/figures.ts) and its
 * chart's y axis: round steps, at most four, a top at or above the largest
 * hour, labels in one unit with the same decimals.
 */
import t from 'tap';
import { cfeChart, yAxis } from '../../src/domain/certificate/cfe-chart.ts';
import { percent, scaledWh, wh } from '../../src/domain/certificate/figures.ts';

t.test('figures: Wh exact and grouped, a share to one decimal', async (t) => {
  t.equal(wh('1172443522'), '1 172 443 522 Wh');
  t.equal(percent(0.877), '87.7 %');
  t.equal(percent(0.78649), '78.6 %');
  t.equal(percent(1), '100.0 %');
});

t.test('the y axis: round steps up to a top at or above the largest hour', async (t) => {
  t.same(yAxis(0n), { top: 0n, step: 0n });
  t.same(yAxis(5_900_000n), { top: 6_000_000n, step: 2_000_000n });
  t.same(yAxis(1_000n), { top: 1_000n, step: 500n });
  t.same(yAxis(1_800_000n), { top: 2_000_000n, step: 500_000n });
  t.same(yAxis(7n), { top: 8n, step: 2n });
  t.same(scaledWh([0n, 2_000_000n, 4_000_000n, 6_000_000n], 2_000_000n, 6_000_000n), { unit: 'MWh', values: ['0', '2', '4', '6'] });
  t.same(scaledWh([0n, 500_000n, 1_000_000n], 500_000n, 2_000_000n), { unit: 'MWh', values: ['0.0', '0.5', '1.0'] });
  t.same(scaledWh([0n, 500n, 1_000n], 500n, 1_000n), { unit: 'kWh', values: ['0.0', '0.5', '1.0'] });
  t.same(scaledWh([0n, 2n, 4n, 6n, 8n], 2n, 8n), { unit: 'Wh', values: ['0', '2', '4', '6', '8'] });
  const svg = cfeChart([
    { start: '2025-01-01T00:00:00Z', end: '2025-01-01T01:00:00Z', consumedWh: '5900000', matchedWh: '100', cfeScore: 0, gCO2PerKWh: null, sources: [] },
  ]);
  for (const label of ['0', '2', '4', '6', 'MWh']) t.match(svg, `text-anchor="end">${label}</text>`, `label ${label}`);
});

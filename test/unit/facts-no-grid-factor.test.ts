import t from 'tap';
import { cbamView } from '../../src/domain/bundle/facts-cbam.ts';
import { gramsCo2, NO_GRID_FACTOR } from '../../src/domain/bundle/facts-summary.ts';
import type { FactHour } from '../../src/domain/bundle/facts-types.ts';

const hour = (h: number, consumedWh: string, gCO2PerKWh: number | null): FactHour => ({
  start: `2025-01-01T0${h}:00:00Z`,
  end: `2025-01-01T0${h + 1}:00:00Z`,
  consumedWh,
  matchedWh: '0',
  cfeScore: 0,
  gCO2PerKWh,
  sources: [],
});

t.test('CBAM view: grid Wh in an hour without a factor makes the emissions unknown, not smaller', async (t) => {
  const known = cbamView(
    [hour(0, '1000', 400), hour(1, '500', null)],
    [{ start: '2025-01-01T01:00:00Z', device: 'wind-1', connection: 'park-grid', wh: 500n }],
  );
  t.same(known.totals.gridEmissionsG, '400', 'the hour without a factor drew nothing from the grid');
  t.equal(known.hours[1]!.gridEmissionsG, '0');
  const unknown = cbamView([hour(0, '1000', 400), hour(1, '500', null)], []);
  t.equal(unknown.hours[0]!.gridEmissionsG, '400');
  t.equal(unknown.hours[1]!.gridEmissionsG, null);
  t.equal(unknown.totals.gridEmissionsG, null);
  t.equal(unknown.gCO2PerMWh, null);
  t.equal(unknown.totals.gridWh, '1500', 'the energy figures stand');
});

t.test('emissions text: grouped grams, or why there is none', async (t) => {
  t.equal(gramsCo2('1234567'), '1 234 567 g CO₂');
  t.equal(gramsCo2(null), NO_GRID_FACTOR);
  t.equal(NO_GRID_FACTOR, 'no grid emission factor logged');
});

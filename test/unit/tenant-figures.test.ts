import assert from 'node:assert/strict';
import fc from 'fast-check';
import t from 'tap';
import { allocationsOf } from '../../src/domain/allocation-id.ts';
import type { DeviceType } from '../../src/domain/payloads.ts';
import { gridFactorAt, tenantFigures, type FigureAllocation, type FigureReading, type GridFactor } from '../../src/domain/tenant-figures.ts';
import { bytes, fixedHash as h, parkArbitrary, random, runPark, shuffle } from '../helpers/matching-park.ts';

const at = (hour: number) => `2025-01-01T${String(hour).padStart(2, '0')}:00:00Z`;
const read = (letter: string, hour: number, zone: string, importWh: bigint): FigureReading => ({
  leafHash: h(letter),
  start: at(hour),
  end: at(hour + 1),
  zone,
  importWh,
});
const alloc = (letter: string, wh: bigint, device: string, type: DeviceType, technology?: string): FigureAllocation =>
  technology === undefined ? { sink: h(letter), wh, device, type } : { sink: h(letter), wh, device, type, technology };

const factors: GridFactor[] = [
  { zone: 'DE-LU', gCO2PerKWh: 400, validFrom: at(0), index: 5 },
  { zone: 'DE-LU', gCO2PerKWh: 350, validFrom: at(11), index: 7 },
  { zone: 'DE-LU', gCO2PerKWh: 999, validFrom: at(11), index: 6 },
  { zone: 'DE-LU', gCO2PerKWh: 100, validFrom: '2025-01-02T00:00:00Z', index: 8 },
];

t.test('grid factor: latest validFrom ≤ start, later log index on a tie', async (t) => {
  t.equal(gridFactorAt(factors, 'DE-LU', at(10)), 400);
  t.equal(gridFactorAt(factors, 'DE-LU', at(11)), 350, 'validFrom equal to the start counts; index 7 corrects index 6');
  t.equal(gridFactorAt(factors, 'DE-LU', '2025-01-02T00:00:00Z'), 100);
  t.equal(gridFactorAt(factors, 'FR', at(10)), null, 'no zone entry for FR: no factor, not an error');
  t.equal(gridFactorAt(factors, 'DE-LU', '2024-12-31T23:00:00Z'), null, 'nothing valid before the first validFrom');
  t.throws(() => gridFactorAt([{ zone: 'FR', gCO2PerKWh: 1.5, validFrom: at(0), index: 1 }], 'FR', at(10)), { code: 'bad-request' });
});

t.test('hand-checked figures', async (t) => {
  const readings = [
    read('C', 10, 'DE-LU', 1000n),
    read('D', 10, 'FR', 500n),
    read('E', 11, 'DE-LU', 401n), // late: consumed, unmatched
    read('F', 9, 'DE-LU', 0n),
  ];
  const allocations = [
    alloc('C', 300n, 'wind-1', 'wind', 'T020002'),
    alloc('C', 200n, 'solar-1', 'solar', 'T010101'),
    alloc('C', 100n, 'wind-1', 'wind', 'T020002'),
    alloc('D', 500n, 'bat-1', 'storage'), // a battery may declare no technology
  ];
  const figures = tenantFigures({ readings, allocations, factors });
  t.same(figures, {
    intervals: [
      { start: at(9), end: at(10), consumedWh: '0', matchedWh: '0', cfeScore: 0, bySource: [] },
      {
        start: at(10),
        end: at(11),
        consumedWh: '1500',
        matchedWh: '1100',
        cfeScore: 0.733333,
        bySource: [
          { device: 'bat-1', type: 'storage', wh: '500' },
          { device: 'solar-1', type: 'solar', technology: 'T010101', wh: '200' },
          { device: 'wind-1', type: 'wind', technology: 'T020002', wh: '400' },
        ],
      },
      { start: at(11), end: at(12), consumedWh: '401', matchedWh: '0', cfeScore: 0, bySource: [] },
    ],
    // C: 400 Wh × 400 g/kWh + E: 401 Wh × 350 g/kWh = 300 350 mg → 300 g; FR is fully matched, so it needs no factor.
    totals: { consumedWh: '1901', matchedWh: '1100', cfeScore: 0.578643, unmatchedEmissionsG: '300' },
  });
  const next = random(3);
  t.equal(
    bytes(tenantFigures({ readings: shuffle(readings, next), allocations: shuffle(allocations, next), factors: shuffle(factors, next) })),
    bytes(figures),
    'order-free',
  );
  t.same(tenantFigures({ readings: [], allocations: [], factors: [] }).totals, { consumedWh: '0', matchedWh: '0', cfeScore: 0, unmatchedEmissionsG: '0' });
});

t.test('refuses inconsistent input', async (t) => {
  const r = read('C', 10, 'DE-LU', 100n);
  t.throws(
    () => tenantFigures({ readings: [r], allocations: [alloc('Z', 1n, 'w', 'wind', 'T1')], factors }),
    { code: 'bad-request' },
    'allocation to another reading',
  );
  t.throws(
    () => tenantFigures({ readings: [r], allocations: [alloc('C', 101n, 'w', 'wind', 'T1')], factors }),
    { code: 'bad-request' },
    'matched beyond import',
  );
  t.throws(() => tenantFigures({ readings: [r, r], allocations: [], factors }), { code: 'bad-request' }, 'a reading twice');
});

t.test('no grid factor: the matching stands, emissions are null and a warning says why', async (t) => {
  const unmatched = tenantFigures({
    readings: [read('C', 12, 'FR', 100n), read('D', 10, 'FR', 50n), read('E', 10, 'DE-LU', 70n)],
    allocations: [alloc('C', 40n, 'w', 'wind', 'T1')],
    factors,
  });
  t.same(unmatched.totals, { consumedWh: '220', matchedWh: '40', cfeScore: 0.181818, unmatchedEmissionsG: null });
  t.same(
    unmatched.warnings,
    [{ code: 'no-grid-factor', detail: `no zone entry gives a grid factor for FR at ${at(10)}: unmatched emissions are unknown` }],
    'one warning per zone, at its first hour',
  );
  t.equal(unmatched.intervals.length, 2);
  const matched = tenantFigures({ readings: [read('C', 10, 'FR', 100n)], allocations: [alloc('C', 100n, 'w', 'wind', 'T1')], factors: [] });
  t.same(matched.totals.unmatchedEmissionsG, '0', 'fully matched: no factor needed');
  t.notOk('warnings' in matched, 'no warning when nothing is missing');
});

const figureInput = fc
  .record({
    readings: fc.uniqueArray(
      fc.record({
        hour: fc.integer({ min: 0, max: 5 }),
        meter: fc.integer({ min: 0, max: 3 }),
        zone: fc.constantFrom('DE-LU', 'FR'),
        importWh: fc.bigInt(0n, 5000n),
      }),
      { selector: (r) => `${r.hour} ${r.meter}`, maxLength: 12 },
    ),
    factors: fc.array(fc.record({ zone: fc.constantFrom('DE-LU', 'FR'), gCO2PerKWh: fc.integer({ min: 0, max: 900 }), hour: fc.integer({ min: 0, max: 5 }) }), {
      maxLength: 6,
    }),
    seed: fc.integer(),
  })
  .chain(({ readings, factors, seed }) => {
    const rs = readings.map((r) => ({ leafHash: `r${r.meter}-${r.hour}`, start: at(r.hour), end: at(r.hour + 1), zone: r.zone, importWh: r.importWh }));
    // Each zone has a factor from hour 0 so every unmatched Wh has one.
    const fs = [
      { zone: 'DE-LU', gCO2PerKWh: 300, validFrom: at(0), index: 0 },
      { zone: 'FR', gCO2PerKWh: 50, validFrom: at(0), index: 1 },
      ...factors.map((f, i) => ({ zone: f.zone, gCO2PerKWh: f.gCO2PerKWh, validFrom: at(f.hour), index: i + 2 })),
    ];
    const allocations = fc.tuple(
      ...rs.map((r) =>
        fc.array(fc.record({ device: fc.constantFrom('wind-1', 'solar-1', 'bat-1'), part: fc.integer({ min: 0, max: 33 }) }), { maxLength: 3 }).map((parts) =>
          parts.map((p): FigureAllocation => {
            const allocation = {
              sink: r.leafHash,
              wh: (r.importWh * BigInt(p.part)) / 100n,
              device: p.device,
              type: (p.device === 'bat-1' ? 'storage' : p.device.slice(0, p.device.indexOf('-'))) as DeviceType,
            };
            // A battery may declare no technology: sometimes bat-1 comes with one and without, so both sort in one interval.
            return p.device === 'bat-1' && p.part % 2 === 0 ? allocation : { ...allocation, technology: `T${p.device.length}` };
          }),
        ),
      ),
    );
    return fc.record({ readings: fc.constant(rs), factors: fc.constant(fs), allocations: allocations.map((a) => a.flat()), seed: fc.constant(seed) });
  });

t.test('properties of tenant figures', async (t) => {
  let emitting = 0;
  fc.assert(
    fc.property(figureInput, ({ readings, factors, allocations, seed }) => {
      const figures = tenantFigures({ readings, allocations, factors });
      const next = random(seed);
      assert.equal(
        bytes(tenantFigures({ readings: shuffle(readings, next), allocations: shuffle(allocations, next), factors: shuffle(factors, next) })),
        bytes(figures),
        'same bytes in any order',
      );

      const sum = (xs: bigint[]) => xs.reduce((s, x) => s + x, 0n);
      const consumed = sum(readings.map((r) => r.importWh));
      const matched = sum(allocations.map((a) => a.wh));
      assert.equal(figures.totals.consumedWh, String(consumed));
      assert.equal(figures.totals.matchedWh, String(matched));
      assert.equal(figures.totals.consumedWh, String(sum(figures.intervals.map((i) => BigInt(i.consumedWh)))), 'totals are the sum of the intervals');
      assert.equal(figures.totals.matchedWh, String(sum(figures.intervals.map((i) => BigInt(i.matchedWh)))));
      assert.ok(figures.totals.cfeScore >= 0 && figures.totals.cfeScore <= 1, 'cfe in [0, 1]');
      // Rounded half up to 6 decimals: within 5e-7 of the exact ratio, give or take the float error of
      // computing the ratio here (a ratio ending in exactly 5 at the 7th decimal lands on the bound).
      assert.ok(Math.abs(figures.totals.cfeScore - (consumed === 0n ? 0 : Number(matched) / Number(consumed))) <= 5e-7 + 1e-12);
      assert.equal(figures.totals.cfeScore, Number(figures.totals.cfeScore.toFixed(6)));
      for (const i of figures.intervals) {
        assert.ok(i.cfeScore >= 0 && i.cfeScore <= 1);
        assert.equal(i.matchedWh, String(sum(i.bySource.map((s) => BigInt(s.wh)))), 'by source adds up to matched');
        const keys = i.bySource.map((s) => JSON.stringify([s.device, s.type, s.technology ?? null]));
        assert.deepEqual(keys, [...new Set(keys)].sort(), 'one row per source, in the order of [device, type, technology] as JSON');
      }
      const starts = figures.intervals.map((i) => i.start);
      assert.deepEqual(starts, [...new Set(starts)].sort(), 'intervals unique and sorted');
      // Emissions: each reading's unmatched Wh at the factor with the latest validFrom ≤ its start, ties to the higher index.
      let milli = 0n;
      for (const r of readings) {
        const valid = factors
          .filter((f) => f.zone === r.zone && f.validFrom <= r.start)
          .sort((a, b) => (a.validFrom === b.validFrom ? a.index - b.index : a.validFrom < b.validFrom ? -1 : 1));
        milli += (r.importWh - sum(allocations.filter((a) => a.sink === r.leafHash).map((a) => a.wh))) * BigInt(valid.at(-1)?.gCO2PerKWh ?? NaN);
      }
      assert.equal(figures.totals.unmatchedEmissionsG, String(milli / 1000n), 'emissions rounded down once');
      if (milli > 0n) emitting++;
    }),
    { numRuns: 2000 },
  );
  t.ok(emitting > 1000, `${emitting} cases with emissions`);
});

t.test('figures of matched park sequences agree with the allocations', async (t) => {
  let tenants = 0;
  fc.assert(
    fc.property(parkArbitrary, (park) => {
      const steps = runPark(park);
      for (const owner of ['t1', 't2', 't3']) {
        const readings = steps.flatMap((s) =>
          s.input.readings
            .filter((r) => r.deviceType === 'consumption' && r.owner === owner)
            .map((r) => ({ leafHash: r.leafHash, start: s.input.start, end: s.input.end, zone: s.input.zone, importWh: r.importWh })),
        );
        const mine = new Set(readings.map((r) => r.leafHash));
        const allocations = steps.flatMap((s) =>
          (s.plan === undefined ? [] : allocationsOf(s.plan))
            .filter((a) => mine.has(a.sink))
            .map((a) => {
              const source = s.input.readings.find((r) => r.leafHash === a.source);
              return { sink: a.sink, wh: BigInt(a.wh), device: source?.device ?? '', type: source?.deviceType ?? 'wind', technology: 'T020002' };
            }),
        );
        const figures = tenantFigures({ readings, allocations, factors: [{ zone: 'DE-LU', gCO2PerKWh: 380, validFrom: at(0), index: 0 }] });
        assert.equal(figures.totals.matchedWh, String(allocations.reduce((s, a) => s + a.wh, 0n)));
        assert.ok(BigInt(figures.totals.matchedWh) <= BigInt(figures.totals.consumedWh), 'matched ≤ consumed');
        if (readings.length > 0) tenants++;
      }
    }),
    { numRuns: 500 },
  );
  t.ok(tenants > 500, `${tenants} tenant views`);
});

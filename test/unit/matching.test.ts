import assert from 'node:assert/strict';
import fc from 'fast-check';
import t from 'tap';
import { planInterval, type IntervalInput, type MatchReading } from '../../src/domain/matching.ts';
import { allocationsOf } from '../../src/domain/allocation-id.ts';
import type { SettlementPayload } from '../../src/domain/payloads.ts';
import { splitProRata } from '../../src/domain/pro-rata.ts';
import { chargeCapWh, lotWh } from '../../src/domain/storage-lots.ts';
import { checkStep } from '../helpers/matching-invariants.ts';
import { bytes, fixedHash as h, LOG, parkArbitrary, permuteInput, random, runPark, shuffle, ZONE } from '../helpers/matching-park.ts';

const RUNS = 3000;

const reading = (letter: string, device: string, deviceType: MatchReading['deviceType'], owner: string, importWh: bigint, exportWh: bigint): MatchReading => ({
  leafHash: h(letter),
  device,
  deviceType,
  owner,
  importWh,
  exportWh,
});

const base = { log: LOG, start: '2025-01-01T10:00:00Z', end: '2025-01-01T11:00:00Z', zone: ZONE };
const interval = (over: Partial<IntervalInput>): IntervalInput => ({ ...base, readings: [], contracts: [], storage: [], lots: [], ...over });
const brief = (plan: SettlementPayload | undefined) =>
  (plan === undefined ? [] : allocationsOf(plan)).map((a) => ({
    source: a.source[0],
    sink: a.sink[0],
    wh: a.wh,
    rule: a.rule,
    contract: a.contract?.[0],
    draws: a.draws?.map((d) => `${d.allocation[0]}:${d.wh}`),
  }));

t.test('pro-rata split', async (t) => {
  t.same(
    splitProRata(10n, [
      { key: 'b', cap: 5n },
      { key: 'a', cap: 5n },
      { key: 'c', cap: 5n },
    ]),
    [3n, 4n, 3n],
    'tie: lowest key gets the unit',
  );
  t.same(
    splitProRata(4n, [
      { key: 'x', cap: 1n },
      { key: 'y', cap: 2n },
      { key: 'z', cap: 3n },
    ]),
    [1n, 1n, 2n],
    'largest remainder 4/6 beats 2/6',
  );
  t.same(
    splitProRata(9n, [
      { key: 'x', cap: 3n },
      { key: 'y', cap: 4n },
    ]),
    [3n, 4n],
    'amount above Σcap: everyone gets its cap',
  );
  t.same(splitProRata(0n, [{ key: 'x', cap: 3n }]), [0n]);
  t.same(splitProRata(5n, []), []);

  const claimants = fc.uniqueArray(fc.record({ key: fc.string({ maxLength: 3 }), cap: fc.bigInt(0n, 1000n) }), { selector: (c) => c.key, maxLength: 8 });
  fc.assert(
    fc.property(claimants, fc.bigInt(0n, 5000n), fc.integer(), (cs, amount, seed) => {
      const shares = splitProRata(amount, cs);
      const total = cs.reduce((s, c) => s + c.cap, 0n);
      assert.equal(
        shares.reduce((s, x) => s + x, 0n),
        amount < total ? amount : total,
        'exactly the amount',
      );
      cs.forEach((c, i) => {
        const share = shares[i] ?? -1n;
        assert.ok(share >= 0n && share <= c.cap, 'within the cap');
        // Within one unit of the exact proportional share, never below its floor.
        if (amount < total) assert.ok(share * total >= amount * c.cap - total + 1n && share * total < amount * c.cap + total, 'one unit of the exact share');
      });
      if (amount < total) {
        // Largest remainder: whoever got an extra unit had a remainder ≥ anyone's who did not.
        const extra = cs.map((c, i) => (shares[i] ?? 0n) > (amount * c.cap) / total);
        const rem = cs.map((c) => (amount * c.cap) % total);
        cs.forEach((a, i) =>
          cs.forEach((b, j) => {
            if (extra[i] && !extra[j]) assert.ok((rem[i] ?? 0n) > (rem[j] ?? 0n) || (rem[i] === rem[j] && a.key < b.key), 'largest remainder, ties by key');
          }),
        );
      }
      const order = shuffle(
        cs.map((_, i) => i),
        random(seed),
      );
      const permuted = splitProRata(
        amount,
        order.map((i) => cs[i]!),
      );
      order.forEach((i, k) => assert.equal(permuted[k], shares[i], 'order of claimants does not matter'));
    }),
    { numRuns: 300 },
  );
});

t.test('hand-checked interval: contracts, share cap, pool, FIFO discharge, tenants before storage', async (t) => {
  // Leaf-hash order is the letter order: B < C < D < E < S < W.
  const input = interval({
    readings: [
      reading('W', 'wind-1', 'wind', 'gen', 0n, 1000n),
      reading('S', 'solar-1', 'solar', 'gen', 0n, 300n),
      reading('B', 'bat-1', 'storage', 'gen', 500n, 200n),
      reading('C', 'meter-1', 'consumption', 'tA', 400n, 0n),
      reading('D', 'meter-2', 'consumption', 'tA', 200n, 0n),
      reading('E', 'meter-3', 'consumption', 'tB', 500n, 0n),
    ],
    contracts: [
      { leafHash: h('Q'), device: 'solar-1', tenant: 'tA', priority: 2 },
      { leafHash: h('P'), device: 'wind-1', tenant: 'tB', priority: 1, shareBp: 4000 },
    ],
    storage: [{ device: 'bat-1', efficiencyBp: 9000, energyCapacityWh: 1000n }],
    lots: [
      { allocation: h('L'), device: 'bat-1', remainingWh: 150n },
      { allocation: h('M'), device: 'bat-1', remainingWh: 100n },
    ],
  });
  const plan = planInterval(input);
  t.same(brief(plan), [
    // Sources by leaf hash (B, S, W). Battery: green 200 = min(export 200, held 250), all pool,
    // pro rata to what the contracts left (C 200, D 100, E 100); its lots are drawn FIFO.
    { source: 'B', sink: 'C', wh: '100', rule: 'pool', contract: undefined, draws: ['L:100'] },
    { source: 'B', sink: 'D', wh: '50', rule: 'pool', contract: undefined, draws: ['L:50'] },
    { source: 'B', sink: 'E', wh: '50', rule: 'pool', contract: undefined, draws: ['M:50'] },
    // Q: all of solar's 300 to tA's meters pro rata 400:200.
    { source: 'S', sink: 'C', wh: '200', rule: 'contract', contract: 'Q', draws: undefined },
    { source: 'S', sink: 'D', wh: '100', rule: 'contract', contract: 'Q', draws: undefined },
    // P: 40 % of wind's 1000 = 400 to tB's only meter.
    { source: 'W', sink: 'E', wh: '400', rule: 'contract', contract: 'P', draws: undefined },
    // Wind's 600 left: tenants' 200 first, then 400 charges the battery (cap 834 > import 500).
    { source: 'W', sink: 'B', wh: '400', rule: 'pool', contract: undefined, draws: undefined },
    { source: 'W', sink: 'C', wh: '100', rule: 'pool', contract: undefined, draws: undefined },
    { source: 'W', sink: 'D', wh: '50', rule: 'pool', contract: undefined, draws: undefined },
    { source: 'W', sink: 'E', wh: '50', rule: 'pool', contract: undefined, draws: undefined },
  ]);
  t.same(
    plan?.sources.map((s) => [s.reading, s.supplyWh, s.allocatedWh]),
    [
      [h('B'), '200', '200'],
      [h('S'), '300', '300'],
      [h('W'), '1000', '1000'],
    ],
    'every supply reading with its export and Σ allocated',
  );
  t.same(plan?.sources[2]?.allocations[0], { contract: h('P'), sink: 3, wh: '400' }, 'whole allocation: its sink by position, its rule by its contract');
  t.same(
    { ...plan, sources: [] },
    { kind: 'settlement', ...base, sinks: [h('B'), h('C'), h('D'), h('E')], sources: [] },
    'one settlement of the interval and zone, its sinks by leaf hash',
  );
  t.equal(bytes(planInterval(permuteInput(input, 7))), bytes(plan), 'same bytes for a permuted input');
});

t.test('hand-checked storage limits', async (t) => {
  const storage = [{ device: 'bat-1', efficiencyBp: 5000, energyCapacityWh: 100n }];
  // Capacity 100 at 50 %: 200 Wh store 100 Wh; 201 Wh would store 100.5 Wh, which does not fit
  // (even though its lot would round down to 100).
  t.equal(chargeCapWh(storage[0]!, 0n), 200n);
  t.equal(chargeCapWh(storage[0]!, 99n), 2n);
  t.equal(chargeCapWh(storage[0]!, 100n), 0n);
  t.equal(lotWh(201n, 5000), 100n);
  const charge = planInterval(
    interval({ storage, readings: [reading('W', 'wind-1', 'wind', 'gen', 0n, 1000n), reading('B', 'bat-1', 'storage', 'gen', 1000n, 0n)] }),
  );
  t.same(brief(charge), [{ source: 'W', sink: 'B', wh: '200', rule: 'pool', contract: undefined, draws: undefined }]);

  // Lots held before the interval count against the capacity even when the battery discharges in it.
  const held = planInterval(
    interval({
      storage,
      lots: [{ allocation: h('L'), device: 'bat-1', remainingWh: 100n }],
      readings: [reading('W', 'wind-1', 'wind', 'gen', 0n, 1000n), reading('B', 'bat-1', 'storage', 'gen', 1000n, 100n)],
    }),
  );
  t.same(brief(held), [], 'full battery takes no green charge, and its discharge has no tenant');
  t.same(
    held?.sources.map((s) => [s.reading, s.supplyWh, s.allocatedWh]),
    [
      [h('B'), '100', '0'],
      [h('W'), '1000', '0'],
    ],
    'both still settled',
  );

  // Tenants first: 80 to the meter, the battery only the 20 left.
  const tenantsFirst = planInterval(
    interval({
      storage: [{ device: 'bat-1', efficiencyBp: 10000, energyCapacityWh: 1000n }],
      readings: [
        reading('W', 'wind-1', 'wind', 'gen', 0n, 100n),
        reading('B', 'bat-1', 'storage', 'gen', 100n, 0n),
        reading('C', 'meter-1', 'consumption', 'tA', 80n, 0n),
      ],
    }),
  );
  t.same(
    brief(tenantsFirst).map((a) => `${a.source}>${a.sink}:${a.wh}`),
    ['W>B:20', 'W>C:80'],
  );

  // No green round trip: a discharge never charges another battery.
  const roundTrip = planInterval(
    interval({
      storage: [
        { device: 'bat-1', efficiencyBp: 10000, energyCapacityWh: 1000n },
        { device: 'bat-2', efficiencyBp: 10000, energyCapacityWh: 1000n },
      ],
      lots: [{ allocation: h('L'), device: 'bat-1', remainingWh: 500n }],
      readings: [reading('B', 'bat-1', 'storage', 'gen', 0n, 300n), reading('C', 'bat-2', 'storage', 'gen', 300n, 0n)],
    }),
  );
  t.same(brief(roundTrip), []);
  t.equal(planInterval(interval({ readings: [reading('C', 'meter-1', 'consumption', 'tA', 80n, 0n)] })), undefined, 'no supply: no settlement');

  // A discharge beyond the green charge held is green only up to it.
  const partial = planInterval(
    interval({
      storage: [{ device: 'bat-1', efficiencyBp: 10000, energyCapacityWh: 1000n }],
      lots: [
        { allocation: h('L'), device: 'bat-1', remainingWh: 30n },
        { allocation: h('K'), device: 'bat-1', remainingWh: 20n },
      ],
      readings: [reading('B', 'bat-1', 'storage', 'gen', 0n, 300n), reading('C', 'meter-1', 'consumption', 'tA', 1000n, 0n)],
    }),
  );
  t.same(
    brief(partial),
    [{ source: 'B', sink: 'C', wh: '50', rule: 'pool', contract: undefined, draws: ['L:30', 'K:20'] }],
    'FIFO is array order, not hash order',
  );
});

t.test('hand-checked contracts: priority, ties by leaf hash, zero share', async (t) => {
  const readings = [
    reading('W', 'wind-1', 'wind', 'gen', 0n, 100n),
    reading('C', 'meter-1', 'consumption', 'tA', 70n, 0n),
    reading('D', 'meter-2', 'consumption', 'tB', 70n, 0n),
  ];
  const plan = planInterval(
    interval({
      readings,
      contracts: [
        { leafHash: h('Z'), device: 'wind-1', tenant: 'tA', priority: 5 },
        { leafHash: h('Y'), device: 'wind-1', tenant: 'tB', priority: 5 },
        { leafHash: h('X'), device: 'wind-1', tenant: 'tA', priority: 9, shareBp: 0 },
      ],
    }),
  );
  t.same(
    brief(plan),
    [
      { source: 'W', sink: 'D', wh: '70', rule: 'contract', contract: 'Y', draws: undefined },
      { source: 'W', sink: 'C', wh: '30', rule: 'contract', contract: 'Z', draws: undefined },
    ],
    'equal priority: Y before Z; nothing left for the pool',
  );
});

t.test('refuses ambiguous input', async (t) => {
  const w = reading('W', 'wind-1', 'wind', 'gen', 0n, 1n);
  const refused = (over: Partial<IntervalInput>, code: string, name: string) =>
    t.throws(() => planInterval(interval(over)), { name: 'GridproofError', code }, name);
  refused({ readings: [w, { ...w, leafHash: h('V') }] }, 'bad-request', 'two readings of one device');
  refused({ readings: [w, { ...w, device: 'wind-2' }] }, 'bad-request', 'one reading twice');
  refused({ readings: [{ ...w, exportWh: -1n }] }, 'bad-wh', 'negative Wh');
  refused({ contracts: [{ leafHash: h('P'), device: 'x', tenant: 'y', priority: 1.5 }] }, 'bad-request', 'fractional priority');
  refused({ contracts: [{ leafHash: h('P'), device: 'x', tenant: 'y', priority: 1, shareBp: 10001 }] }, 'bad-request', 'share above 100 %');
  refused({ storage: [{ device: 'b', efficiencyBp: 0, energyCapacityWh: 1n }] }, 'bad-request', 'zero efficiency');
  refused({ readings: [reading('B', 'bat-9', 'storage', 'gen', 5n, 0n)] }, 'unknown-device', 'storage without spec');
  refused(
    { storage: [{ device: 'b', efficiencyBp: 1, energyCapacityWh: 1n }], lots: [{ allocation: h('L'), device: 'b', remainingWh: 2n }] },
    'bad-request',
    'lots above capacity',
  );
  refused(
    { storage: [{ device: 'b', efficiencyBp: 1, energyCapacityWh: 1n }], lots: [{ allocation: h('L'), device: 'b', remainingWh: 0n }] },
    'bad-wh',
    'empty lot',
  );
});

t.test('properties over random interval sequences with storage', async (t) => {
  let intervals = 0;
  let allocations = 0;
  let discharges = 0;
  let charges = 0;
  let contracts = 0;
  fc.assert(
    fc.property(parkArbitrary, fc.integer(), (park, seed) => {
      for (const step of runPark(park)) {
        intervals++;
        const flat = step.plan === undefined ? [] : allocationsOf(step.plan);
        allocations += flat.length;
        discharges += flat.filter((a) => a.draws).length;
        charges += flat.filter((a) => step.input.readings.some((r) => r.leafHash === a.sink && r.deviceType === 'storage')).length;
        contracts += flat.filter((a) => a.contract).length;
        checkStep(step);
        assert.equal(bytes(planInterval(permuteInput(step.input, seed))), bytes(step.plan), 'same bytes under permutation');
        assert.equal(bytes(planInterval(step.input)), bytes(step.plan), 'same bytes again');
      }
    }),
    { numRuns: RUNS },
  );
  // The generator must reach the interesting cases, or the properties above prove little.
  t.ok(intervals > 2 * RUNS, `${intervals} intervals`);
  t.ok(discharges > RUNS / 5, `${discharges} discharge allocations`);
  t.ok(charges > RUNS / 5, `${charges} charge allocations`);
  t.ok(contracts > RUNS / 5, `${contracts} contract allocations of ${allocations}`);
});

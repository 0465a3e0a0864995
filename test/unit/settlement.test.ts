import { GridproofError } from '../../src/errors.ts';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import t from 'tap';
import { allocationId, allocationsOf } from '../../src/domain/allocation-id.ts';
import { planInterval, type IntervalInput, type MatchReading } from '../../src/domain/matching.ts';
import type { Allocation, SettledSource, SettlementPayload } from '../../src/domain/payloads.ts';
import { lateSettlement, checkIntervalSettlement } from '../../src/domain/settlement.ts';
import { lotWh } from '../../src/domain/storage-lots.ts';
import { bytes, fixedHash as h, leafHashOf, LOG, parkArbitrary, permuteInput, runPark, ZONE } from '../helpers/matching-park.ts';

const RUNS = 2000;
const base = { log: LOG, start: '2025-01-01T10:00:00Z', end: '2025-01-01T11:00:00Z', zone: ZONE };
const reading = (letter: string, device: string, deviceType: MatchReading['deviceType'], importWh: bigint, exportWh: bigint): MatchReading => ({
  leafHash: h(letter),
  device,
  deviceType,
  owner: deviceType === 'consumption' ? 'tA' : 'gen',
  importWh,
  exportWh,
});

// Wind W 1000, solar S 0 (not settled), battery B discharging 120 of its 150 held and charging 300, meter C 500.
const input: IntervalInput = {
  ...base,
  readings: [
    reading('W', 'wind-1', 'wind', 0n, 1000n),
    reading('S', 'solar-1', 'solar', 0n, 0n),
    reading('B', 'bat-1', 'storage', 300n, 120n),
    reading('C', 'meter-1', 'consumption', 500n, 0n),
  ],
  contracts: [],
  storage: [{ device: 'bat-1', efficiencyBp: 9000, energyCapacityWh: 1000n }],
  lots: [
    { allocation: allocationId(h('L'), 0), device: 'bat-1', remainingWh: 100n },
    { allocation: allocationId(h('M'), 3), device: 'bat-1', remainingWh: 50n },
  ],
};
const X = h('X');
const plan = planInterval(input)!;

t.test('hand-checked settlement and lots', async (t) => {
  // Battery first (hash B): 120 green to C, drawn 100 from L then 20 from M. Wind: 300 charge, then 380 to C.
  t.same(
    allocationsOf(plan).map((a) => `${a.position} ${a.source[0]}>${a.sink[0]}:${a.wh}`),
    ['0 B>C:120', '1 W>B:300', '2 W>C:380'],
  );
  t.same(plan.sources[0]?.allocations[0]?.draws, [
    { allocation: `${h('L')}#0`, wh: '100' },
    { allocation: `${h('M')}#3`, wh: '20' },
  ]);
  t.same(
    plan.sources.map((s) => [s.reading, s.supplyWh, s.allocatedWh]),
    [
      [h('B'), '120', '120'],
      [h('W'), '1000', '680'],
    ],
    'every supply reading with export; the idle solar meter is not listed; wind keeps 320 unallocated',
  );
  t.same(
    checkIntervalSettlement(input, plan, X).lotsAfter,
    [
      { allocation: `${h('M')}#3`, device: 'bat-1', remainingWh: 30n },
      { allocation: `${X}#1`, device: 'bat-1', remainingWh: 270n },
    ],
    'L drained and removed, M reduced, the new charge lot after losses (300 × 90 %) last, named by position',
  );
});

t.test('late supply settlement', async (t) => {
  t.same(
    lateSettlement(LOG, ZONE, base.start, base.end, [
      { leafHash: h('W'), exportWh: 42n },
      { leafHash: h('V'), exportWh: 7n },
    ]),
    {
      kind: 'settlement',
      ...base,
      sinks: [],
      sources: [
        { reading: h('V'), supplyWh: '7', allocatedWh: '0', allocations: [] },
        { reading: h('W'), supplyWh: '42', allocatedWh: '0', allocations: [] },
      ],
    },
    'by leaf hash, nothing allocated',
  );
});

t.test('refuses settlements planInterval would never produce', async (t) => {
  const [battery, wind] = plan.sources as [SettledSource, SettledSource];
  // Allocations with their sink spelled out, so a case can send one anywhere; withSources lists the sinks.
  type Spelled = Omit<Allocation, 'sink'> & { sink: string };
  const spell = (a: Allocation): Spelled => ({ ...a, sink: plan.sinks[a.sink]! });
  const [discharge] = battery.allocations.map(spell) as [Spelled];
  const [charge, toMeter] = wind.allocations.map(spell) as [Spelled, Spelled];
  const refused = (settlement: SettlementPayload, code: string, name: string, over: IntervalInput = input) =>
    t.throws(() => checkIntervalSettlement(over, settlement, X), { name: 'GridproofError', code }, name);
  const sum = (allocations: Spelled[]) => String(allocations.reduce((s, a) => s + BigInt(a.wh), 0n));
  const withSources = (b: Spelled[], w: Spelled[]): SettlementPayload => {
    const sinks = [...new Set([...b, ...w].map((a) => a.sink))].sort();
    const placed = (allocations: Spelled[]) => allocations.map((a) => ({ ...a, sink: sinks.indexOf(a.sink) }));
    return {
      ...plan,
      sinks,
      sources: [
        { ...battery, allocations: placed(b), allocatedWh: sum(b) },
        { ...wind, allocations: placed(w), allocatedWh: sum(w) },
      ],
    };
  };
  const edit = <A extends Spelled | Allocation>(a: A, over: Partial<A>): A => ({ ...a, ...over });
  const L = `${h('L')}#0`;
  const M = `${h('M')}#3`;

  refused(
    withSources(
      [
        edit(discharge, {
          draws: [
            { allocation: M, wh: '50' },
            { allocation: L, wh: '70' },
          ],
        }),
      ],
      [],
    ),
    'storage-mismatch',
    'draws not oldest first',
  );
  refused(withSources([edit(discharge, { draws: [{ allocation: L, wh: '120' }] })], []), 'storage-mismatch', 'a draw beyond its lot');
  const { draws: _, ...noDraws } = discharge;
  refused(withSources([noDraws], []), 'storage-mismatch', 'a discharge without draws');
  refused(withSources([], [edit(toMeter, { draws: [] })]), 'storage-mismatch', 'draws on a generation allocation');
  refused(
    withSources(
      [
        edit(discharge, {
          wh: '200',
          draws: [
            { allocation: L, wh: '100' },
            { allocation: M, wh: '50' },
            { allocation: `${h('Q')}#0`, wh: '50' },
          ],
        }),
      ],
      [],
    ),
    'source-over-allocated',
    'discharge beyond the green held (and its export)',
  );
  refused(withSources([], [edit(toMeter, { wh: '501' })]), 'sink-over-allocated', 'beyond the sink import');
  refused(withSources([discharge], [edit(toMeter, { wh: '381' })]), 'sink-over-allocated', 'two sources over one sink import');
  refused(withSources([], [charge, edit(toMeter, { sink: h('B'), wh: '1' })]), 'sink-over-allocated', 'two charges over the battery import');
  refused(withSources([], [edit(toMeter, { sink: h('Z') })]), 'allocation-mismatch', 'a reading outside the interval');
  refused({ ...plan, start: '2025-01-01T09:00:00Z' }, 'settlement-mismatch', 'another interval');
  refused({ ...plan, zone: 'FR' }, 'settlement-mismatch', 'another zone');
  refused({ ...plan, log: 'other.example/log' }, 'settlement-mismatch', 'another log');
  refused(withSources([], [edit(toMeter, { wh: '0' })]), 'allocation-mismatch', 'zero Wh');
  refused(
    { ...plan, sources: [battery, { ...wind, allocations: [wind.allocations[0]!, edit(wind.allocations[1]!, { wh: '0380' })] }] },
    'bad-wh',
    'non-canonical Wh',
  );
  refused(withSources([], [edit(toMeter, { sink: h('S') })]), 'allocation-mismatch', 'to a generator');
  refused(withSources([edit(discharge, { sink: h('B') })], []), 'allocation-mismatch', 'a battery charging itself');
  refused(withSources([], [edit(toMeter, { contract: h('K') })]), 'allocation-mismatch', 'a contract not valid in the interval');
  // The sinks list: in order, each used, every position in it.
  t.same(plan.sinks, [h('B'), h('C')], 'the battery (charged) and the meter, by leaf hash');
  refused(
    { ...plan, sinks: [h('C'), h('B')], sources: plan.sources.map((s) => ({ ...s, allocations: s.allocations.map((a) => ({ ...a, sink: 1 - a.sink })) })) },
    'settlement-mismatch',
    'sinks out of order',
  );
  refused(
    {
      ...plan,
      sinks: [h('A'), h('B'), h('C')],
      sources: plan.sources.map((s) => ({ ...s, allocations: s.allocations.map((a) => ({ ...a, sink: a.sink + 1 })) })),
    },
    'settlement-mismatch',
    'a sink no allocation goes to',
  );
  refused({ ...plan, sinks: [h('B'), h('B'), h('C')] }, 'settlement-mismatch', 'a sink listed twice');
  refused(
    { ...plan, sources: [battery, { ...wind, allocations: [wind.allocations[0]!, edit(wind.allocations[1]!, { sink: 2 })] }] },
    'settlement-mismatch',
    'a sink position beyond the list',
  );
  refused({ ...plan, sources: [wind] }, 'settlement-mismatch', 'a supply reading left out');
  refused({ ...plan, sources: [battery, wind, wind] }, 'settlement-mismatch', 'a supply reading listed twice');
  refused({ ...plan, sources: [wind, battery] }, 'settlement-mismatch', 'sources out of order');
  refused({ ...plan, sources: [battery, { ...wind, supplyWh: '999' }] }, 'settlement-mismatch', 'supplyWh other than the export');
  refused({ ...plan, sources: [battery, { ...wind, allocatedWh: '679' }] }, 'settlement-mismatch', 'allocatedWh other than the sum');
  const smallWind = { ...input, readings: input.readings.map((r) => (r.device === 'wind-1' ? { ...r, exportWh: 100n } : r)) };
  refused({ ...plan, sources: [battery, { ...wind, supplyWh: '100' }] }, 'source-over-allocated', 'beyond the source export', smallWind);
  const overCharge = { ...input, storage: [{ device: 'bat-1', efficiencyBp: 9000, energyCapacityWh: 300n }] };
  t.throws(
    () => checkIntervalSettlement(overCharge, withSources([], [charge]), X),
    { code: 'storage-mismatch', message: /exceeds the energy capacity/ },
    'charge beyond capacity',
  );
  t.same(checkIntervalSettlement(input, withSources([], [toMeter]), X).lotsAfter.length, 2, 'fewer allocations are consistent');
});

t.test('properties of settlement over random interval sequences', async (t) => {
  let lotsSeen = 0;
  let draws = 0;
  fc.assert(
    fc.property(parkArbitrary, fc.integer(), (park, seed) => {
      const steps = runPark(park);
      const charges = new Map<string, { device: string; sourceType: string }>();
      steps.forEach((step, i) => {
        const { input, plan, leafHash, settled } = step;
        const byHash = new Map(input.readings.map((r) => [r.leafHash, r]));
        const flat = plan === undefined ? [] : allocationsOf(plan);

        // Lots: conservation per device, state of charge within [0, capacity], FIFO order kept.
        for (const spec of input.storage) {
          const before = input.lots.filter((l) => l.device === spec.device);
          const after = settled.lotsAfter.filter((l) => l.device === spec.device);
          const drawn = flat.filter((a) => byHash.get(a.source)?.device === spec.device).flatMap((a) => a.draws ?? []);
          const newLots = flat
            .filter((a) => byHash.get(a.sink)?.device === spec.device)
            .map((a) => ({ allocation: allocationId(leafHash, a.position), device: spec.device, remainingWh: lotWh(BigInt(a.wh), spec.efficiencyBp) }))
            .filter((l) => l.remainingWh > 0n);
          const held = (lots: typeof before) => lots.reduce((s, l) => s + l.remainingWh, 0n);
          assert.equal(held(after), held(before) - drawn.reduce((s, d) => s + BigInt(d.wh), 0n) + held(newLots), 'held = before − drawn + new lots');
          assert.ok(held(after) <= spec.energyCapacityWh, 'state of charge ≤ capacity');
          assert.ok(
            after.every((l) => l.remainingWh > 0n),
            'no empty lot',
          );
          // Old lots survive as a suffix of the queue, only its head possibly reduced; new lots follow in position order.
          const survivors = after.slice(0, after.length - newLots.length);
          assert.deepEqual(after.slice(survivors.length), newLots, 'new lots last, in position order');
          const tail = before.slice(before.length - survivors.length);
          assert.deepEqual(
            survivors.map((l) => l.allocation),
            tail.map((l) => l.allocation),
            'oldest lots drained first',
          );
          survivors.forEach((l, k) =>
            assert.ok(k === 0 ? l.remainingWh <= (tail[0]?.remainingWh ?? 0n) : l.remainingWh === tail[k]?.remainingWh, 'only the head lot is reduced'),
          );
          lotsSeen += after.length;
        }
        assert.deepEqual(
          settled.lotsAfter.map((l) => l.device),
          settled.lotsAfter.map((l) => l.device).sort(),
          'lots grouped by device',
        );

        // The chain discharge → charge → generation: every draw names an earlier charge of that battery from wind or solar.
        for (const a of flat) {
          for (const d of a.draws ?? []) {
            const c = charges.get(d.allocation);
            assert.ok(
              c !== undefined && c.device === byHash.get(a.source)?.device && (c.sourceType === 'wind' || c.sourceType === 'solar'),
              'draw on an earlier green charge',
            );
            draws++;
          }
        }
        for (const a of flat) {
          const sink = byHash.get(a.sink);
          if (sink?.deviceType === 'storage')
            charges.set(allocationId(leafHash, a.position), { device: sink.device, sourceType: byHash.get(a.source)?.deviceType ?? '' });
        }
        if (plan === undefined) return;

        // Any order of the inputs settles to the same bytes.
        const permuted = permuteInput(input, seed + i);
        const replanned = planInterval(permuted)!;
        assert.equal(bytes(checkIntervalSettlement(permuted, replanned, leafHashOf(replanned))), bytes(settled), 'same bytes under permutation');

        // Tampering with a discharge is always refused: its draws must be exactly FIFO.
        const victim = plan.sources.findIndex((s) => s.allocations.some((a) => a.draws));
        const source = plan.sources[victim];
        if (source) {
          const allocations = source.allocations.map((a, k) => (k === 0 ? { ...a, wh: String(BigInt(a.wh) + 1n) } : a));
          const allocatedWh = String(BigInt(source.allocatedWh) + 1n);
          const tampered = { ...plan, sources: plan.sources.map((s, k) => (k === victim ? { ...s, allocations, allocatedWh } : s)) };
          // One more Wh breaks FIFO, and the export, an import or a contract's share too when it was used up: any of those rules may speak first.
          assert.throws(
            () => checkIntervalSettlement(input, tampered, leafHash),
            (e: unknown) =>
              e instanceof GridproofError && ['storage-mismatch', 'source-over-allocated', 'sink-over-allocated', 'allocation-mismatch'].includes(e.code),
            'tampered discharge refused',
          );
        }
      });
    }),
    { numRuns: RUNS },
  );
  t.ok(lotsSeen > RUNS, `${lotsSeen} lots checked`);
  t.ok(draws > RUNS / 5, `${draws} draws traced to a green charge`);
});

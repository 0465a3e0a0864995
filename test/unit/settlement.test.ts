import assert from 'node:assert/strict';
import fc from 'fast-check';
import t from 'tap';
import { planInterval, type IntervalInput, type MatchReading } from '../../src/domain/matching.ts';
import type { AllocationPayload } from '../../src/domain/payloads.ts';
import { lateSettlement, settleInterval, type SignedAllocation } from '../../src/domain/settlement.ts';
import { lotWh } from '../../src/domain/storage-lots.ts';
import { bytes, fixedHash as h, LOG, parkArbitrary, permuteInput, runPark, sign, ZONE } from '../helpers/matching-park.ts';

const RUNS = 2000;
const base = { log: LOG, start: '2025-01-01T10:00:00Z', end: '2025-01-01T11:00:00Z', zone: ZONE };
const reading = (letter: string, device: string, deviceType: MatchReading['deviceType'], importWh: bigint, exportWh: bigint): MatchReading =>
  ({ leafHash: h(letter), device, deviceType, owner: deviceType === 'consumption' ? 'tA' : 'gen', importWh, exportWh });

// Wind W 1000, solar S 0 (no settlement), battery B discharging 120 of its 150 held and charging 300, meter C 500.
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
    { allocation: h('L'), device: 'bat-1', remainingWh: 100n },
    { allocation: h('M'), device: 'bat-1', remainingWh: 50n },
  ],
};
// Letters as the allocations' leaf hashes, in plan order.
const signAs = (plan: AllocationPayload[], letters: string): SignedAllocation[] =>
  plan.map((payload, i) => ({ payload, leafHash: h(letters[i] ?? '?') }));

t.test('hand-checked settlement and lots', async (t) => {
  const plan = planInterval(input);
  // Battery first (hash B): 120 green to C, drawn 100 from L then 20 from M. Wind: 380 to C, then 300 charge.
  t.same(plan.map((a) => `${a.source[0]}>${a.sink[0]}:${a.wh}`), ['B>C:120', 'W>B:300', 'W>C:380']);
  t.same(plan[0]?.draws, [{ allocation: h('L'), wh: '100' }, { allocation: h('M'), wh: '20' }]);
  const { settlements, lotsAfter } = settleInterval(input, signAs(plan, 'abc'));
  t.same(settlements, [
    { kind: 'settlement', ...{ log: LOG }, source: h('B'), start: base.start, end: base.end, supplyWh: '120', allocations: [{ allocation: h('a'), wh: '120' }], allocatedWh: '120' },
    {
      kind: 'settlement', log: LOG, source: h('W'), start: base.start, end: base.end, supplyWh: '1000',
      allocations: [{ allocation: h('b'), wh: '300' }, { allocation: h('c'), wh: '380' }], allocatedWh: '680',
    },
  ], 'one per supply reading with export; the idle solar meter gets none; wind keeps 320 unallocated');
  t.same(lotsAfter, [
    { allocation: h('M'), device: 'bat-1', remainingWh: 30n },
    { allocation: h('b'), device: 'bat-1', remainingWh: 270n },
  ], 'L drained and removed, M reduced, the new charge lot after losses (300 × 90 %) last');
});

t.test('late supply settlement', async (t) => {
  t.same(lateSettlement(LOG, { leafHash: h('W'), start: base.start, end: base.end, exportWh: 42n }), {
    kind: 'settlement', log: LOG, source: h('W'), start: base.start, end: base.end, supplyWh: '42', allocations: [], allocatedWh: '0',
  });
});

t.test('refuses allocations planInterval would never produce', async (t) => {
  const signed = signAs(planInterval(input), 'abc');
  const [discharge, charge, wind] = signed as [SignedAllocation, SignedAllocation, SignedAllocation];
  const refused = (allocations: SignedAllocation[], code: string, name: string) =>
    t.throws(() => settleInterval(input, allocations), { name: 'GridproofError', code }, name);
  const edit = (s: SignedAllocation, over: Partial<AllocationPayload>): SignedAllocation => ({ ...s, payload: { ...s.payload, ...over } });

  refused([edit(discharge, { draws: [{ allocation: h('M'), wh: '50' }, { allocation: h('L'), wh: '70' }] })], 'bad-request', 'draws not oldest first');
  refused([edit(discharge, { draws: [{ allocation: h('L'), wh: '120' }] })], 'bad-request', 'a draw beyond its lot');
  refused([edit(discharge, { draws: undefined })], 'bad-request', 'a discharge without draws');
  refused([edit(wind, { draws: [] })], 'bad-request', 'draws on a generation allocation');
  refused([edit(discharge, { wh: '200', draws: [{ allocation: h('L'), wh: '100' }, { allocation: h('M'), wh: '50' }, { allocation: h('X'), wh: '50' }] })], 'bad-request', 'discharge beyond the green held');
  refused([edit(wind, { wh: '501' })], 'bad-request', 'beyond the sink import');
  refused([charge, edit(wind, { sink: h('B'), wh: '1' })], 'bad-request', 'two charges over the battery import');
  refused([wind, wind], 'bad-request', 'one allocation listed twice');
  refused([edit(wind, { sink: h('Z') })], 'bad-request', 'a reading outside the interval');
  refused([edit(wind, { start: '2025-01-01T09:00:00Z' })], 'bad-request', 'another interval');
  refused([edit(wind, { zone: 'FR' })], 'bad-request', 'another zone');
  refused([edit(wind, { wh: '0' })], 'bad-request', 'zero Wh');
  refused([edit(wind, { wh: '0380' })], 'bad-wh', 'non-canonical Wh');
  refused([edit(wind, { sink: h('S') })], 'bad-request', 'to a generator');
  refused([edit(discharge, { sink: h('B') })], 'bad-request', 'a battery charging itself');
  const smallWind = { ...input, readings: input.readings.map((r) => (r.device === 'wind-1' ? { ...r, exportWh: 100n } : r)) };
  t.throws(() => settleInterval(smallWind, [wind]), { code: 'bad-request', message: /exceed its export/ }, 'beyond the source export');
  const overCharge = { ...input, storage: [{ device: 'bat-1', efficiencyBp: 9000, energyCapacityWh: 300n }] };
  t.throws(() => settleInterval(overCharge, [charge]), { code: 'bad-request', message: /exceeds the energy capacity/ }, 'charge beyond capacity');
  t.same(settleInterval(input, [wind]).settlements[1]?.allocatedWh, '380', 'a subset is consistent');
});

t.test('properties of settlement over random interval sequences', async (t) => {
  let lotsSeen = 0;
  let draws = 0;
  fc.assert(
    fc.property(parkArbitrary, fc.integer(), (park, seed) => {
      const steps = runPark(park);
      const charges = new Map<string, { device: string; sourceType: string }>();
      steps.forEach((step, i) => {
        const { input, plan, signed, settled } = step;
        const byHash = new Map(input.readings.map((r) => [r.leafHash, r]));

        // One settlement per supply reading with export, listing its allocations in plan order.
        const supply = input.readings.filter((r) => r.deviceType !== 'consumption' && r.exportWh > 0n).sort((a, b) => (a.leafHash < b.leafHash ? -1 : 1));
        assert.deepEqual(settled.settlements.map((s) => s.source), supply.map((r) => r.leafHash), 'one settlement per supply reading');
        for (const s of settled.settlements) {
          const mine = signed.filter((a) => a.payload.source === s.source);
          assert.deepEqual(s.allocations, mine.map((a) => ({ allocation: a.leafHash, wh: a.payload.wh })), 'its allocations, in plan order');
          assert.equal(BigInt(s.allocatedWh), mine.reduce((sum, a) => sum + BigInt(a.payload.wh), 0n), 'allocatedWh is their sum');
          assert.ok(BigInt(s.allocatedWh) <= BigInt(s.supplyWh), 'allocatedWh ≤ supplyWh');
          assert.equal(s.supplyWh, String(byHash.get(s.source)?.exportWh), 'supplyWh is the export');
        }

        // Lots: conservation per device, state of charge within [0, capacity], FIFO order kept.
        for (const spec of input.storage) {
          const before = input.lots.filter((l) => l.device === spec.device);
          const after = settled.lotsAfter.filter((l) => l.device === spec.device);
          const drawn = plan.filter((a) => byHash.get(a.source)?.device === spec.device).flatMap((a) => a.draws ?? []);
          const newLots = signed
            .filter((a) => byHash.get(a.payload.sink)?.device === spec.device)
            .map((a) => ({ allocation: a.leafHash, device: spec.device, remainingWh: lotWh(BigInt(a.payload.wh), spec.efficiencyBp) }))
            .filter((l) => l.remainingWh > 0n);
          const held = (lots: typeof before) => lots.reduce((s, l) => s + l.remainingWh, 0n);
          assert.equal(held(after), held(before) - drawn.reduce((s, d) => s + BigInt(d.wh), 0n) + held(newLots), 'held = before − drawn + new lots');
          assert.ok(held(after) <= spec.energyCapacityWh, 'state of charge ≤ capacity');
          assert.ok(after.every((l) => l.remainingWh > 0n), 'no empty lot');
          // Old lots survive as a suffix of the queue, only its head possibly reduced; new lots follow in plan order.
          const survivors = after.slice(0, after.length - newLots.length);
          assert.deepEqual(after.slice(survivors.length), newLots, 'new lots last, in plan order');
          const tail = before.slice(before.length - survivors.length);
          assert.deepEqual(survivors.map((l) => l.allocation), tail.map((l) => l.allocation), 'oldest lots drained first');
          survivors.forEach((l, k) => assert.ok(k === 0 ? l.remainingWh <= (tail[0]?.remainingWh ?? 0n) : l.remainingWh === tail[k]?.remainingWh, 'only the head lot is reduced'));
          lotsSeen += after.length;
        }
        assert.deepEqual(settled.lotsAfter.map((l) => l.device), settled.lotsAfter.map((l) => l.device).sort(), 'lots grouped by device');

        // The chain discharge → charge → generation: every draw names an earlier charge of that battery from wind or solar.
        for (const a of plan) {
          for (const d of a.draws ?? []) {
            const c = charges.get(d.allocation);
            assert.ok(c !== undefined && c.device === byHash.get(a.source)?.device && (c.sourceType === 'wind' || c.sourceType === 'solar'), 'draw on an earlier green charge');
            draws++;
          }
        }
        for (const a of signed) {
          const sink = byHash.get(a.payload.sink);
          if (sink?.deviceType === 'storage') charges.set(a.leafHash, { device: sink.device, sourceType: byHash.get(a.payload.source)?.deviceType ?? '' });
        }

        // Any order of the inputs settles to the same bytes.
        const permuted = permuteInput(input, seed + i);
        assert.equal(bytes(settleInterval(permuted, sign(planInterval(permuted)))), bytes(settled), 'same bytes under permutation');

        // Tampering with a discharge is always refused: its draws must be exactly FIFO.
        const k = signed.findIndex((a) => a.payload.draws);
        const victim = signed[k];
        if (victim) {
          const tampered = [...signed];
          tampered[k] = { ...victim, payload: { ...victim.payload, wh: String(BigInt(victim.payload.wh) + 1n) } };
          assert.throws(() => settleInterval(input, tampered), { name: 'GridproofError', code: 'bad-request' }, 'tampered discharge refused');
        }
      });
    }),
    { numRuns: RUNS },
  );
  t.ok(lotsSeen > RUNS, `${lotsSeen} lots checked`);
  t.ok(draws > RUNS / 5, `${draws} draws traced to a green charge`);
});

/**
 * The invariants of one planned interval (docs/design.md §5), checked with
 * node:assert so that fast-check sees a failure and shrinks it. Every check
 * recomputes from the raw input; none reuses the code under test beyond the
 * storage arithmetic (lotWh).
 */
import assert from 'node:assert/strict';
import { allocationsOf, sinksProblem } from '../../src/domain/allocation-id.ts';
import type { MatchReading } from '../../src/domain/matching.ts';
import { lotWh } from '../../src/domain/storage-lots.ts';
import { LOG, ZONE, type Step } from './matching-park.ts';

/** Green a storage reading can give: min(export, lots held before the interval). */
function supplyOf(step: Step, r: MatchReading): bigint {
  if (r.deviceType === 'consumption') return 0n;
  if (r.deviceType !== 'storage') return r.exportWh;
  const held = step.input.lots.filter((l) => l.device === r.device).reduce((s, l) => s + l.remainingWh, 0n);
  return r.exportWh < held ? r.exportWh : held;
}

export function checkStep(step: Step): void {
  const { input } = step;
  const byHash = new Map(input.readings.map((r) => [r.leafHash, r]));
  const supply = input.readings
    .filter((r) => r.deviceType !== 'consumption' && r.exportWh > 0n)
    .map((r) => r.leafHash)
    .sort();
  if (step.plan === undefined) return assert.equal(supply.length, 0, 'no settlement only when there is no supply');
  const settlement = step.plan;
  assert.ok(
    settlement.log === LOG && settlement.start === input.start && settlement.end === input.end && settlement.zone === ZONE,
    'same log, interval and zone',
  );
  assert.deepEqual(
    settlement.sources.map((s) => s.reading),
    supply,
    'every supply reading settled once, by leaf hash',
  );
  for (const s of settlement.sources) {
    assert.equal(BigInt(s.supplyWh), byHash.get(s.reading)?.exportWh, 'supplyWh is the export');
    assert.equal(
      BigInt(s.allocatedWh),
      s.allocations.reduce((sum, a) => sum + BigInt(a.wh), 0n),
      'allocatedWh is the sum',
    );
    const served = s.allocations.map((a) => (a.contract === undefined ? 'pool' : 'contract'));
    assert.deepEqual(served, [...served].sort(), "a source's contract allocations come first");
    const others = s.allocations.filter((a) => a.contract === undefined).map((a) => a.sink);
    assert.deepEqual(
      others,
      [...others].sort((a, b) => a - b),
      'then the others by sink',
    );
  }
  assert.deepEqual(settlement.sinks, [...new Set(settlement.sinks)].sort(), 'sinks ascend, each once');
  assert.equal(sinksProblem(settlement), undefined, 'every sink is the sink of an allocation');
  const plan = allocationsOf(settlement);
  const from = new Map<string, bigint>();
  const to = new Map<string, bigint>();
  const add = (m: Map<string, bigint>, k: string, v: bigint) => m.set(k, (m.get(k) ?? 0n) + v);
  for (const a of plan) {
    const source = byHash.get(a.source);
    const sink = byHash.get(a.sink);
    if (!source || !sink) return assert.fail('source and sink are readings of the interval');
    assert.ok(BigInt(a.wh) > 0n, 'no zero-Wh allocation');
    assert.notEqual(source.device, sink.device, 'no device supplies itself');
    assert.ok(
      source.deviceType !== 'consumption' && (sink.deviceType === 'consumption' || (sink.deviceType === 'storage' && source.deviceType !== 'storage')),
      'kinds of source and sink',
    );
    assert.equal(a.rule === 'contract', a.contract !== undefined, 'contract iff rule contract');
    assert.equal(a.draws !== undefined, source.deviceType === 'storage', 'draws iff a discharge');
    if (a.draws)
      assert.equal(
        a.draws.reduce((s, d) => s + BigInt(d.wh), 0n),
        BigInt(a.wh),
        'draws add up to the allocation',
      );
    add(from, a.source, BigInt(a.wh));
    add(to, a.sink, BigInt(a.wh));
  }

  for (const r of input.readings) {
    assert.ok((from.get(r.leafHash) ?? 0n) <= supplyOf(step, r), 'Σ from a reading ≤ its (green) supply');
    assert.ok((to.get(r.leafHash) ?? 0n) <= (r.deviceType === 'consumption' || r.deviceType === 'storage' ? r.importWh : 0n), 'Σ to a reading ≤ its import');
  }
  const left = (r: MatchReading) => supplyOf(step, r) - (from.get(r.leafHash) ?? 0n);
  const tenantUnmet = input.readings.filter((r) => r.deviceType === 'consumption').reduce((s, r) => s + r.importWh - (to.get(r.leafHash) ?? 0n), 0n);
  const charges = plan.filter((a) => byHash.get(a.sink)?.deviceType === 'storage');
  if (tenantUnmet > 0n) {
    assert.ok(
      input.readings.every((r) => left(r) === 0n),
      'tenant demand unmet: every source exhausted',
    );
    assert.equal(charges.length, 0, 'tenant demand unmet: no green charge');
  }
  // Storage charging is maximal: when generation is left over, each battery that still had import
  // to fill got, from that source, the largest charge whose energy after losses fits:
  // x × e ≤ free × 10000 < (x + 1) × e, free being the capacity its lots left at that source's turn.
  const generators = input.readings.filter((r) => r.deviceType === 'wind' || r.deviceType === 'solar').sort((a, b) => (a.leafHash < b.leafHash ? -1 : 1));
  for (const r of input.readings.filter((x) => x.deviceType === 'storage' && x.importWh > (to.get(x.leafHash) ?? 0n))) {
    const spec = input.storage.find((s) => s.device === r.device)!;
    const e = BigInt(spec.efficiencyBp);
    let held = input.lots.filter((l) => l.device === r.device).reduce((s, l) => s + l.remainingWh, 0n);
    for (const g of generators) {
      const x = BigInt(charges.find((a) => a.source === g.leafHash && a.sink === r.leafHash)?.wh ?? '0');
      const free = spec.energyCapacityWh - held;
      assert.ok(x * e <= free * 10000n, 'a charge fits the capacity left');
      if (left(g) > 0n) assert.ok((x + 1n) * e > free * 10000n, 'generation left only when the battery cannot take one Wh more');
      held += lotWh(x, spec.efficiencyBp);
    }
    assert.ok(held <= spec.energyCapacityWh, 'state of charge within capacity');
  }

  // FIFO: a battery's draws, in output order, take its lots oldest first, each within its lot.
  for (const r of input.readings.filter((x) => x.deviceType === 'storage')) {
    const queue = input.lots.filter((l) => l.device === r.device);
    const draws = plan.filter((a) => a.source === r.leafHash).flatMap((a) => a.draws ?? []);
    let lot = 0;
    let taken = 0n;
    for (const d of draws) {
      if (queue[lot]?.allocation !== d.allocation) {
        assert.equal(taken, queue[lot]?.remainingWh, 'a lot is drained before the next is drawn');
        lot++;
        taken = 0n;
      }
      assert.equal(d.allocation, queue[lot]?.allocation, 'draws follow the FIFO order');
      taken += BigInt(d.wh);
      assert.ok(taken <= (queue[lot]?.remainingWh ?? 0n), 'a draw stays within its lot');
    }
  }

  // Contracts against a model of their totals, and priority: a later contract gets energy only
  // when each earlier one on its device or tenant was not short of that device's or tenant's energy.
  const sorted = [...input.contracts].sort((a, b) => a.priority - b.priority || (a.leafHash < b.leafHash ? -1 : 1));
  const got = new Map(sorted.map((c) => [c.leafHash, plan.filter((a) => a.contract === c.leafHash).reduce((s, a) => s + BigInt(a.wh), 0n)]));
  const supplyLeft = new Map(input.readings.map((r) => [r.device, supplyOf(step, r)]));
  const demandLeft = new Map<string, bigint>();
  for (const r of input.readings) if (r.deviceType === 'consumption') demandLeft.set(r.owner, (demandLeft.get(r.owner) ?? 0n) + r.importWh);
  for (const c of sorted) {
    const source = input.readings.find((r) => r.device === c.device);
    const supply = source ? supplyOf(step, source) : 0n;
    const share = c.shareBp === undefined ? supply : (supply * BigInt(c.shareBp)) / 10000n;
    const s = supplyLeft.get(c.device) ?? 0n;
    const d = demandLeft.get(c.tenant) ?? 0n;
    const expected = [s, d, share].reduce((m, x) => (x < m ? x : m));
    assert.equal(got.get(c.leafHash), expected, 'contract gets min(supply left, tenant demand left, share)');
    supplyLeft.set(c.device, s - expected);
    demandLeft.set(c.tenant, d - expected);
  }
  const contractTo = (owner: string) => plan.filter((a) => a.rule === 'contract' && byHash.get(a.sink)?.owner === owner).reduce((s, a) => s + BigInt(a.wh), 0n);
  const contractFrom = (device: string) =>
    plan.filter((a) => a.rule === 'contract' && byHash.get(a.source)?.device === device).reduce((s, a) => s + BigInt(a.wh), 0n);
  sorted.forEach((early, i) =>
    sorted.slice(i + 1).forEach((late) => {
      if ((got.get(late.leafHash) ?? 0n) === 0n) return;
      const source = input.readings.find((r) => r.device === early.device);
      const full = early.shareBp !== undefined && got.get(early.leafHash) === ((source ? supplyOf(step, source) : 0n) * BigInt(early.shareBp)) / 10000n;
      const tenantDemand = input.readings.filter((r) => r.deviceType === 'consumption' && r.owner === early.tenant).reduce((s, r) => s + r.importWh, 0n);
      if (late.device === early.device) assert.ok(full || contractTo(early.tenant) === tenantDemand, 'earlier contract on the device fully served');
      if (late.tenant === early.tenant)
        assert.ok(full || contractFrom(early.device) === (source ? supplyOf(step, source) : 0n), 'earlier contract of the tenant fully served');
    }),
  );
}

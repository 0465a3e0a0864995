/**
 * Re-checking one interval's settlement against what the interval held
 * (docs/design.md §5), before the matching run appends what planInterval
 * produced: the rules every settlement keeps are settlement-rules.ts's, the
 * same the bundle verifier and the monitor apply; here, knowing every reading
 * of the interval, it also requires each named reading to be one of them and
 * the sources to be exactly the interval's supply readings, and it replays
 * storage: draws first in, first out from the green charge held, no charge
 * beyond the energy capacity. A settlement that fails is never appended.
 */
import { GridproofError } from '../errors.ts';
import { allocationId } from './allocation-id.ts';
import { compareText } from './compare.ts';
import { prepareInterval, type IntervalInput, type MatchReading } from './interval-input.ts';
import type { Draw, HashB64, Instant, SettlementPayload } from './payloads.ts';
import { settlementProblems, type ReadingFact } from './settlement-rules.ts';
import { heldWh, lotWh, takeFifo, type GreenLot } from './storage-lots.ts';
import { instantMs } from './time.ts';

export interface IntervalSettlement {
  /** Lots after the interval: by device, each device's oldest first. */
  lotsAfter: GreenLot[];
}

export interface LateSupply {
  leafHash: HashB64;
  exportWh: bigint;
}

type RefusalCode = 'settlement-mismatch' | 'allocation-mismatch' | 'source-over-allocated' | 'sink-over-allocated' | 'storage-mismatch';

/** The planner produced what the rules refuse: a fault of the server, never appended. */
function refuse(code: RefusalCode, detail: string): never {
  throw new GridproofError(code, detail);
}

/** takeFifo's draws; a discharge beyond the green charge held breaks a storage rule. */
function fifoDraws(queue: GreenLot[], wh: bigint, id: string): Draw[] {
  if (wh > heldWh(queue)) refuse('storage-mismatch', `allocation ${id}: discharges ${wh} Wh, beyond the green charge held`);
  return takeFifo(queue, wh);
}

const minWh = (a: bigint, b: bigint): bigint => (a < b ? a : b);

function sameDraws(expected: readonly Draw[] | undefined, actual: readonly Draw[] | undefined): boolean {
  if (expected === undefined || actual === undefined) return expected === actual;
  return expected.length === actual.length && expected.every((draw, i) => draw.allocation === actual[i]?.allocation && draw.wh === actual[i]?.wh);
}

/** The supply readings a settlement of the interval must list: those with export, by leaf hash. */
function supplyReadings(readings: readonly MatchReading[]): MatchReading[] {
  return readings.filter((r) => r.deviceType !== 'consumption' && r.exportWh > 0n);
}

/**
 * Checks `settlement` (whose entry has leaf hash `leafHash`) against the
 * interval's input and returns the green lots after it: the input's lots less
 * the draws, then one lot per charge, named after its allocation.
 */
export function checkIntervalSettlement(input: IntervalInput, settlement: SettlementPayload, leafHash: HashB64): IntervalSettlement {
  const { readings, contracts, queues, specOf } = prepareInterval(input);
  const { log, start, end, zone } = input;
  if (settlement.kind !== 'settlement' || settlement.log !== log || settlement.start !== start || settlement.end !== end || settlement.zone !== zone) {
    refuse('settlement-mismatch', `settlement ${leafHash} is not of interval ${start}/${end} in zone ${zone} of log ${log}`);
  }
  const byHash = new Map(readings.map((r) => [r.leafHash, r]));
  const interval = `${start}/${end}/${zone}`;
  const fact = (r: MatchReading): ReadingFact => ({
    device: r.device,
    deviceType: r.deviceType,
    owner: r.owner,
    importWh: r.importWh,
    exportWh: r.exportWh,
    interval,
  });
  const contractOf = new Map(contracts.map((c) => [c.leafHash, { ...c, id: c.leafHash, validFromMs: instantMs(start)! }]));
  const [problem] = settlementProblems({
    settlement,
    leafHash,
    interval,
    startMs: instantMs(start)!,
    endMs: instantMs(end)!,
    reading: (hash) => {
      const r = byHash.get(hash);
      return r && fact(r);
    },
    // The input's contracts are those valid over the interval (interval-input.ts); one not among them is refused above.
    contract: (hash) => contractOf.get(hash),
    storageSupply: (_hash, r) => minWh(r.exportWh, heldWh(queues.get(r.device) ?? [])),
    supplyReadings: supplyReadings(readings).map((r) => r.leafHash),
  });
  if (problem !== undefined) refuse(problem.code, problem.detail);
  for (const hash of [...settlement.sinks, ...settlement.sources.map((s) => s.reading)]) {
    if (!byHash.has(hash)) refuse('allocation-mismatch', `settlement ${leafHash} names ${hash}, which is no reading of the interval`);
  }
  for (const allocation of settlement.sources.flatMap((s) => s.allocations)) {
    if (allocation.contract !== undefined && !contractOf.has(allocation.contract)) {
      refuse('allocation-mismatch', `settlement ${leafHash}: contract ${allocation.contract} is not valid in this interval`);
    }
  }

  const newLots = new Map<string, GreenLot[]>();
  // Allocations are named only when needed (an error, a lot): a settlement holds hundreds.
  const id = (at: number) => allocationId(leafHash, at);
  let position = 0;
  for (const settled of settlement.sources) {
    const source = byHash.get(settled.reading)!;
    for (const allocation of settled.allocations) {
      const at = position++;
      const sink = byHash.get(settlement.sinks[allocation.sink]!)!;
      const wh = BigInt(allocation.wh);
      // A discharge must draw exactly its Wh from the oldest green charge held before the interval.
      const draws = source.deviceType === 'storage' ? fifoDraws(queues.get(source.device) ?? [], wh, id(at)) : undefined;
      if (!sameDraws(draws, allocation.draws)) refuse('storage-mismatch', `allocation ${id(at)}: draws are not FIFO from the green charge held`);
      // A charge too small to survive the losses leaves no lot (a lot always holds something).
      const lot = sink.deviceType === 'storage' ? lotWh(wh, specOf(sink.device).efficiencyBp) : 0n;
      if (lot > 0n) {
        const lots = newLots.get(sink.device) ?? [];
        lots.push({ allocation: id(at), device: sink.device, remainingWh: lot });
        newLots.set(sink.device, lots);
      }
    }
  }

  const devices = [...new Set([...queues.keys(), ...newLots.keys()])].sort(compareText);
  const lotsAfter = devices.flatMap((device) => {
    const lots = [...(queues.get(device) ?? []), ...(newLots.get(device) ?? [])];
    if (heldWh(lots) > specOf(device).energyCapacityWh) refuse('storage-mismatch', `storage ${device}: green charge exceeds the energy capacity`);
    return lots;
  });
  return { lotsAfter };
}

/**
 * Supply readings logged after their interval was matched are not matched
 * (docs/design.md §5: late readings); they are settled all the same, with
 * no allocations, so every supply reading is settled exactly once.
 */
export function lateSettlement(log: string, zone: string, start: Instant, end: Instant, late: readonly LateSupply[]): SettlementPayload {
  const sources = [...late]
    .sort((a, b) => compareText(a.leafHash, b.leafHash))
    .map((r) => ({ reading: r.leafHash, supplyWh: String(r.exportWh), allocatedWh: '0', allocations: [] }));
  return { kind: 'settlement', log, start, end, zone, sinks: [], sources };
}

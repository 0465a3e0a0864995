/**
 * Re-checking one interval's settlement (DESIGN.md "Matching", "settlement"
 * kind) against what the interval held, and the green charge held after it.
 * The matching run checks what planInterval produced before appending it, and
 * a monitor replays the log through the same code, so it refuses anything
 * planInterval would never produce: a supply reading left out or listed
 * twice, readings from outside the interval, over-allocation, draws that are
 * not FIFO, a charge beyond the energy capacity.
 */
import { GridproofError } from '../errors.ts';
import { allocationId, sinksProblem } from './allocation-id.ts';
import { compareText } from './compare.ts';
import { prepareInterval, type IntervalInput, type MatchReading } from './interval-input.ts';
import type { Draw, HashB64, Instant, SettlementPayload } from './payloads.ts';
import { heldWh, lotWh, takeFifo, type GreenLot } from './storage-lots.ts';
import { parseWh } from './wh.ts';

export interface IntervalSettlement {
  /** Lots after the interval: by device, each device's oldest first. */
  lotsAfter: GreenLot[];
}

export interface LateSupply {
  leafHash: HashB64;
  exportWh: bigint;
}

function refuse(detail: string): never {
  throw new GridproofError('bad-request', detail);
}

function sameDraws(expected: readonly Draw[] | undefined, actual: readonly Draw[] | undefined): boolean {
  if (expected === undefined || actual === undefined) return expected === actual;
  return (
    expected.length === actual.length &&
    expected.every((draw, i) => draw.allocation === actual[i]?.allocation && draw.wh === actual[i]?.wh)
  );
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
  const contractOf = new Map(contracts.map((c) => [c.leafHash, c]));
  const { log, start, end, zone } = input;
  if (settlement.kind !== 'settlement' || settlement.log !== log || settlement.start !== start || settlement.end !== end || settlement.zone !== zone) {
    refuse(`settlement ${leafHash} is not of interval ${start}/${end} in zone ${zone} of log ${log}`);
  }
  const byHash = new Map(readings.map((r) => [r.leafHash, r]));
  const expected = supplyReadings(readings).map((r) => r.leafHash);
  const listed = settlement.sources.map((s) => s.reading);
  if (listed.length !== expected.length || listed.some((hash, i) => hash !== expected[i])) {
    refuse(`settlement ${leafHash} must list exactly the interval's supply readings, by leaf hash`);
  }
  const sinksWrong = sinksProblem(settlement);
  if (sinksWrong) refuse(`settlement ${leafHash}: ${sinksWrong}`);
  const sinkReadings = settlement.sinks.map((hash) => byHash.get(hash) ?? refuse(`settlement ${leafHash}: sink ${hash} is not a reading of the interval`));

  const sinkWh = new Map<HashB64, bigint>();
  const newLots = new Map<string, GreenLot[]>();
  // Allocations are named only when needed (an error, a lot): a settlement holds hundreds.
  const id = (at: number) => allocationId(leafHash, at);
  let position = 0;
  for (const settled of settlement.sources) {
    const source = byHash.get(settled.reading)!;
    if (parseWh(settled.supplyWh) !== source.exportWh) refuse(`settlement ${leafHash}: supplyWh of ${source.leafHash} is not its export`);
    let allocated = 0n;
    for (const allocation of settled.allocations) {
      const at = position++;
      const sink = sinkReadings[allocation.sink]!;
      const wh = parseWh(allocation.wh);
      const charge = sink.deviceType === 'storage';
      if (!(charge || sink.deviceType === 'consumption')) refuse(`allocation ${id(at)} goes to a ${sink.deviceType} reading`);
      if (wh === 0n) refuse(`allocation ${id(at)} is of zero Wh`);
      if (charge && source.deviceType === 'storage') refuse(`allocation ${id(at)} charges storage from storage`);
      if (allocation.contract !== undefined) {
        const contract = contractOf.get(allocation.contract);
        if (contract === undefined || contract.device !== source.device || contract.tenant !== sink.owner) {
          refuse(`allocation ${id(at)}: contract ${allocation.contract} is not valid from ${source.device} to ${sink.owner} in this interval`);
        }
      }

      // A discharge must draw exactly its Wh from the oldest green charge held before the interval.
      const draws = source.deviceType === 'storage' ? takeFifo(queues.get(source.device) ?? [], wh) : undefined;
      if (!sameDraws(draws, allocation.draws)) refuse(`allocation ${id(at)}: draws are not FIFO from the green charge held`);
      allocated += wh;
      sinkWh.set(sink.leafHash, (sinkWh.get(sink.leafHash) ?? 0n) + wh);

      // A charge too small to survive the losses leaves no lot (a lot always holds something).
      const lot = charge ? lotWh(wh, specOf(sink.device).efficiencyBp) : 0n;
      if (lot > 0n) {
        const lots = newLots.get(sink.device) ?? [];
        lots.push({ allocation: id(at), device: sink.device, remainingWh: lot });
        newLots.set(sink.device, lots);
      }
    }
    if (parseWh(settled.allocatedWh) !== allocated) refuse(`settlement ${leafHash}: allocatedWh of ${source.leafHash} is not the sum of its allocations`);
    // DESIGN.md "Matching" invariant: Σ from a reading ≤ its export.
    if (allocated > source.exportWh) refuse(`reading ${source.leafHash}: allocations exceed its export`);
  }

  // DESIGN.md "Matching" invariant: Σ to a reading ≤ its import.
  for (const [hash, wh] of sinkWh) {
    if (wh > byHash.get(hash)!.importWh) refuse(`reading ${hash}: allocations exceed its import`);
  }

  const devices = [...new Set([...queues.keys(), ...newLots.keys()])].sort(compareText);
  const lotsAfter = devices.flatMap((device) => {
    const lots = [...(queues.get(device) ?? []), ...(newLots.get(device) ?? [])];
    if (heldWh(lots) > specOf(device).energyCapacityWh) refuse(`storage ${device}: green charge exceeds the energy capacity`);
    return lots;
  });
  return { lotsAfter };
}

/**
 * Supply readings logged after their interval was matched are not matched
 * (DESIGN.md "Matching": late readings); they are settled all the same, with
 * no allocations, so every supply reading is settled exactly once.
 */
export function lateSettlement(log: string, zone: string, start: Instant, end: Instant, late: readonly LateSupply[]): SettlementPayload {
  const sources = [...late]
    .sort((a, b) => compareText(a.leafHash, b.leafHash))
    .map((r) => ({ reading: r.leafHash, supplyWh: String(r.exportWh), allocatedWh: '0', allocations: [] }));
  return { kind: 'settlement', log, start, end, zone, sinks: [], sources };
}

/**
 * Step B of matching one interval (DESIGN.md "Matching", "settlement" kind):
 * once the planned allocations are signed and their leaf hashes known, the
 * settlement of each supply reading and the green charge held afterwards.
 *
 * The allocations are re-checked rather than trusted, so the same code can
 * replay an interval from the log (a monitor) and refuse what planInterval
 * would never produce: readings from outside the interval, over-allocation,
 * draws that are not FIFO, a charge beyond the energy capacity.
 */
import { GridproofError } from '../errors.ts';
import { compareText } from './compare.ts';
import { prepareInterval, type IntervalInput, type MatchReading } from './interval-input.ts';
import type { AllocationPayload, Draw, HashB64, Instant, SettlementItem, SettlementPayload } from './payloads.ts';
import { heldWh, lotWh, takeFifo, type GreenLot } from './storage-lots.ts';
import { parseWh } from './wh.ts';

export interface SignedAllocation {
  payload: AllocationPayload;
  leafHash: HashB64;
}

export interface IntervalSettlement {
  /** One per supply reading with export > 0, by the reading's leaf hash. */
  settlements: SettlementPayload[];
  /** Lots after the interval: by device, each device's oldest first. */
  lotsAfter: GreenLot[];
}

export interface LateSupply {
  leafHash: HashB64;
  start: Instant;
  end: Instant;
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

function readingOf(byHash: ReadonlyMap<HashB64, MatchReading>, hash: HashB64, allocation: HashB64): MatchReading {
  return byHash.get(hash) ?? refuse(`allocation ${allocation}: reading ${hash} is not in the interval`);
}

/**
 * Settles one interval. `allocations` are planInterval(input)'s payloads with
 * their leaf hashes, in its output order: that order is the order of each
 * settlement's list and of the new lots.
 */
export function settleInterval(input: IntervalInput, allocations: readonly SignedAllocation[]): IntervalSettlement {
  const { readings, queues, specOf } = prepareInterval(input);
  const byHash = new Map(readings.map((r) => [r.leafHash, r]));
  const fromSource = new Map<HashB64, SettlementItem[]>();
  const sourceWh = new Map<HashB64, bigint>();
  const sinkWh = new Map<HashB64, bigint>();
  const newLots = new Map<string, GreenLot[]>();
  const seen = new Set<HashB64>();

  for (const { payload, leafHash } of allocations) {
    if (seen.has(leafHash)) refuse(`allocation ${leafHash} is listed twice`);
    seen.add(leafHash);
    const { log, start, end, zone } = input;
    if (payload.kind !== 'allocation' || payload.log !== log || payload.start !== start || payload.end !== end || payload.zone !== zone) {
      refuse(`allocation ${leafHash} is not of interval ${start}/${end} in zone ${zone} of log ${log}`);
    }
    const source = readingOf(byHash, payload.source, leafHash);
    const sink = readingOf(byHash, payload.sink, leafHash);
    const wh = parseWh(payload.wh);
    const charge = sink.deviceType === 'storage';
    if (source.deviceType === 'consumption' || !(charge || sink.deviceType === 'consumption')) {
      refuse(`allocation ${leafHash} goes from a ${source.deviceType} to a ${sink.deviceType} reading`);
    }
    if (wh === 0n) refuse(`allocation ${leafHash} is of zero Wh`);
    if (charge && source.deviceType === 'storage') refuse(`allocation ${leafHash} charges storage from storage`);

    // A discharge must draw exactly its Wh from the oldest green charge held before the interval.
    const draws = source.deviceType === 'storage' ? takeFifo(queues.get(source.device) ?? [], wh) : undefined;
    if (!sameDraws(draws, payload.draws)) refuse(`allocation ${leafHash}: draws are not FIFO from the green charge held`);

    const items = fromSource.get(source.leafHash) ?? [];
    items.push({ allocation: leafHash, wh: payload.wh });
    fromSource.set(source.leafHash, items);
    sourceWh.set(source.leafHash, (sourceWh.get(source.leafHash) ?? 0n) + wh);
    sinkWh.set(sink.leafHash, (sinkWh.get(sink.leafHash) ?? 0n) + wh);

    // A charge too small to survive the losses leaves no lot (a lot always holds something).
    const lot = charge ? lotWh(wh, specOf(sink.device).efficiencyBp) : 0n;
    if (lot > 0n) {
      const lots = newLots.get(sink.device) ?? [];
      lots.push({ allocation: leafHash, device: sink.device, remainingWh: lot });
      newLots.set(sink.device, lots);
    }
  }

  // DESIGN.md "Matching" invariants: Σ from a reading ≤ its export, Σ to a reading ≤ its import.
  for (const r of readings) {
    if ((sourceWh.get(r.leafHash) ?? 0n) > r.exportWh) refuse(`reading ${r.leafHash}: allocations exceed its export`);
    if ((sinkWh.get(r.leafHash) ?? 0n) > r.importWh) refuse(`reading ${r.leafHash}: allocations exceed its import`);
  }

  const settlements = readings
    .filter((r) => r.deviceType !== 'consumption' && r.exportWh > 0n)
    .map((r) => settlement(input.log, r.leafHash, input.start, input.end, r.exportWh, fromSource.get(r.leafHash) ?? []));

  const devices = [...new Set([...queues.keys(), ...newLots.keys()])].sort(compareText);
  const lotsAfter = devices.flatMap((device) => {
    const lots = [...(queues.get(device) ?? []), ...(newLots.get(device) ?? [])];
    if (heldWh(lots) > specOf(device).energyCapacityWh) refuse(`storage ${device}: green charge exceeds the energy capacity`);
    return lots;
  });
  return { settlements, lotsAfter };
}

/**
 * A supply reading logged after its interval was matched is not matched
 * (DESIGN.md "Matching": late readings); it still gets its one settlement.
 */
export function lateSettlement(log: string, reading: LateSupply): SettlementPayload {
  return settlement(log, reading.leafHash, reading.start, reading.end, reading.exportWh, []);
}

function settlement(log: string, source: HashB64, start: Instant, end: Instant, supplyWh: bigint, items: SettlementItem[]): SettlementPayload {
  const allocatedWh = items.reduce((sum, item) => sum + parseWh(item.wh), 0n);
  return { kind: 'settlement', log, source, start, end, supplyWh: String(supplyWh), allocations: items, allocatedWh: String(allocatedWh) };
}

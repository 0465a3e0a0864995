/**
 * The rules one settlement must satisfy (docs/design.md §5, "One set of
 * settlement rules"), written once. Three callers know different amounts of
 * the log and ask the same question:
 *
 * - the matching run, before it appends what the planner produced
 *   (settlement.ts): it knows every reading of the interval and zone;
 * - the bundle verifier (bundle/settlements.ts): it knows the readings and
 *   contracts the bundle carries, not other tenants' readings;
 * - the monitor (monitor/replay-allocations.ts): it knows the whole log.
 *
 * Each passes what it knows as facts; a reading or contract it does not know
 * is skipped here, and whether an unknown one is itself a fault is the
 * caller's to say (a bundle leaves other tenants' readings out by design).
 * Storage draws are checked against green charge by the callers that hold
 * the lots (storage-lots.ts, monitor/replay-storage.ts, bundle/storage.ts).
 */
import { allocatedWhOf, allocationId, sinksProblem } from './allocation-id.ts';
import { compareText } from './compare.ts';
import { parseWh } from './wh.ts';
import type { DeviceType, HashB64, SettlementPayload } from './payloads.ts';

export const settlementRuleCodes = ['settlement-mismatch', 'allocation-mismatch', 'source-over-allocated', 'sink-over-allocated'] as const;
export type SettlementRuleCode = (typeof settlementRuleCodes)[number];

export interface SettlementProblem {
  code: SettlementRuleCode;
  detail: string;
  /** Log indexes of the entries involved, where the caller gave them; the settlement's own last. */
  indexes: number[];
}

/** What the caller knows of a reading a settlement names. */
export interface ReadingFact {
  device: string;
  deviceType: DeviceType;
  /** The device's owner: a contract's sinks are its tenant's consumption readings. */
  owner: string;
  importWh: bigint;
  exportWh: bigint;
  /** Its interval and zone, in the same spelling as SettlementFacts.interval. */
  interval: string;
  /** Its log index, when logged (a reading must be logged before the settlement naming it). */
  index?: number;
}

export interface ContractFact {
  id: string;
  device: string;
  tenant: string;
  shareBp?: number;
  validFromMs: number;
  validUntilMs?: number;
  index?: number;
}

export interface SettlementFacts {
  settlement: SettlementPayload;
  leafHash: HashB64;
  /** The settlement's log index; absent before it is appended. */
  index?: number;
  /** The settlement's interval and zone, in the callers' spelling (see ReadingFact.interval). */
  interval: string;
  startMs: number;
  endMs: number;
  reading(hash: HashB64): ReadingFact | undefined;
  contract(hash: HashB64): ContractFact | undefined;
  /**
   * The supply a storage reading offers (its export, capped by the green
   * charge held before the interval), when the caller holds the lots; a
   * contract's share is of that. Undefined: the share of a discharge is not checked.
   */
  storageSupply?(hash: HashB64, reading: ReadingFact): bigint | undefined;
  /** Every supply reading of the interval and zone, when the caller knows them all: the settlement lists exactly these. */
  supplyReadings?: readonly HashB64[];
}

const SUPPLIES: ReadonlySet<DeviceType> = new Set(['wind', 'solar', 'storage']);
const TAKES: ReadonlySet<DeviceType> = new Set(['consumption', 'storage']);

const short = (hash: HashB64): string => `${hash.slice(0, 8)}…`;

/** The problems of one settlement, in the order found; empty when it keeps every rule. */
export function settlementProblems(facts: SettlementFacts): SettlementProblem[] {
  const { settlement, leafHash } = facts;
  const problems: SettlementProblem[] = [];
  const what = `settlement ${short(leafHash)} of ${settlement.start}/${settlement.end} in ${settlement.zone}`;
  const add = (code: SettlementRuleCode, detail: string, indexes: Array<number | undefined> = []) => {
    const known = [...indexes, facts.index].filter((i): i is number => i !== undefined);
    problems.push({ code, detail: `${what}: ${detail}`, indexes: known });
  };
  const loggedAfter = (index: number | undefined) => index !== undefined && facts.index !== undefined && index > facts.index;

  const { sources } = settlement;
  if (sources.some((s, i) => i > 0 && compareText(sources[i - 1]!.reading, s.reading) >= 0)) {
    add('settlement-mismatch', 'its sources are not listed once each in leaf-hash order');
  }
  const sinksWrong = sinksProblem(settlement);
  if (sinksWrong !== undefined) add('settlement-mismatch', sinksWrong);
  if (facts.supplyReadings !== undefined) {
    const listed = sources.map((s) => s.reading);
    const expected = facts.supplyReadings;
    if (listed.length !== expected.length || listed.some((hash, i) => hash !== expected[i])) {
      add('settlement-mismatch', `it lists ${listed.length} sources, the interval has ${expected.length} supply readings: it must list exactly those`);
    }
  }

  const toSink = new Map<number, bigint>();
  let position = 0;
  for (const source of sources) {
    const of = `source ${short(source.reading)}`;
    const reading = facts.reading(source.reading);
    const allocated = allocatedWhOf(source);
    if (allocated !== parseWh(source.allocatedWh))
      add('settlement-mismatch', `${of}: allocatedWh ${source.allocatedWh} is not the sum ${allocated} of its allocations`);
    if (allocated > parseWh(source.supplyWh))
      add('source-over-allocated', `${of}: allocates ${allocated} Wh of a supply of ${source.supplyWh} Wh`, [reading?.index]);
    if (reading !== undefined) checkSource(reading, source.supplyWh, facts.interval, of, add, loggedAfter);
    const underContract = new Map<HashB64, bigint>();
    for (const allocation of source.allocations) {
      const wh = parseWh(allocation.wh);
      const sinkHash = settlement.sinks[allocation.sink];
      const to = `allocation ${allocationId(leafHash, position++)} (${allocation.wh} Wh to ${sinkHash === undefined ? `sink ${allocation.sink}` : short(sinkHash)})`;
      toSink.set(allocation.sink, (toSink.get(allocation.sink) ?? 0n) + wh);
      if (wh === 0n) add('allocation-mismatch', `${to} is of zero Wh; an allocation is of at least 1 Wh`, [reading?.index]);
      const sink = sinkHash === undefined ? undefined : facts.reading(sinkHash);
      if (sink !== undefined) {
        if (!TAKES.has(sink.deviceType))
          add('allocation-mismatch', `${to} goes to a ${sink.deviceType} reading, which takes nothing`, [reading?.index, sink.index]);
        if (sink.interval !== facts.interval) add('allocation-mismatch', `${to} goes to a reading of another interval or zone`, [reading?.index, sink.index]);
        if (loggedAfter(sink.index)) add('allocation-mismatch', `${to} goes to a reading logged after the settlement`, [reading?.index, sink.index]);
        if (reading?.deviceType === 'storage' && sink.deviceType === 'storage')
          add('allocation-mismatch', `${to} charges storage from storage`, [reading?.index, sink.index]);
      }
      if (allocation.contract === undefined) continue;
      underContract.set(allocation.contract, (underContract.get(allocation.contract) ?? 0n) + wh);
      const contract = facts.contract(allocation.contract);
      if (contract === undefined) continue;
      const under = `${to} under contract ${contract.id}`;
      if (loggedAfter(contract.index)) add('allocation-mismatch', `${under}, which is logged after the settlement`, [contract.index, reading?.index]);
      if (reading !== undefined && contract.device !== reading.device)
        add('allocation-mismatch', `${under}, which is for device ${contract.device}, not ${reading.device}`, [contract.index, reading.index]);
      if (sink !== undefined && (sink.deviceType !== 'consumption' || contract.tenant !== sink.owner)) {
        add('allocation-mismatch', `${under}, which is for tenant ${contract.tenant}, not for a ${sink.deviceType} reading of ${sink.owner}`, [
          contract.index,
          reading?.index,
          sink.index,
        ]);
      }
      if (contract.validFromMs > facts.startMs || (contract.validUntilMs !== undefined && contract.validUntilMs < facts.endMs)) {
        add('allocation-mismatch', `${under}, which is not valid over the interval`, [contract.index, reading?.index]);
      }
    }
    if (reading !== undefined) checkShares(facts, source.reading, reading, underContract, of, add);
  }

  for (const [position, wh] of toSink) {
    const hash = settlement.sinks[position];
    const sink = hash === undefined ? undefined : facts.reading(hash);
    if (sink !== undefined && wh > sink.importWh) {
      add('sink-over-allocated', `reading ${short(hash!)} imports ${sink.importWh} Wh and is allocated ${wh} Wh`, [sink.index]);
    }
  }
  return problems;
}

type Add = (code: SettlementRuleCode, detail: string, indexes?: Array<number | undefined>) => void;

function checkSource(
  reading: ReadingFact,
  supplyWh: string,
  interval: string,
  of: string,
  add: Add,
  loggedAfter: (index: number | undefined) => boolean,
): void {
  if (!SUPPLIES.has(reading.deviceType) || reading.exportWh === 0n) {
    add('settlement-mismatch', `${of} is a ${reading.deviceType} reading exporting ${reading.exportWh} Wh, no supply`, [reading.index]);
  }
  if (parseWh(supplyWh) !== reading.exportWh)
    add('settlement-mismatch', `${of}: supplyWh ${supplyWh} is not its export of ${reading.exportWh} Wh`, [reading.index]);
  if (reading.interval !== interval) add('settlement-mismatch', `${of} is a reading of another interval or zone`, [reading.index]);
  if (loggedAfter(reading.index)) add('settlement-mismatch', `${of} is logged after the settlement`, [reading.index]);
}

/** A contract with a share takes at most floor(supply × shareBp / 10000) of a source (matching.ts serves it so). */
function checkShares(facts: SettlementFacts, hash: HashB64, reading: ReadingFact, taken: ReadonlyMap<HashB64, bigint>, of: string, add: Add): void {
  for (const [contractHash, wh] of taken) {
    const contract = facts.contract(contractHash);
    if (contract?.shareBp === undefined) continue;
    const supply = reading.deviceType === 'storage' ? facts.storageSupply?.(hash, reading) : reading.exportWh;
    if (supply === undefined) continue;
    const share = (supply * BigInt(contract.shareBp)) / 10000n;
    if (wh > share) {
      add('allocation-mismatch', `${of}: contract ${contract.id} takes ${wh} Wh, beyond its share of ${share} Wh (${contract.shareBp} bp of ${supply} Wh)`, [
        contract.index,
        reading.index,
      ]);
    }
  }
}

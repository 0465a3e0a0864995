/**
 * Allocations live inside settlements (docs/design.md §5, as amended in the
 * README): one `settlement` entry per interval and zone lists every supply
 * reading and what it went to. An allocation is therefore named by its
 * settlement's leaf hash and its position, counted from 0 over the sources'
 * allocation lists in order: `<base64 leaf hash>#<position>`. Draws and claims
 * refer to allocations by this id; it is as permanent as the leaf hash.
 *
 * An allocation names its sink by position in the settlement's `sinks`, the
 * sorted list of its sink readings' leaf hashes: the same few tens of hashes
 * would otherwise be written in each of hundreds of allocations.
 */
import { GridproofError } from '../errors.ts';
import { compareText } from './compare.ts';
import type { AllocationId, Draw, HashB64, SettledSource, SettlementPayload, WhString } from './payloads.ts';

/** The same grammar as schemas/common.json#/definitions/allocationId. */
const ID = /^([A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=)#(0|[1-9][0-9]{0,5})$/;

export function allocationId(settlement: HashB64, position: number): AllocationId {
  return `${settlement}#${position}`;
}

export function parseAllocationId(id: AllocationId): { settlement: HashB64; position: number } {
  const match = ID.exec(id);
  if (match === null) throw new GridproofError('bad-request', `not an allocation id: ${JSON.stringify(id)}`);
  return { settlement: match[1]!, position: Number(match[2]) };
}

/** An allocation as readers see it: its sink and rule spelled out, its source and position added. */
export interface PositionedAllocation {
  /** Leaf hash of the supply reading it comes from. */
  source: HashB64;
  /** Leaf hash of the demand reading it goes to. */
  sink: HashB64;
  wh: WhString;
  rule: 'contract' | 'pool';
  contract?: HashB64;
  draws?: Draw[];
  position: number;
}

/**
 * Why a settlement's sinks do not name its allocations' sinks one for one
 * (what its schema cannot say), or undefined: the list ascends strictly,
 * every allocation's sink is a position in it, and every position is used. So
 * one set of allocations has one spelling.
 */
export function sinksProblem(settlement: Pick<SettlementPayload, 'sinks' | 'sources'>): string | undefined {
  const { sinks } = settlement;
  for (let i = 1; i < sinks.length; i++) {
    if (compareText(sinks[i - 1]!, sinks[i]!) >= 0) return 'sinks must be in ascending order, each once';
  }
  const used = new Uint8Array(sinks.length);
  for (const source of settlement.sources) {
    for (const allocation of source.allocations) {
      if (allocation.sink >= sinks.length) return `sink ${allocation.sink} is not a position in sinks`;
      used[allocation.sink] = 1;
    }
  }
  const unused = used.indexOf(0);
  return unused < 0 ? undefined : `sink ${unused} is the sink of no allocation`;
}

/**
 * A settlement's allocations in position order, each with its source and sink
 * readings. The settlement's sinks must be well formed (sinksProblem):
 * parseEntry refuses any other.
 */
export function allocationsOf(settlement: Pick<SettlementPayload, 'sinks' | 'sources'>): PositionedAllocation[] {
  const flat: PositionedAllocation[] = [];
  for (const source of settlement.sources) {
    for (const { sink, wh, contract, draws } of source.allocations) {
      const hash = settlement.sinks[sink];
      if (hash === undefined) throw new GridproofError('schema-violation', `sink ${sink} is not a position in sinks`);
      const named = { source: source.reading, sink: hash, wh, position: flat.length };
      const served = contract === undefined ? { rule: 'pool' as const } : { rule: 'contract' as const, contract };
      flat.push({ ...named, ...served, ...(draws === undefined ? {} : { draws }) });
    }
  }
  return flat;
}

/** Σ of a source's allocations, as its `allocatedWh` must state. */
export function allocatedWhOf(source: Pick<SettledSource, 'allocations'>): bigint {
  return source.allocations.reduce((sum, allocation) => sum + BigInt(allocation.wh), 0n);
}

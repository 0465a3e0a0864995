/**
 * Allocations live inside settlements (DESIGN.md "Matching", as amended in the
 * README): one `settlement` entry per interval and zone lists every supply
 * reading and what it went to. An allocation is therefore named by its
 * settlement's leaf hash and its position, counted from 0 over the sources'
 * allocation lists in order: `<base64 leaf hash>#<position>`. Draws and claims
 * refer to allocations by this id; it is as permanent as the leaf hash.
 */
import { GridproofError } from '../errors.ts';
import type { Allocation, AllocationId, HashB64, SettledSource, SettlementPayload } from './payloads.ts';

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

export interface PositionedAllocation extends Allocation {
  /** Leaf hash of the supply reading it comes from. */
  source: HashB64;
  position: number;
}

/** A settlement's allocations in position order, each with its source reading. */
export function allocationsOf(settlement: Pick<SettlementPayload, 'sources'>): PositionedAllocation[] {
  const flat: PositionedAllocation[] = [];
  for (const source of settlement.sources) {
    for (const allocation of source.allocations) flat.push({ ...allocation, source: source.reading, position: flat.length });
  }
  return flat;
}

/** Σ of a source's allocations, as its `allocatedWh` must state. */
export function allocatedWhOf(source: Pick<SettledSource, 'allocations'>): bigint {
  return source.allocations.reduce((sum, allocation) => sum + BigInt(allocation.wh), 0n);
}

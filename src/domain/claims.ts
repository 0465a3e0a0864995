/**
 * Which allocations a claim takes (docs/design.md §2.1 kind): whole allocations,
 * oldest first, up to maxWh when given. Whole allocations keep a claim
 * checkable from its entries alone and let "an allocation is claimed at most
 * once" be a set-membership test rather than a running balance.
 */
import { GridproofError } from '../errors.ts';
import { allocationId } from './allocation-id.ts';
import { compareText } from './compare.ts';
import type { AllocationId, HashB64, Instant } from './payloads.ts';

/** Where an allocation sits in the claim order: its interval, then its id (settlement, position). */
export interface ClaimOrderKey {
  /** The allocation's interval start. */
  start: Instant;
  /** Leaf hash of the settlement that holds it. */
  settlement: HashB64;
  position: number;
}

export interface ClaimCandidate extends ClaimOrderKey {
  wh: bigint;
}

export interface ClaimSelection {
  /** Oldest first (compareClaimOrder). */
  allocations: AllocationId[];
  wh: bigint;
}

/**
 * Oldest first: by interval start, then settlement leaf hash, then position
 * as a number. Not the id's text order, where `#10` sorts before `#9`: within
 * one settlement a claim lists positions as the settlement does. A verifier
 * checks a claim's order with this same function.
 */
export function compareClaimOrder(a: ClaimOrderKey, b: ClaimOrderKey): number {
  return compareText(a.start, b.start) || compareText(a.settlement, b.settlement) || a.position - b.position;
}

/**
 * Takes the tenant's unclaimed allocations of the period oldest first and
 * stops before the first that would exceed maxWh: a later, smaller allocation
 * is not taken instead, so a claim is always the oldest energy. An empty
 * selection is the caller's `nothing-to-claim`.
 */
export function selectClaim(allocations: readonly ClaimCandidate[], maxWh?: bigint): ClaimSelection {
  if (maxWh !== undefined && maxWh < 0n) throw new GridproofError('bad-wh', 'maxWh must not be negative');
  const ids = allocations.map((a) => allocationId(a.settlement, a.position));
  if (new Set(ids).size !== ids.length) throw new GridproofError('bad-request', 'an allocation is listed twice');
  const oldestFirst = [...allocations].sort(compareClaimOrder);
  const selection: ClaimSelection = { allocations: [], wh: 0n };
  for (const a of oldestFirst) {
    if (maxWh !== undefined && selection.wh + a.wh > maxWh) break;
    selection.allocations.push(allocationId(a.settlement, a.position));
    selection.wh += a.wh;
  }
  return selection;
}

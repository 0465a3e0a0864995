/**
 * Which allocations a claim takes (DESIGN.md "claim" kind): whole allocations,
 * oldest first, up to maxWh when given. Whole allocations keep a claim
 * checkable from its entries alone and let "an allocation is claimed at most
 * once" be a set-membership test rather than a running balance.
 */
import { GridproofError } from '../errors.ts';
import { compareText } from './compare.ts';
import type { HashB64, Instant } from './payloads.ts';

export interface ClaimCandidate {
  leafHash: HashB64;
  wh: bigint;
  /** The allocation's interval start. */
  start: Instant;
}

export interface ClaimSelection {
  /** Oldest first: by interval start, then leaf hash. */
  allocations: HashB64[];
  wh: bigint;
}

/**
 * Takes the tenant's unclaimed allocations of the period oldest first and
 * stops before the first that would exceed maxWh: a later, smaller allocation
 * is not taken instead, so a claim is always the oldest energy. An empty
 * selection is the caller's `nothing-to-claim`.
 */
export function selectClaim(allocations: readonly ClaimCandidate[], maxWh?: bigint): ClaimSelection {
  if (maxWh !== undefined && maxWh < 0n) throw new GridproofError('bad-wh', 'maxWh must not be negative');
  if (new Set(allocations.map((a) => a.leafHash)).size !== allocations.length) {
    throw new GridproofError('bad-request', 'an allocation is listed twice');
  }
  const oldestFirst = [...allocations].sort((a, b) => compareText(a.start, b.start) || compareText(a.leafHash, b.leafHash));
  const selection: ClaimSelection = { allocations: [], wh: 0n };
  for (const a of oldestFirst) {
    if (maxWh !== undefined && selection.wh + a.wh > maxWh) break;
    selection.allocations.push(a.leafHash);
    selection.wh += a.wh;
  }
  return selection;
}

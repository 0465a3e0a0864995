/**
 * Step 9: the claim (DESIGN.md "claim" kind). A claim's bundle carries its
 * one claim entry, which must say what statement.claim says (id, purpose,
 * beneficiary, wh) for the statement's tenant and period, and name whole
 * allocations to the tenant's readings in the period, oldest first, each
 * once, in the bundle, adding up to its wh. A tenant-period bundle carries no
 * claim of the tenant.
 */
import { compareText } from '../compare.ts';
import type { ClaimPayload } from '../payloads.ts';
import { describe, isKind, short, type BundleIndex, type Item } from './bundle-index.ts';
import type { Statement } from './bundle-types.ts';
import type { Reasons } from './reasons.ts';
import type { Scope } from './scope.ts';

function checkAllocations(index: BundleIndex, scope: Scope, claim: Item<ClaimPayload>, reasons: Reasons): void {
  const what = describe(claim);
  const inScope = new Set(scope.allocations.map((a) => a.leafHash));
  let total = 0n;
  let previous: { start: string; leafHash: string } | undefined;
  const seen = new Set<string>();
  for (const hash of claim.payload.allocations) {
    if (seen.has(hash)) reasons.add('claim-mismatch', `${what}: allocation ${short(hash)} is claimed twice`);
    seen.add(hash);
    const item = index.byHash.get(hash);
    if (item === undefined) {
      reasons.add('missing-entry', `${what}: the claimed allocation ${short(hash)} is not in the bundle`);
      continue;
    }
    if (!isKind(item, 'allocation')) {
      reasons.add('claim-mismatch', `${what}: it claims ${describe(item)}, not an allocation`);
      continue;
    }
    if (!inScope.has(hash)) reasons.add('claim-mismatch', `${what}: ${describe(item)} is not to a reading of ${scope.tenant} in the period`);
    if (item.index > claim.index) reasons.add('claim-mismatch', `${what}: ${describe(item)} is logged after it`);
    const key = { start: item.payload.start, leafHash: item.leafHash };
    if (previous && (compareText(previous.start, key.start) || compareText(previous.leafHash, key.leafHash)) > 0) {
      reasons.add('claim-mismatch', `${what}: ${describe(item)} is not in oldest-first order`);
    }
    previous = key;
    total += BigInt(item.payload.wh);
  }
  if (total !== BigInt(claim.payload.wh)) reasons.add('claim-mismatch', `${what}: its allocations add up to ${total} Wh, it says ${claim.payload.wh} Wh`);
}

/** True when the bundle carries the claim the statement names and it checks out. */
export function checkClaim(index: BundleIndex, scope: Scope, statement: Statement, reasons: Reasons): boolean {
  const before = reasons.size;
  const claims = index.claims.filter((c) => c.payload.tenant === scope.tenant);
  const wanted = statement.claim;
  if (wanted === undefined) {
    for (const claim of claims) reasons.add('claim-mismatch', `${describe(claim)}: the statement names no claim`);
    return false;
  }
  if (claims.length === 0) {
    reasons.add('missing-entry', `the claim entry of claim ${wanted.id} is not in the bundle`);
    return false;
  }
  if (claims.length > 1) {
    reasons.add('claim-mismatch', `the bundle carries ${claims.length} claims of ${scope.tenant}, a claim's bundle carries one`);
    return false;
  }
  const claim = claims[0]!;
  const { payload } = claim;
  const differences: Array<[string, string, string]> = [
    ['id', payload.id, wanted.id],
    ['purpose', payload.purpose, wanted.purpose],
    ['beneficiary', payload.beneficiary, wanted.beneficiary],
    ['wh', payload.wh, wanted.wh],
    ['start', payload.start, statement.period.start],
    ['end', payload.end, statement.period.end],
  ];
  for (const [field, entry, stated] of differences) {
    if (entry !== stated) reasons.add('claim-mismatch', `${describe(claim)}: ${field} is ${JSON.stringify(entry)}, the statement says ${JSON.stringify(stated)}`);
  }
  checkAllocations(index, scope, claim, reasons);
  return reasons.size === before;
}

/**
 * Step 9: the claim (docs/design.md §2.1 kind). A claim's bundle carries its
 * one claim entry, which must say what statement.claim says (id, purpose,
 * beneficiary, wh) for the statement's tenant and period, and name whole
 * allocations held by settlements in the bundle, to the tenant's readings in
 * the period, oldest first (claims.ts compareClaimOrder), each once, adding
 * up to its wh. A tenant-period bundle carries no claim of the tenant.
 */
import { compareClaimOrder, type ClaimOrderKey } from '../claims.ts';
import type { ClaimPayload } from '../payloads.ts';
import { describe, describePlaced, resolveAllocation, short, type BundleIndex, type Item } from './bundle-index.ts';
import type { Statement } from './bundle-types.ts';
import type { Reasons } from './reasons.ts';
import type { Scope } from './scope.ts';

function checkAllocations(index: BundleIndex, scope: Scope, claim: Item<ClaimPayload>, reasons: Reasons): void {
  const what = describe(claim);
  let total = 0n;
  let previous: ClaimOrderKey | undefined;
  const seen = new Set<string>();
  for (const id of claim.payload.allocations) {
    if (seen.has(id)) reasons.add('claim-mismatch', `${what}: allocation ${id} is claimed twice`);
    seen.add(id);
    const allocation = resolveAllocation(index, id);
    if (allocation === 'no-settlement') {
      reasons.add('missing-entry', `${what}: the settlement holding the claimed allocation ${short(id)} is not in the bundle`);
      continue;
    }
    if (allocation === 'no-position') {
      reasons.add('claim-mismatch', `${what}: it claims ${id}, which its settlement does not hold`);
      continue;
    }
    const { settlement } = allocation;
    if (!scope.readingHashes.has(allocation.sink))
      reasons.add('claim-mismatch', `${what}: ${describePlaced(allocation)} is not to a reading of ${scope.tenant} in the period`);
    if (settlement.index > claim.index) reasons.add('claim-mismatch', `${what}: ${describe(settlement)} is logged after it`);
    const key = { start: settlement.payload.start, settlement: settlement.leafHash, position: allocation.position };
    if (previous && compareClaimOrder(previous, key) > 0) reasons.add('claim-mismatch', `${what}: ${describePlaced(allocation)} is not in oldest-first order`);
    previous = key;
    total += BigInt(allocation.wh);
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
    if (entry !== stated)
      reasons.add('claim-mismatch', `${describe(claim)}: ${field} is ${JSON.stringify(entry)}, the statement says ${JSON.stringify(stated)}`);
  }
  checkAllocations(index, scope, claim, reasons);
  return reasons.size === before;
}

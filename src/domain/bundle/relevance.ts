/**
 * Step 10: nothing foreign. Besides registry entries (participant, device,
 * key, zone, contract), which may be extra, a bundle carries only what its
 * statement rests on: the tenant's readings in the period, the settlements
 * holding allocations to them or the charges their discharges draw on, the
 * source readings of those allocations and charges, the storage readings the
 * charges went to, and the tenant's claim. A settlement also lists
 * allocations to readings the bundle leaves out; that is expected. Anything
 * else (another tenant's reading or claim, a settlement of nothing the
 * statement uses, the tenant's own reading outside the period) is
 * 'foreign-entry': a verifier cannot tell what it is doing there, and a
 * statement must not borrow standing from it.
 */
import type { HashB64 } from '../payloads.ts';
import { describe, isKind, type BundleIndex } from './bundle-index.ts';
import type { Reasons } from './reasons.ts';
import { isTenantReading, type Scope } from './scope.ts';

export function checkRelevance(index: BundleIndex, scope: Scope, reasons: Reasons): void {
  const readings = new Set<HashB64>(scope.readingHashes);
  const settlements = new Set<HashB64>();
  for (const a of scope.allocations) {
    readings.add(a.source);
    settlements.add(a.settlement.leafHash);
  }
  for (const charge of scope.charges) {
    readings.add(charge.source);
    readings.add(charge.sink);
    settlements.add(charge.settlement.leafHash);
  }

  for (const item of index.items) {
    const what = describe(item);
    if (isKind(item, 'reading')) {
      if (readings.has(item.leafHash)) continue;
      if (isTenantReading(index, scope.tenant, item)) reasons.add('foreign-entry', `${what}: a reading of ${scope.tenant} outside the period`);
      else reasons.add('foreign-entry', `${what}: a reading of device ${item.payload.device} that no allocation of the statement uses`);
    } else if (isKind(item, 'settlement')) {
      if (!settlements.has(item.leafHash)) reasons.add('foreign-entry', `${what}: holds no allocation of the statement and no charge it draws on`);
    } else if (isKind(item, 'claim')) {
      if (item.payload.tenant !== scope.tenant) reasons.add('foreign-entry', `${what}: a claim of ${item.payload.tenant}`);
    }
  }
}

/**
 * Step 10: nothing foreign. Besides registry entries (participant, device,
 * key, zone, contract), which may be extra, a bundle carries only what its
 * statement rests on: the tenant's readings in the period, the allocations to
 * them, the charge allocations their discharges draw on, the readings at
 * either end of those allocations, the settlements of their supply readings,
 * and the tenant's claim. Anything else (another tenant's reading,
 * allocation, settlement or claim, or the tenant's own outside the period) is
 * 'foreign-entry': a verifier cannot tell what it is doing there, and a
 * statement must not borrow standing from it.
 */
import type { HashB64 } from '../payloads.ts';
import { describe, isKind, type BundleIndex } from './bundle-index.ts';
import type { Reasons } from './reasons.ts';
import { isTenantReading, type Scope } from './scope.ts';

export function checkRelevance(index: BundleIndex, scope: Scope, reasons: Reasons): void {
  // An allocation whose sink is not in the bundle is already 'missing-entry'; it is not called foreign too.
  const orphans = index.allocations.filter((a) => !index.byHash.has(a.payload.sink));
  const allocations = new Set<HashB64>([...scope.allocations, ...orphans].map((a) => a.leafHash));
  for (const a of [...scope.allocations, ...orphans]) {
    for (const draw of a.payload.draws ?? []) if (isKind(index.byHash.get(draw.allocation), 'allocation')) allocations.add(draw.allocation);
  }
  const readings = new Set<HashB64>(scope.readingHashes);
  const sources = new Set<HashB64>();
  for (const a of index.allocations) {
    if (!allocations.has(a.leafHash)) continue;
    readings.add(a.payload.source);
    readings.add(a.payload.sink);
    sources.add(a.payload.source);
  }

  for (const item of index.items) {
    const what = describe(item);
    switch (item.payload.kind) {
      case 'reading':
        if (readings.has(item.leafHash)) break;
        if (isKind(item, 'reading') && isTenantReading(index, scope.tenant, item)) {
          reasons.add('foreign-entry', `${what}: a reading of ${scope.tenant} outside the period`);
        } else {
          reasons.add('foreign-entry', `${what}: a reading of device ${item.payload.device} that no allocation of the statement uses`);
        }
        break;
      case 'allocation':
        if (!allocations.has(item.leafHash)) reasons.add('foreign-entry', `${what}: neither to a reading of ${scope.tenant} in the period nor a charge drawn by one`);
        break;
      case 'settlement':
        if (!sources.has(item.payload.source)) reasons.add('foreign-entry', `${what}: settles no source of the statement's allocations`);
        break;
      case 'claim':
        if (item.payload.tenant !== scope.tenant) reasons.add('foreign-entry', `${what}: a claim of ${item.payload.tenant}`);
        break;
      default:
        break; // registry entries
    }
  }
}

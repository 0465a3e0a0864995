/**
 * Step 7: settlements (DESIGN.md "settlement" kind, "Matching" invariants).
 * Every reading that is the source of an allocation in the bundle has its one
 * settlement in the bundle, logged after the allocations, listing each of
 * them with the same Wh; a settlement's supplyWh is its reading's export, its
 * interval the reading's, allocatedWh is Σ of its items and at most supplyWh.
 * Items for allocations outside the bundle (other tenants') are expected.
 */
import type { AllocationPayload, HashB64, SettlementPayload } from '../payloads.ts';
import { describe, isKind, short, type BundleIndex, type Item } from './bundle-index.ts';
import type { Reasons } from './reasons.ts';

function checkSettlement(index: BundleIndex, settlement: Item<SettlementPayload>, reasons: Reasons): void {
  const { payload } = settlement;
  const what = describe(settlement);
  const items = payload.allocations;
  const allocated = items.reduce((sum, item) => sum + BigInt(item.wh), 0n);
  if (allocated !== BigInt(payload.allocatedWh)) {
    reasons.add('settlement-mismatch', `${what}: allocatedWh ${payload.allocatedWh} is not the sum ${allocated} of its items`);
  }
  if (allocated > BigInt(payload.supplyWh) || BigInt(payload.allocatedWh) > BigInt(payload.supplyWh)) {
    reasons.add('settlement-mismatch', `${what}: allocates ${payload.allocatedWh} Wh of a supply of ${payload.supplyWh} Wh`);
  }
  if (new Set(items.map((item) => item.allocation)).size !== items.length) {
    reasons.add('settlement-mismatch', `${what}: an allocation is listed twice`);
  }
  const reading = index.byHash.get(payload.source);
  if (!isKind(reading, 'reading')) return; // relevance.ts reports a settlement of nothing in the bundle
  if (reading.index > settlement.index) reasons.add('settlement-mismatch', `${what}: logged before its reading`);
  if (payload.supplyWh !== reading.payload.exportWh) {
    reasons.add('settlement-mismatch', `${what}: supplyWh ${payload.supplyWh} is not the export ${reading.payload.exportWh} of ${describe(reading)}`);
  }
  if (payload.start !== reading.payload.start || payload.end !== reading.payload.end) {
    reasons.add('settlement-mismatch', `${what}: its interval is not that of ${describe(reading)}`);
  }
}

export function checkSettlements(index: BundleIndex, reasons: Reasons): void {
  const bySource = new Map<HashB64, Item<SettlementPayload>>();
  for (const settlement of index.settlements) {
    checkSettlement(index, settlement, reasons);
    const other = bySource.get(settlement.payload.source);
    if (other === undefined) bySource.set(settlement.payload.source, settlement);
    else reasons.add('settlement-mismatch', `${describe(other)} and ${describe(settlement)} settle the same reading`);
  }

  const fromSource = new Map<HashB64, Item<AllocationPayload>[]>();
  for (const a of index.allocations) {
    const list = fromSource.get(a.payload.source);
    if (list) list.push(a);
    else fromSource.set(a.payload.source, [a]);
  }
  for (const [source, allocations] of fromSource) {
    const reading = index.byHash.get(source);
    if (!isKind(reading, 'reading')) continue; // the allocation check reported it
    const settlement = bySource.get(source);
    if (settlement === undefined) {
      reasons.add('missing-entry', `${describe(reading)}: the settlement of this supply reading is not in the bundle`);
      continue;
    }
    const listed = new Map(settlement.payload.allocations.map((item) => [item.allocation, item.wh]));
    for (const allocation of allocations) {
      const wh = listed.get(allocation.leafHash);
      if (wh === undefined) {
        reasons.add('settlement-mismatch', `${describe(settlement)} does not list ${describe(allocation)} (${short(allocation.leafHash)}) from its reading`);
      } else if (wh !== allocation.payload.wh) {
        reasons.add('settlement-mismatch', `${describe(settlement)} lists ${describe(allocation)} with ${wh} Wh, not ${allocation.payload.wh} Wh`);
      }
      if (allocation.index > settlement.index) reasons.add('settlement-mismatch', `${describe(allocation)} is logged after ${describe(settlement)}`);
    }
  }
}

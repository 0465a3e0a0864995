/**
 * Step 7: storage (docs/design.md §5, storage; EnergyTag's charge and
 * discharge records). A statement allocation from a storage reading is a
 * discharge: its draws add up to its Wh and each names a charge allocation,
 * held by a settlement in the bundle of an earlier interval, whose sink is a
 * reading of the same storage device. Losses are taken at charging, rounded
 * down (storage-lots.ts lotWh): each draw, and all draws on one charge by the
 * allocations of the bundle's settlements together, stay within floor(charge
 * Wh × efficiencyBp / 10000). Only discharges have draws.
 */
import { compareText } from '../compare.ts';
import type { AllocationId, DevicePayload } from '../payloads.ts';
import { lotWh } from '../storage-lots.ts';
import { describePlaced, readingOf, short, resolveAllocation, type BundleIndex, type Placed } from './bundle-index.ts';
import type { Reasons } from './reasons.ts';
import { statementAllocations, type Scope } from './scope.ts';

/** A charge of `storage` after losses; the device schema requires efficiencyBp of every storage device. */
function lotOf(charge: Placed, storage: DevicePayload): bigint {
  return lotWh(BigInt(charge.wh), storage.efficiencyBp!);
}

/** The storage device a charge went to, when the bundle holds its sink reading and that reading's device. */
function chargedStorage(index: BundleIndex, charge: Placed): DevicePayload | undefined {
  const sink = readingOf(index, charge.sink);
  const device = sink && index.devices.get(sink.payload.device)?.payload;
  return device?.type === 'storage' ? device : undefined;
}

function checkDischarge(index: BundleIndex, discharge: Placed, storage: DevicePayload, flagged: Set<AllocationId>, reasons: Reasons): void {
  const device = storage.id;
  const what = describePlaced(discharge);
  const draws = discharge.draws ?? [];
  const total = draws.reduce((sum, draw) => sum + BigInt(draw.wh), 0n);
  if (total !== BigInt(discharge.wh)) reasons.add('storage-mismatch', `${what}: draws of ${total} Wh for a discharge of ${discharge.wh} Wh`);
  if (new Set(draws.map((d) => d.allocation)).size !== draws.length) reasons.add('storage-mismatch', `${what}: a charge is drawn twice`);
  for (const draw of draws) {
    const on = `${what}: its draw on ${short(draw.allocation)}`;
    const charge = resolveAllocation(index, draw.allocation);
    if (charge === 'no-settlement') {
      reasons.add('missing-entry', `${on}: the settlement holding the charge is not in the bundle`);
      continue;
    }
    if (charge === 'no-position') {
      reasons.add('storage-mismatch', `${on}: its settlement holds no allocation at that position`);
      continue;
    }
    const sink = readingOf(index, charge.sink);
    if (sink === undefined) continue; // allocations.ts or settlements.ts reported it
    if (sink.payload.device !== device) {
      reasons.add('storage-mismatch', `${on}: ${describePlaced(charge)} charges ${sink.payload.device}, not ${device}`);
      continue;
    }
    const { settlement } = charge;
    if (settlement.index >= discharge.settlement.index || compareText(settlement.payload.end, discharge.settlement.payload.start) > 0) {
      reasons.add('storage-mismatch', `${on}: the charge (${settlement.payload.start}/${settlement.payload.end}) is not before the discharge`);
    }
    const lot = lotOf(charge, storage);
    if (BigInt(draw.wh) > lot) {
      reasons.add('storage-mismatch', `${on}: ${draw.wh} Wh drawn from a charge of ${charge.wh} Wh that holds ${lot} Wh after losses`);
      flagged.add(charge.id);
    }
  }
}

export function checkStorage(index: BundleIndex, scope: Scope, reasons: Reasons): void {
  const flagged = new Set<AllocationId>();
  for (const allocation of statementAllocations(scope)) {
    const source = readingOf(index, allocation.source);
    const sourceDevice = source && index.devices.get(source.payload.device);
    if (source === undefined || sourceDevice === undefined) continue; // already a reason
    if (sourceDevice.payload.type === 'storage') checkDischarge(index, allocation, sourceDevice.payload, flagged, reasons);
    else if (allocation.draws !== undefined) reasons.add('storage-mismatch', `${describePlaced(allocation)}: only a discharge from storage draws on charges`);
  }
  // Every settlement in the bundle shows all the draws of its interval and zone, other tenants' too.
  const drawn = new Map<AllocationId, bigint>(scope.charges.map((c) => [c.id, 0n]));
  for (const settlement of index.settlements) {
    for (const allocation of index.held.get(settlement.leafHash) ?? []) {
      for (const draw of allocation.draws ?? []) {
        const sum = drawn.get(draw.allocation);
        if (sum !== undefined) drawn.set(draw.allocation, sum + BigInt(draw.wh));
      }
    }
  }
  for (const charge of scope.charges) {
    // A charge of no storage device the bundle holds is already a reason.
    const storage = chargedStorage(index, charge);
    if (storage === undefined || flagged.has(charge.id)) continue;
    const lot = lotOf(charge, storage);
    const wh = drawn.get(charge.id)!;
    if (wh > lot)
      reasons.add('storage-mismatch', `${describePlaced(charge)}: the bundle's discharges draw ${wh} Wh on it, beyond the ${lot} Wh it holds after losses`);
  }
}

/**
 * Step 6: storage (DESIGN.md "Matching", storage; EnergyTag's charge and
 * discharge records). An allocation from a storage reading is a discharge: its
 * draws add up to its Wh and name charge allocations in the bundle whose sink
 * is a reading of the same storage device, ending no later than the discharge
 * starts. Losses are taken at charging, rounded down (storage-lots.ts lotWh):
 * each draw, and all the bundle's draws on one charge together, stay within
 * floor(charge Wh × efficiencyBp / 10000). Only discharges have draws.
 */
import { compareText } from '../compare.ts';
import type { HashB64 } from '../payloads.ts';
import { lotWh } from '../storage-lots.ts';
import { endsOf } from './allocations.ts';
import { describe, isKind, short, type BundleIndex } from './bundle-index.ts';
import type { Reasons } from './reasons.ts';

export function checkStorage(index: BundleIndex, reasons: Reasons): void {
  const drawn = new Map<HashB64, { wh: bigint; lot: bigint; charge: string; flagged: boolean }>();
  for (const discharge of index.allocations) {
    const { payload } = discharge;
    const { source, sourceDevice } = endsOf(index, discharge);
    const draws = payload.draws ?? [];
    if (sourceDevice === undefined || source === undefined) continue; // already a reason
    if (sourceDevice.payload.type !== 'storage') {
      if (draws.length > 0) reasons.add('storage-mismatch', `${describe(discharge)}: only a discharge from storage draws on charges`);
      continue;
    }
    const what = describe(discharge);
    const total = draws.reduce((sum, draw) => sum + BigInt(draw.wh), 0n);
    if (total !== BigInt(payload.wh)) reasons.add('storage-mismatch', `${what}: draws of ${total} Wh for a discharge of ${payload.wh} Wh`);
    if (new Set(draws.map((d) => d.allocation)).size !== draws.length) reasons.add('storage-mismatch', `${what}: a charge is drawn twice`);
    const efficiencyBp = sourceDevice.payload.efficiencyBp;
    for (const draw of draws) {
      const item = index.byHash.get(draw.allocation);
      const on = `${what}: its draw on ${short(draw.allocation)}`;
      if (item === undefined) {
        reasons.add('missing-entry', `${on}: the charge allocation is not in the bundle`);
        continue;
      }
      if (!isKind(item, 'allocation')) {
        reasons.add('storage-mismatch', `${on} names ${describe(item)}, not an allocation`);
        continue;
      }
      const charge = endsOf(index, item);
      if (charge.sink === undefined) continue; // the charge's own check reported it
      if (charge.sink.payload.device !== source.payload.device) {
        reasons.add('storage-mismatch', `${on}: ${describe(item)} charges ${charge.sink.payload.device}, not ${source.payload.device}`);
        continue;
      }
      if (item.index > discharge.index || compareText(item.payload.end, payload.start) > 0) {
        reasons.add('storage-mismatch', `${on}: the charge (${item.payload.start}/${item.payload.end}) is not before the discharge`);
      }
      if (efficiencyBp === undefined) {
        reasons.add('storage-mismatch', `${on}: storage ${source.payload.device} declares no efficiencyBp`);
        continue;
      }
      const lot = lotWh(BigInt(item.payload.wh), efficiencyBp);
      const wh = BigInt(draw.wh);
      const sum = drawn.get(draw.allocation) ?? { wh: 0n, lot, charge: describe(item), flagged: false };
      if (wh > lot) {
        reasons.add('storage-mismatch', `${on}: ${wh} Wh drawn from a charge of ${item.payload.wh} Wh that holds ${lot} Wh after losses`);
        sum.flagged = true;
      }
      sum.wh += wh;
      drawn.set(draw.allocation, sum);
    }
  }
  for (const { wh, lot, charge, flagged } of drawn.values()) {
    if (wh > lot && !flagged) reasons.add('storage-mismatch', `${charge}: the bundle's discharges draw ${wh} Wh on it, beyond the ${lot} Wh it holds after losses`);
  }
}

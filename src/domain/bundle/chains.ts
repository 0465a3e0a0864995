/**
 * Step 4: devices and their reading chains (docs/design.md §3: the per-device
 * prev chain). A bundle carries a period, so a supply device's chain has gaps;
 * where two consecutive seqs are both present they must link. The tenant's own
 * meters are different: the statement counts all their readings in the period,
 * so between two of their readings present none may be left out.
 */
import { compareText } from '../compare.ts';
import type { ReadingPayload } from '../payloads.ts';
import { describe, type BundleIndex, type Item } from './bundle-index.ts';
import type { Reasons } from './reasons.ts';
import type { Scope } from './scope.ts';

/** Readings by device, each device's by seq. */
export function readingsByDevice(readings: readonly Item<ReadingPayload>[]): Map<string, Item<ReadingPayload>[]> {
  const byDevice = new Map<string, Item<ReadingPayload>[]>();
  for (const reading of readings) {
    const list = byDevice.get(reading.payload.device);
    if (list) list.push(reading);
    else byDevice.set(reading.payload.device, [reading]);
  }
  for (const list of byDevice.values()) list.sort((a, b) => a.payload.seq - b.payload.seq || a.index - b.index);
  return byDevice;
}

/** Each device is registered once, and each reading's device entry is in the bundle, logged before it. */
export function checkDevices(index: BundleIndex, reasons: Reasons): void {
  const first = new Map<string, number>();
  for (const item of index.items) {
    if (item.payload.kind !== 'device') continue;
    const earlier = first.get(item.payload.id);
    if (earlier === undefined) first.set(item.payload.id, item.index);
    else reasons.add('duplicate-entry', `device ${item.payload.id} is registered twice, by entries ${earlier} and ${item.index}`);
  }
  for (const reading of index.readings) {
    const device = index.devices.get(reading.payload.device);
    if (device === undefined || device.index > reading.index) {
      reasons.add('missing-entry', `${describe(reading)}: no device entry for ${reading.payload.device} logged before it`);
    }
  }
}

export function checkChains(index: BundleIndex, reasons: Reasons): void {
  for (const [device, chain] of readingsByDevice(index.readings)) {
    for (let i = 1; i < chain.length; i++) {
      const a = chain[i - 1]!;
      const b = chain[i]!;
      const where = `device ${device}, ${describe(a)} seq ${a.payload.seq} and ${describe(b)} seq ${b.payload.seq}`;
      if (a.payload.seq === b.payload.seq) {
        reasons.add('broken-chain', `${where}: the same seq twice`);
        continue;
      }
      if (b.index < a.index) reasons.add('broken-chain', `${where}: the later seq was logged first`);
      if (compareText(b.payload.start, a.payload.end) < 0) reasons.add('broken-chain', `${where}: the later seq starts before the earlier ends`);
      if (b.payload.seq === a.payload.seq + 1 && b.payload.prev !== a.leafHash) {
        reasons.add('broken-chain', `${where}: prev is not the leaf hash of seq ${a.payload.seq}`);
      }
    }
  }
}

/** Between the first and last reading of a tenant meter in the period, every seq is present. */
export function checkTenantReadingsComplete(scope: Scope, reasons: Reasons): void {
  for (const [device, chain] of readingsByDevice(scope.readings)) {
    for (let i = 1; i < chain.length; i++) {
      const a = chain[i - 1]!.payload.seq;
      const b = chain[i]!.payload.seq;
      if (b > a + 1) {
        const gap = b === a + 2 ? `seq ${a + 1} is` : `seqs ${a + 1}…${b - 1} are`;
        reasons.add('missing-entry', `tenant meter ${device}: ${gap} missing between the readings in the bundle`);
      }
    }
  }
}

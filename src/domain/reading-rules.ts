/**
 * The rules a reading must meet to enter the log (docs/design.md §2
 * and §4). Pure: the caller supplies the device, its chain head, its key
 * entries and the clock.
 */
import { GridproofError } from '../errors.ts';
import type { DeviceType, ReadingPayload } from './payloads.ts';
import { dateMs, instantMs } from './time.ts';

export interface DeviceFacts {
  id: string;
  owner: string;
  type: DeviceType;
  capacityW: number;
  commissioningDate: string;
  biddingZone: string;
}

export interface ChainHead {
  seq: number;
  /** Standard base64 leaf hash: the next reading's `prev`. */
  leafHash: string;
  endMs: number;
}

export interface DeviceKeyEntry {
  entryIdx: number;
  verifierKey: string;
  validFromMs: number;
  validUntilMs: number | undefined;
}

const HOUR_MS = 3_600_000;

/** Interval, clock and physics checks that need no chain state. */
export function checkReadingShape(reading: ReadingPayload, device: DeviceFacts, intervalSeconds: number, nowMs: number): void {
  const startMs = instantMs(reading.start)!;
  const endMs = instantMs(reading.end)!;
  const lengthMs = endMs - startMs;
  if (lengthMs > HOUR_MS) throw new GridproofError('interval-too-long', 'a reading covers at most one hour');
  const gridMs = intervalSeconds * 1000;
  if (startMs % gridMs !== 0 || lengthMs !== gridMs) {
    throw new GridproofError('misaligned-interval', `a reading covers exactly one ${intervalSeconds / 60}-minute interval of the UTC grid`);
  }
  if (endMs > nowMs) throw new GridproofError('future-interval', `the interval ends at ${reading.end}, after now`);
  // Fails closed: an unreadable commissioning date refuses the reading.
  const commissionedMs = dateMs(device.commissioningDate);
  if (commissionedMs === undefined || startMs < commissionedMs) {
    throw new GridproofError('before-commissioning', `device ${device.id} was commissioned on ${device.commissioningDate}`);
  }
  // Whole Wh a device of this power can move in the interval: W × s / 3600.
  const maxWh = (BigInt(device.capacityW) * BigInt(lengthMs)) / 3_600_000n;
  for (const [field, value] of [
    ['importWh', reading.importWh],
    ['exportWh', reading.exportWh],
  ] as const) {
    if (BigInt(value) > maxWh) {
      throw new GridproofError('energy-exceeds-capacity', `${field} ${value} exceeds the ${maxWh} Wh that ${device.capacityW} W can deliver in the interval`);
    }
  }
}

/** seq is the device's next, prev its previous reading, and time moves forward. */
export function checkChain(reading: ReadingPayload, head: ChainHead | undefined): void {
  const expected = head ? head.seq + 1 : 0;
  if (reading.seq < expected) {
    throw new GridproofError('seq-conflict', `seq ${reading.seq} of device ${reading.device} is already used by another reading`);
  }
  if (reading.seq > expected) throw new GridproofError('seq-gap', `device ${reading.device} expects seq ${expected}, got ${reading.seq}`);
  if (head && reading.prev !== head.leafHash) {
    throw new GridproofError('bad-prev', `prev must be the leaf hash of seq ${head.seq}: ${head.leafHash}`);
  }
  if (head && instantMs(reading.start)! < head.endMs) {
    throw new GridproofError('overlapping-interval', `the interval starts before the end of seq ${head.seq}`);
  }
}

/**
 * The verifier keys a reading of [start, end) may be signed with, given the
 * device's key entries logged before it: for each verifier key the latest
 * such entry rules (a later entry rotates or revokes it), and its window must
 * hold the interval (validFrom ≤ start, end ≤ validUntil when set).
 */
export function keysValidFor(entries: readonly DeviceKeyEntry[], startMs: number, endMs: number): string[] {
  const latest = new Map<string, DeviceKeyEntry>();
  for (const entry of [...entries].sort((a, b) => a.entryIdx - b.entryIdx)) latest.set(entry.verifierKey, entry);
  return [...latest.values()]
    .filter((entry) => entry.validFromMs <= startMs && (entry.validUntilMs === undefined || endMs <= entry.validUntilMs))
    .map((entry) => entry.verifierKey);
}

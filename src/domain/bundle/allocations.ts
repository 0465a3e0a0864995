/**
 * Step 5: every allocation in the bundle (DESIGN.md "Matching"): its source
 * and sink readings are in the bundle, logged before it, of exactly its
 * interval, their devices in its zone; it goes from a generator or storage to
 * a tenant meter or storage (never storage to storage), is of at least 1 Wh,
 * and its sink is not given more than its import. A contract allocation names
 * a contract entry of the source device and the sink's owner, valid over the
 * interval. Storage draws are storage.ts's.
 */
import { compareText } from '../compare.ts';
import type { AllocationPayload, DevicePayload, HashB64, ReadingPayload } from '../payloads.ts';
import { describe, isKind, short, type BundleIndex, type Item } from './bundle-index.ts';
import type { Reasons } from './reasons.ts';

const SOURCE_TYPES = new Set(['wind', 'solar', 'storage']);
const SINK_TYPES = new Set(['consumption', 'storage']);

export interface Ends {
  source?: Item<ReadingPayload>;
  sink?: Item<ReadingPayload>;
  sourceDevice?: Item<DevicePayload>;
  sinkDevice?: Item<DevicePayload>;
}

/** An allocation's readings and their devices, as far as the bundle has them. */
export function endsOf(index: BundleIndex, allocation: Item<AllocationPayload>): Ends {
  const find = (hash: HashB64): Item<ReadingPayload> | undefined => {
    const item = index.byHash.get(hash);
    return isKind(item, 'reading') ? item : undefined;
  };
  const source = find(allocation.payload.source);
  const sink = find(allocation.payload.sink);
  const ends: Ends = {};
  if (source) {
    ends.source = source;
    const device = index.devices.get(source.payload.device);
    if (device) ends.sourceDevice = device;
  }
  if (sink) {
    ends.sink = sink;
    const device = index.devices.get(sink.payload.device);
    if (device) ends.sinkDevice = device;
  }
  return ends;
}

function checkReadingEnd(index: BundleIndex, allocation: Item<AllocationPayload>, role: 'source' | 'sink', reasons: Reasons): void {
  const { payload } = allocation;
  const hash = payload[role];
  const item = index.byHash.get(hash);
  const what = `${describe(allocation)}: its ${role} ${short(hash)}`;
  if (item === undefined) {
    reasons.add('missing-entry', `${what} is not in the bundle`);
    return;
  }
  if (!isKind(item, 'reading')) {
    reasons.add('allocation-mismatch', `${what} is ${describe(item)}, not a reading`);
    return;
  }
  if (item.index > allocation.index) reasons.add('allocation-mismatch', `${what} is logged after it`);
  if (item.payload.start !== payload.start || item.payload.end !== payload.end) {
    reasons.add('allocation-mismatch', `${what} covers ${item.payload.start}/${item.payload.end}, not ${payload.start}/${payload.end}`);
  }
  const device = index.devices.get(item.payload.device);
  if (device === undefined) return; // checkDevices reported it
  if (device.payload.biddingZone !== payload.zone) {
    reasons.add('allocation-mismatch', `${what} is of device ${device.payload.id} in zone ${device.payload.biddingZone}, not ${payload.zone}`);
  }
  const allowed = role === 'source' ? SOURCE_TYPES : SINK_TYPES;
  if (!allowed.has(device.payload.type)) {
    reasons.add('allocation-mismatch', `${what} is of a ${device.payload.type} device, which cannot be a ${role}`);
  }
}

function checkContract(index: BundleIndex, allocation: Item<AllocationPayload>, ends: Ends, reasons: Reasons): void {
  const { payload } = allocation;
  if (payload.rule !== 'contract' || payload.contract === undefined) return;
  const item = index.byHash.get(payload.contract);
  const what = `${describe(allocation)}: its contract ${short(payload.contract)}`;
  if (item === undefined) {
    reasons.add('missing-entry', `${what} is not in the bundle`);
    return;
  }
  if (!isKind(item, 'contract')) {
    reasons.add('allocation-mismatch', `${what} is ${describe(item)}, not a contract`);
    return;
  }
  const contract = item.payload;
  if (item.index > allocation.index) reasons.add('allocation-mismatch', `${what} is logged after it`);
  if (ends.source && contract.device !== ends.source.payload.device) {
    reasons.add('allocation-mismatch', `${what} is for device ${contract.device}, the source is ${ends.source.payload.device}`);
  }
  if (ends.sinkDevice && (ends.sinkDevice.payload.type !== 'consumption' || contract.tenant !== ends.sinkDevice.payload.owner)) {
    reasons.add('allocation-mismatch', `${what} is for tenant ${contract.tenant}, the sink is a meter of ${ends.sinkDevice.payload.owner}`);
  }
  if (compareText(contract.validFrom, payload.start) > 0 || (contract.validUntil !== undefined && compareText(payload.end, contract.validUntil) > 0)) {
    reasons.add('allocation-mismatch', `${what} is not valid over ${payload.start}/${payload.end}`);
  }
}

export function checkAllocations(index: BundleIndex, reasons: Reasons): void {
  const toSink = new Map<HashB64, bigint>();
  for (const allocation of index.allocations) {
    const { payload } = allocation;
    checkReadingEnd(index, allocation, 'source', reasons);
    checkReadingEnd(index, allocation, 'sink', reasons);
    const ends = endsOf(index, allocation);
    if (ends.sourceDevice?.payload.type === 'storage' && ends.sinkDevice?.payload.type === 'storage') {
      reasons.add('allocation-mismatch', `${describe(allocation)}: storage never charges storage`);
    }
    if (BigInt(payload.wh) === 0n) reasons.add('allocation-mismatch', `${describe(allocation)}: an allocation is of at least 1 Wh`);
    checkContract(index, allocation, ends, reasons);
    toSink.set(payload.sink, (toSink.get(payload.sink) ?? 0n) + BigInt(payload.wh));
  }
  for (const [hash, wh] of toSink) {
    const sink = index.byHash.get(hash);
    if (isKind(sink, 'reading') && wh > BigInt(sink.payload.importWh)) {
      reasons.add('allocation-mismatch', `${describe(sink)}: allocations of ${wh} Wh to it exceed its import of ${sink.payload.importWh} Wh`);
    }
  }
}

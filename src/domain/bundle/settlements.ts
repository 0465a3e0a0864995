/**
 * Step 5: every settlement in the bundle (DESIGN.md "settlement" kind,
 * "Matching" invariants). A settlement holds all the allocations of one
 * interval and zone, so much can be checked from it alone: its sources are
 * listed once each in leaf-hash order, each source's allocatedWh is the sum of
 * its allocations and at most its supplyWh, every allocation is of at least
 * 1 Wh and never from storage to storage. Where the bundle has a reading the
 * settlement names, that reading is of its interval and zone, logged before
 * it, of a device that may supply (a source) or take (a sink); a source's
 * supplyWh is its export; a sink's import covers all that is allocated to
 * it. Across the bundle, no reading is settled twice and no interval and zone
 * has two settlements that allocate. Readings the bundle leaves out (other
 * tenants') are expected; allocations.ts asks for those the statement needs.
 */
import { allocatedWhOf } from '../allocation-id.ts';
import { compareText } from '../compare.ts';
import type { DeviceType, HashB64, SettlementPayload } from '../payloads.ts';
import { describe, isKind, readingOf, short, type BundleIndex, type Item } from './bundle-index.ts';
import type { Reasons } from './reasons.ts';

const SUPPLY_TYPES: ReadonlySet<DeviceType> = new Set(['wind', 'solar', 'storage']);
const DEMAND_TYPES: ReadonlySet<DeviceType> = new Set(['consumption', 'storage']);

interface Roles {
  source: boolean;
  sink: boolean;
}

function checkReading(index: BundleIndex, settlement: Item<SettlementPayload>, hash: HashB64, roles: Roles, reasons: Reasons): void {
  const item = index.byHash.get(hash);
  if (item === undefined) return;
  const { payload } = settlement;
  const what = `${describe(settlement)}: its reading ${short(hash)}`;
  if (!isKind(item, 'reading')) {
    reasons.add('allocation-mismatch', `${what} is ${describe(item)}, not a reading`);
    return;
  }
  if (item.index > settlement.index) reasons.add('allocation-mismatch', `${what} is logged after it`);
  if (item.payload.start !== payload.start || item.payload.end !== payload.end) {
    reasons.add('allocation-mismatch', `${what} covers ${item.payload.start}/${item.payload.end}, not ${payload.start}/${payload.end}`);
  }
  const device = index.devices.get(item.payload.device);
  if (device === undefined) return; // checkDevices reported it
  const { biddingZone, id, type } = device.payload;
  if (biddingZone !== payload.zone) reasons.add('allocation-mismatch', `${what} is of device ${id} in zone ${biddingZone}, not ${payload.zone}`);
  if (roles.source && !SUPPLY_TYPES.has(type)) reasons.add('allocation-mismatch', `${what} is of a ${type} device, which supplies nothing`);
  if (roles.sink && !DEMAND_TYPES.has(type)) reasons.add('allocation-mismatch', `${what} is of a ${type} device, which takes nothing`);
}

function checkSources(index: BundleIndex, settlement: Item<SettlementPayload>, reasons: Reasons): void {
  const what = describe(settlement);
  const { sources } = settlement.payload;
  if (sources.some((s, i) => i > 0 && compareText(sources[i - 1]!.reading, s.reading) >= 0)) {
    reasons.add('settlement-mismatch', `${what}: its sources are not listed once each in leaf-hash order`);
  }
  for (const source of sources) {
    const of = `${what}: source ${short(source.reading)}`;
    const allocated = allocatedWhOf(source);
    const supply = BigInt(source.supplyWh);
    if (allocated !== BigInt(source.allocatedWh)) reasons.add('settlement-mismatch', `${of}: allocatedWh ${source.allocatedWh} is not the sum ${allocated} of its allocations`);
    if (allocated > supply || BigInt(source.allocatedWh) > supply) {
      reasons.add('settlement-mismatch', `${of}: allocates ${allocated} Wh of a supply of ${source.supplyWh} Wh`);
    }
    const reading = readingOf(index, source.reading);
    if (reading !== undefined && source.supplyWh !== reading.payload.exportWh) {
      reasons.add('settlement-mismatch', `${of}: supplyWh ${source.supplyWh} is not the export ${reading.payload.exportWh} of ${describe(reading)}`);
    }
  }
}

function checkSettlement(index: BundleIndex, settlement: Item<SettlementPayload>, toSink: Map<HashB64, bigint>, reasons: Reasons): void {
  checkSources(index, settlement, reasons);
  const roles = new Map<HashB64, Roles>();
  const role = (hash: HashB64): Roles => {
    const r = roles.get(hash) ?? { source: false, sink: false };
    roles.set(hash, r);
    return r;
  };
  for (const source of settlement.payload.sources) role(source.reading).source = true;
  const deviceType = (hash: HashB64): DeviceType | undefined => {
    const reading = readingOf(index, hash);
    return reading && index.devices.get(reading.payload.device)?.payload.type;
  };
  for (const allocation of index.held.get(settlement.leafHash) ?? []) {
    const what = `allocation ${allocation.position} of ${describe(settlement)}`;
    role(allocation.sink).sink = true;
    toSink.set(allocation.sink, (toSink.get(allocation.sink) ?? 0n) + BigInt(allocation.wh));
    if (BigInt(allocation.wh) === 0n) reasons.add('allocation-mismatch', `${what}: an allocation is of at least 1 Wh`);
    if (deviceType(allocation.source) === 'storage' && deviceType(allocation.sink) === 'storage') {
      reasons.add('allocation-mismatch', `${what}: storage never charges storage`);
    }
  }
  for (const [hash, r] of roles) checkReading(index, settlement, hash, r, reasons);
}

export function checkSettlements(index: BundleIndex, reasons: Reasons): void {
  const toSink = new Map<HashB64, bigint>();
  const settledBy = new Map<HashB64, Item<SettlementPayload>>();
  const allocating = new Map<string, Item<SettlementPayload>>();
  for (const settlement of index.settlements) {
    checkSettlement(index, settlement, toSink, reasons);
    for (const source of settlement.payload.sources) {
      const other = settledBy.get(source.reading);
      if (other === undefined) settledBy.set(source.reading, settlement);
      else if (other !== settlement) reasons.add('settlement-mismatch', `${describe(other)} and ${describe(settlement)} both settle reading ${short(source.reading)}`);
    }
    // A late settlement allocates nothing; only one settlement of an interval and zone may.
    if ((index.held.get(settlement.leafHash) ?? []).length === 0) continue;
    const { start, end, zone } = settlement.payload;
    const key = `${start}/${end} ${zone}`;
    const other = allocating.get(key);
    if (other === undefined) allocating.set(key, settlement);
    else reasons.add('settlement-mismatch', `${describe(other)} and ${describe(settlement)} both allocate ${key}`);
  }
  for (const [hash, wh] of toSink) {
    const sink = readingOf(index, hash);
    if (sink !== undefined && wh > BigInt(sink.payload.importWh)) {
      reasons.add('allocation-mismatch', `${describe(sink)}: allocations of ${wh} Wh to it exceed its import of ${sink.payload.importWh} Wh`);
    }
  }
}

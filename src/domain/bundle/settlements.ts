/**
 * Step 5: every settlement in the bundle (docs/design.md §5, §6). A settlement
 * holds all the allocations of one interval and zone, so the rules every
 * settlement keeps (settlement-rules.ts, the same the matching run and the
 * monitor apply) can be checked from it and from the readings and contracts
 * the bundle carries; readings it leaves out (other tenants') are expected,
 * and allocations.ts asks for those the statement needs. Across the bundle, no
 * reading is settled twice and no interval and zone has two settlements that
 * allocate.
 */
import type { HashB64, SettlementPayload } from '../payloads.ts';
import { settlementProblems, type ContractFact, type ReadingFact } from '../settlement-rules.ts';
import { instantMs } from '../time.ts';
import { describe, isKind, short, type BundleIndex, type Item } from './bundle-index.ts';
import type { Reasons } from './reasons.ts';

const intervalOf = (start: string, end: string, zone: string): string => `${start}/${end}/${zone}`;

/** What the bundle shows of a reading: nothing when it is absent or its device entry is (checkDevices reports that). */
function readingFact(index: BundleIndex, hash: HashB64): ReadingFact | undefined {
  const item = index.byHash.get(hash);
  if (!isKind(item, 'reading')) return undefined;
  const device = index.devices.get(item.payload.device)?.payload;
  if (device === undefined) return undefined;
  const { start, end, importWh, exportWh } = item.payload;
  return {
    device: device.id,
    deviceType: device.type,
    owner: device.owner,
    importWh: BigInt(importWh),
    exportWh: BigInt(exportWh),
    interval: intervalOf(start, end, device.biddingZone),
    index: item.index,
  };
}

function contractFact(index: BundleIndex, hash: HashB64): ContractFact | undefined {
  const item = index.byHash.get(hash);
  if (!isKind(item, 'contract')) return undefined;
  const { id, device, tenant, shareBp, validFrom, validUntil } = item.payload;
  return {
    id,
    device,
    tenant,
    ...(shareBp === undefined ? {} : { shareBp }),
    validFromMs: instantMs(validFrom)!,
    ...(validUntil === undefined ? {} : { validUntilMs: instantMs(validUntil)! }),
    index: item.index,
  };
}

function checkSettlement(index: BundleIndex, settlement: Item<SettlementPayload>, reasons: Reasons): void {
  const { payload } = settlement;
  for (const hash of [...payload.sinks, ...payload.sources.map((s) => s.reading)]) {
    const item = index.byHash.get(hash);
    if (item !== undefined && !isKind(item, 'reading')) {
      reasons.add('allocation-mismatch', `${describe(settlement)}: its reading ${short(hash)} is ${describe(item)}, not a reading`);
    }
  }
  const problems = settlementProblems({
    settlement: payload,
    leafHash: settlement.leafHash,
    index: settlement.index,
    interval: intervalOf(payload.start, payload.end, payload.zone),
    startMs: instantMs(payload.start)!,
    endMs: instantMs(payload.end)!,
    reading: (hash) => readingFact(index, hash),
    contract: (hash) => contractFact(index, hash),
    // A discharge's supply is set by green charge the bundle need not carry: its share is the monitor's to check.
  });
  for (const problem of problems) reasons.add(problem.code, `${describe(settlement)}: ${problem.detail}`);
}

export function checkSettlements(index: BundleIndex, reasons: Reasons): void {
  const settledBy = new Map<HashB64, Item<SettlementPayload>>();
  const allocating = new Map<string, Item<SettlementPayload>>();
  for (const settlement of index.settlements) {
    checkSettlement(index, settlement, reasons);
    for (const source of settlement.payload.sources) {
      const other = settledBy.get(source.reading);
      if (other === undefined) settledBy.set(source.reading, settlement);
      else if (other !== settlement)
        reasons.add('settlement-mismatch', `${describe(other)} and ${describe(settlement)} both settle reading ${short(source.reading)}`);
    }
    // A late settlement allocates nothing; only one settlement of an interval and zone may.
    if ((index.held.get(settlement.leafHash) ?? []).length === 0) continue;
    const { start, end, zone } = settlement.payload;
    const key = `${start}/${end} ${zone}`;
    const other = allocating.get(key);
    if (other === undefined) allocating.set(key, settlement);
    else reasons.add('settlement-mismatch', `${describe(other)} and ${describe(settlement)} both allocate ${key}`);
  }
}

/**
 * The facts of a bundle that verified (facts-types.ts), read from its
 * entries with the verifier's own index and scope, so they rest on exactly
 * what verification checked. Call it only after verifyBundle said valid: it
 * does not check anything again, and a bundle that did not verify proves no
 * fact at all.
 */
import { parseCheckpoint } from '../../crypto/checkpoint.ts';
import { toBase64 } from '../../crypto/base64.ts';
import { compareText } from '../compare.ts';
import type { ContractPayload, DevicePayload } from '../payloads.ts';
import { lotWh } from '../storage-lots.ts';
import { gridFactorAt, type GridFactor } from '../tenant-figures.ts';
import { readingOf, resolveAllocation, type BundleIndex, type Item, type Placed } from './bundle-index.ts';
import type { Bundle } from './bundle-types.ts';
import { cbamView, type CbamClaimedPart } from './facts-cbam.ts';
import type { BundleFacts, FactCheckpoint, FactDevice, FactDischarge, FactHour, FactParty, FactPpa } from './facts-types.ts';
import { openEntries } from './open-entries.ts';
import { Reasons } from './reasons.ts';
import { scopeOf, type Scope } from './scope.ts';

/** The checkpoint's figures and the names of its other signers (C2SP tlog-cosignature). */
function checkpointFacts(note: string): FactCheckpoint {
  const split = note.lastIndexOf('\n\n');
  const cp = parseCheckpoint(note.slice(0, split + 1));
  const names = note
    .slice(split + 2)
    .split('\n')
    .filter((line) => line.startsWith('— '))
    .map((line) => line.split(' ')[1]!);
  return { origin: cp.origin, size: cp.size, rootHash: toBase64(cp.root), cosignatures: [...new Set(names.filter((n) => n !== cp.origin))] };
}

function party(index: BundleIndex, id: string): FactParty {
  const p = index.participants.find((x) => x.payload.id === id)?.payload;
  if (p === undefined) return { id };
  return { id, name: p.name, ...(p.legalId === undefined ? {} : { legalId: p.legalId }), ...(p.country === undefined ? {} : { country: p.country }) };
}

function ppaOf(index: number, c: ContractPayload): FactPpa {
  return {
    id: c.id,
    index,
    priority: c.priority,
    ...(c.shareBp === undefined ? {} : { shareBp: c.shareBp }),
    validFrom: c.validFrom,
    ...(c.validUntil === undefined ? {} : { validUntil: c.validUntil }),
  };
}

function deviceFacts(index: BundleIndex, tenant: string, device: DevicePayload, deviceIndex: number, deliveredWh: bigint): FactDevice {
  const ppas = index.contracts.filter((c) => c.payload.device === device.id && c.payload.tenant === tenant).map((c) => ppaOf(c.index, c.payload));
  const optional = <K extends keyof DevicePayload>(key: K): Partial<Pick<DevicePayload, K>> =>
    device[key] === undefined ? {} : ({ [key]: device[key] } as Pick<DevicePayload, K>);
  return {
    id: device.id,
    owner: party(index, device.owner),
    type: device.type,
    ...optional('eecsEnergySource'),
    ...optional('eecsTechnology'),
    capacityW: device.capacityW,
    ...optional('energyCapacityWh'),
    ...optional('efficiencyBp'),
    commissioningDate: device.commissioningDate,
    country: device.country,
    biddingZone: device.biddingZone,
    connection: device.connection,
    directTechnicalLink: device.connection === 'park-grid',
    support: device.support,
    ...optional('gridConnectionId'),
    ...optional('location'),
    ppas,
    index: deviceIndex,
    deliveredWh: String(deliveredWh),
  };
}

/** The id of the contract entry with this leaf hash; the bundle verified, so it is there. */
function contractId(index: BundleIndex, leafHash: string): string {
  return (index.byHash.get(leafHash) as Item<ContractPayload>).payload.id;
}

/** The device an allocation comes from; the bundle verified, so it is there. */
export function sourceDevice(index: BundleIndex, allocation: Placed): DevicePayload {
  return index.devices.get(readingOf(index, allocation.source)!.payload.device)!.payload;
}

function discharges(index: BundleIndex, scope: Scope): FactDischarge[] {
  const out: FactDischarge[] = [];
  for (const a of scope.allocations) {
    const storage = sourceDevice(index, a);
    if (storage.type !== 'storage') continue;
    const efficiency = BigInt(storage.efficiencyBp!);
    let loss = 0n;
    const draws = (a.draws ?? []).map((d) => {
      const charge = resolveAllocation(index, d.allocation) as Placed;
      const drawn = BigInt(d.wh);
      // A draw of d Wh took d / efficiency Wh of charge: the rest was lost.
      loss += (drawn * 10000n + efficiency - 1n) / efficiency - drawn;
      return {
        charge: d.allocation,
        chargeStart: charge.settlement.payload.start,
        chargeEnd: charge.settlement.payload.end,
        chargeSource: sourceDevice(index, charge).id,
        chargedWh: charge.wh,
        lotWh: String(lotWh(BigInt(charge.wh), storage.efficiencyBp!)),
        drawnWh: d.wh,
      };
    });
    out.push({ device: storage.id, start: a.settlement.payload.start, end: a.settlement.payload.end, wh: a.wh, draws, lossWh: String(loss) });
  }
  return out;
}

/** Facts of a bundle that verified against the log whose origin it names. */
export function bundleFacts(bundle: Bundle): BundleFacts {
  const checkpoint = checkpointFacts(bundle.checkpoint);
  const { statement } = bundle;
  // Verification already passed: the reasons collected here are none.
  const index = openEntries(bundle.entries, checkpoint.origin, undefined, new Reasons());
  const scope = scopeOf(index, statement, new Reasons());
  const factors: GridFactor[] = index.zones.map((z) => ({
    zone: z.payload.zone,
    gCO2PerKWh: z.payload.gCO2PerKWh,
    validFrom: z.payload.validFrom,
    index: z.index,
  }));

  const claimItem = index.claims.find((c) => c.payload.tenant === statement.tenant);
  const claimed = new Map<string, bigint>();
  const key = (start: string, device: string): string => `${start}\0${device}`;
  // CBAM counts only what is claimed: under a direct technical link, or else under a PPA.
  const cbamClaimed: CbamClaimedPart[] = [];
  for (const id of claimItem?.payload.allocations ?? []) {
    const a = resolveAllocation(index, id) as Placed;
    const device = sourceDevice(index, a);
    const start = a.settlement.payload.start;
    const k = key(start, device.id);
    claimed.set(k, (claimed.get(k) ?? 0n) + BigInt(a.wh));
    const ppa = a.rule === 'contract' && a.contract !== undefined ? contractId(index, a.contract) : undefined;
    cbamClaimed.push({ start, device: device.id, connection: device.connection, ...(ppa === undefined ? {} : { ppa }), wh: BigInt(a.wh) });
  }

  // Per hour and source: delivered and under contract.
  const perHour = new Map<string, Map<string, { wh: bigint; ppa: bigint }>>();
  const delivered = new Map<string, bigint>();
  for (const a of scope.allocations) {
    const device = sourceDevice(index, a).id;
    const start = a.settlement.payload.start;
    const hour = perHour.get(start) ?? new Map<string, { wh: bigint; ppa: bigint }>();
    perHour.set(start, hour);
    const sum = hour.get(device) ?? { wh: 0n, ppa: 0n };
    hour.set(device, sum);
    sum.wh += BigInt(a.wh);
    if (a.rule === 'contract') sum.ppa += BigInt(a.wh);
    delivered.set(device, (delivered.get(device) ?? 0n) + BigInt(a.wh));
  }
  const zoneOf = new Map(scope.readings.map((r) => [r.payload.start, index.devices.get(r.payload.device)!.payload.biddingZone]));
  const hours: FactHour[] = statement.intervals.map((i) => ({
    start: i.start,
    end: i.end,
    consumedWh: i.consumedWh,
    matchedWh: i.matchedWh,
    cfeScore: i.cfeScore,
    gCO2PerKWh: gridFactorAt(factors, zoneOf.get(i.start)!, i.start),
    sources: [...(perHour.get(i.start) ?? new Map<string, { wh: bigint; ppa: bigint }>())]
      .sort(([x], [y]) => compareText(x, y))
      .map(([device, s]) => ({
        device,
        wh: String(s.wh),
        ppaWh: String(s.ppa),
        ...(claimItem === undefined ? {} : { claimedWh: String(claimed.get(key(i.start, device)) ?? 0n) }),
      })),
  }));

  const devices = [...delivered.keys()].sort(compareText).map((id) => {
    const item = index.devices.get(id)!;
    return deviceFacts(index, statement.tenant, item.payload, item.index, delivered.get(id)!);
  });
  const facts: BundleFacts = {
    checkpoint,
    tenant: party(index, statement.tenant),
    period: { ...statement.period },
    ...(claimItem === undefined || statement.claim === undefined
      ? {}
      : { claim: { ...statement.claim, index: claimItem.index, leafHash: claimItem.leafHash } }),
    consumedWh: statement.consumedWh,
    matchedWh: statement.matchedWh,
    cfeScore: statement.cfeScore,
    unmatchedEmissionsG: statement.unmatchedEmissionsG,
    devices,
    hours,
    discharges: discharges(index, scope),
  };
  return statement.claim?.purpose === 'cbam' ? { ...facts, cbam: cbamView(hours, cbamClaimed) } : facts;
}

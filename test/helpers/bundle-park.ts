/**
 * A park's log written entry by entry for the bundle verifier's tests
 * (test/unit/bundle-verify.test.ts): signed notes, an RFC 9162 tree, a signed
 * checkpoint; matched hour by hour with the domain's own
 * planInterval/checkIntervalSettlement (one settlement per hour, holding every
 * allocation of it); and a bundle cut from it as the server's builder would.
 * A Tamper writes the same log with one rule broken and every entry properly
 * signed, so only the rule can catch it.
 */
import { toBase64, utf8 } from '../../src/crypto/base64.ts';
import { formatCheckpoint, signCheckpoint } from '../../src/crypto/checkpoint.ts';
import type { VerifyFn } from '../../src/crypto/ed25519.ts';
import { appendLeaves, hashLeaf, inclusionProof, rootFromFrontier, type NodeId } from '../../src/crypto/merkle.ts';
import { generateSigner, signNote, verifierOf, type Signer } from '../../src/crypto/note.ts';
import { sha256 } from '../../src/crypto/sha256.ts';
import { allocationsOf, parseAllocationId, type PositionedAllocation } from '../../src/domain/allocation-id.ts';
import { statementFromFigures, verifyBundle, BUNDLE_MEDIA_TYPE, type Bundle, type BundleCode } from '../../src/domain/bundle/verify-bundle.ts';
import { selectClaim } from '../../src/domain/claims.ts';
import { sealEntry } from '../../src/domain/entry.ts';
import type { IntervalInput } from '../../src/domain/interval-input.ts';
import { planInterval, type GreenLot, type MatchReading } from '../../src/domain/matching.ts';
import type { ClaimPayload, ContractPayload, DevicePayload, DeviceType, Payload, ReadingPayload, SettlementPayload } from '../../src/domain/payloads.ts';
import { checkIntervalSettlement } from '../../src/domain/settlement.ts';
import { tenantFigures } from '../../src/domain/tenant-figures.ts';
import { nativeSign, nativeVerify } from '../../src/platform/node-ed25519.ts';

export const ORIGIN = 'example.com/park';
const ZONE = 'DE-LU';
export const hourAt = (h: number): string => new Date(Date.UTC(2025, 2, 1, h)).toISOString().replace('.000Z', 'Z');
const PERIOD = { start: hourAt(0), end: hourAt(24) };
const REGISTERED = '2025-01-01T00:00:00Z';

const seedOf = (name: string): Uint8Array => sha256(utf8(`bundle-verify test ${name}`));
export const logSigner = generateSigner(ORIGIN, seedOf('log'));
export const otherLogSigner = generateSigner('other.example/park', seedOf('other log'));
export const operator = generateSigner('operator', seedOf('operator'));
const nextOperator = generateSigner('operator', seedOf('operator, rotated'));
export const LOG_KEY = verifierOf(logSigner).vkey;

export interface DeviceSpec {
  payload: DevicePayload;
  /** [importWh, exportWh] of hour h. */
  profile: (h: number) => [number, number];
}

export const device = (id: string, owner: string, type: DeviceType, extra: Partial<DevicePayload>, profile: DeviceSpec['profile']): DeviceSpec => ({
  payload: {
    kind: 'device',
    log: ORIGIN,
    id,
    owner,
    type,
    capacityW: 10_000,
    commissioningDate: '2024-06-01',
    country: 'DE',
    biddingZone: ZONE,
    connection: 'park-grid',
    support: 'none',
    ...extra,
  },
  profile,
});
/** `spec` metered `[importWh, exportWh]` at `hour`, as before at every other hour. */
export const meteredAt = (spec: DeviceSpec, hour: number, metered: [number, number]): DeviceSpec => ({
  ...spec,
  profile: (h) => (h === hour ? metered : spec.profile(h)),
});
const wind = { eecsEnergySource: 'F01050100', eecsTechnology: 'T020001' };
/** What a battery's device entry declares besides the common fields. */
export const BATTERY = { eecsEnergySource: 'F01000000', eecsTechnology: 'T060000', energyCapacityWh: '20000', efficiencyBp: 9000 };
const DEVICES: DeviceSpec[] = [
  device('wind-1', 'gen', 'wind', wind, (h) => [0, 900 + 40 * (h % 6)]),
  device('wind-2', 'gen', 'wind', wind, (h) => [0, 500 + 30 * ((h + 3) % 5)]),
  device('solar-1', 'gen', 'solar', { eecsEnergySource: 'F01010100', eecsTechnology: 'T010100' }, (h) => [
    0,
    h >= 7 && h < 18 ? 200 * Math.min(h - 6, 18 - h) : 0,
  ]),
  // Charges at noon from what the tenants leave, discharges in the evening peak.
  device('bat-1', 'gen', 'storage', BATTERY, (h) => (h === 12 ? [1000, 0] : h === 20 ? [0, 1500] : [0, 0])),
  device('meter-1', 't1', 'consumption', {}, (h) => [h === 20 ? 4000 : 1500 + 10 * h, 0]),
  device('meter-2', 't2', 'consumption', {}, () => [300, 0]),
];

interface LogEntry {
  index: number;
  note: string;
  leafHash: string;
  payload: Payload;
}

/** One way to break the rules while signing everything properly. */
export interface Tamper {
  /** Another park (more devices, other profiles), registered, metered and matched as given: it breaks no rule. */
  park?: (devices: readonly DeviceSpec[]) => DeviceSpec[];
  device?: (p: DevicePayload) => DevicePayload;
  contract?: (p: ContractPayload) => ContractPayload;
  reading?: (p: ReadingPayload, hour: number) => ReadingPayload;
  settlement?: (p: SettlementPayload, hour: number) => SettlementPayload;
  /** A second settlement of the hour, logged after the first. */
  extraSettlement?: (p: SettlementPayload, hour: number) => SettlementPayload | undefined;
  claim?: (p: ClaimPayload, log: TestLog) => ClaimPayload;
  lotsAfter?: (lots: GreenLot[], hour: number) => GreenLot[];
  note?: (note: string, p: Payload) => string;
  /**
   * Key rotations at the start of an hour; `stale` keeps signing with the old key after it.
   * An operator rotation is signed by the log key; `byOldKey` signs it with the key it replaces.
   */
  rotateOperator?: { hour: number; stale?: boolean; byOldKey?: boolean };
  rotateMeter?: { hour: number; stale?: boolean };
}

export class TestLog {
  readonly entries: LogEntry[] = [];
  /** Per matched hour: what matching saw and the settlement entry logged for it (tampered or not). */
  readonly matched = new Map<number, { input: IntervalInput; entry: LogEntry }>();
  private readonly nodes = new Map<string, Uint8Array>();
  private readonly getNode = (id: NodeId): Uint8Array => this.nodes.get(`${id.level}/${id.index}`)!;
  constructor(private readonly tamper: Tamper) {}

  add(payload: Payload, signer: Signer): LogEntry {
    let note = sealEntry(payload, signer, nativeSign);
    if (this.tamper.note) note = this.tamper.note(note, payload);
    const leaf = hashLeaf(utf8(note));
    for (const node of appendLeaves(this.entries.length, [leaf], this.getNode)) this.nodes.set(`${node.level}/${node.index}`, node.hash);
    const entry = { index: this.entries.length, note, leafHash: toBase64(leaf), payload };
    this.entries.push(entry);
    return entry;
  }

  checkpoint(size = this.entries.length, signer = logSigner, origin = ORIGIN): string {
    const cp = { origin, size, root: rootFromFrontier(size, this.getNode), extensions: [] };
    return origin === signer.name ? signCheckpoint(cp, signer) : signNote(formatCheckpoint(cp), [signer]);
  }

  proof(index: number, size = this.entries.length): string[] {
    return inclusionProof(index, size, this.getNode).map(toBase64);
  }
}

/** The park's log: registry, 24 matched hours, a claim of t1. */
export function writePark(tamper: Tamper = {}): TestLog {
  const log = new TestLog(tamper);
  log.add({ kind: 'key', log: ORIGIN, subjectType: 'operator', verifierKey: verifierOf(operator).vkey, validFrom: REGISTERED }, logSigner);
  log.add({ kind: 'participant', log: ORIGIN, id: 'operator', role: 'operator', name: 'Park operator' }, operator);
  log.add({ kind: 'participant', log: ORIGIN, id: 'gen', role: 'generator', name: 'Park generation' }, operator);
  log.add({ kind: 'participant', log: ORIGIN, id: 't1', role: 'tenant', name: 'Tenant One' }, operator);
  log.add({ kind: 'participant', log: ORIGIN, id: 't2', role: 'tenant', name: 'Tenant Two' }, operator);
  log.add({ kind: 'zone', log: ORIGIN, zone: ZONE, gCO2PerKWh: 380, validFrom: REGISTERED }, operator);
  const devices = tamper.park ? tamper.park(DEVICES) : DEVICES;
  const storage = devices.flatMap(({ payload: d }) =>
    d.type === 'storage' ? [{ device: d.id, efficiencyBp: d.efficiencyBp!, energyCapacityWh: BigInt(d.energyCapacityWh!) }] : [],
  );
  const signers = new Map<string, Signer>();
  for (const spec of devices) {
    const signer = generateSigner(spec.payload.id, seedOf(spec.payload.id));
    signers.set(spec.payload.id, signer);
    log.add(tamper.device ? tamper.device(spec.payload) : spec.payload, operator);
    log.add(
      { kind: 'key', log: ORIGIN, subjectType: 'device', subjectId: spec.payload.id, verifierKey: verifierOf(signer).vkey, validFrom: REGISTERED },
      operator,
    );
  }
  const ppa: ContractPayload = {
    kind: 'contract',
    log: ORIGIN,
    id: 'ppa-1',
    device: 'wind-1',
    tenant: 't1',
    priority: 1,
    shareBp: 5000,
    validFrom: REGISTERED,
  };
  const contract = log.add(tamper.contract ? tamper.contract(ppa) : ppa, operator);

  const prev = new Map<string, string>();
  let lots: GreenLot[] = [];
  let op = operator;
  for (let h = 0; h < 24; h++) {
    const [start, end] = [hourAt(h), hourAt(h + 1)];
    if (tamper.rotateOperator?.hour === h) {
      log.add(
        { kind: 'key', log: ORIGIN, subjectType: 'operator', verifierKey: verifierOf(nextOperator).vkey, validFrom: start },
        tamper.rotateOperator.byOldKey ? op : logSigner,
      );
      if (!tamper.rotateOperator.stale) op = nextOperator;
    }
    if (tamper.rotateMeter?.hour === h) {
      const old = verifierOf(signers.get('meter-1')!).vkey;
      const renewed = generateSigner('meter-1', seedOf('meter-1, rotated'));
      log.add({ kind: 'key', log: ORIGIN, subjectType: 'device', subjectId: 'meter-1', verifierKey: old, validFrom: REGISTERED, validUntil: start }, op);
      log.add({ kind: 'key', log: ORIGIN, subjectType: 'device', subjectId: 'meter-1', verifierKey: verifierOf(renewed).vkey, validFrom: start }, op);
      if (!tamper.rotateMeter.stale) signers.set('meter-1', renewed);
    }
    const readings: MatchReading[] = devices.map(({ payload: d, profile }) => {
      const [importWh, exportWh] = profile(h);
      let reading: ReadingPayload = {
        kind: 'reading',
        log: ORIGIN,
        device: d.id,
        seq: h,
        start,
        end,
        importWh: String(importWh),
        exportWh: String(exportWh),
        quality: 'measured',
        ...(h === 0 ? {} : { prev: prev.get(d.id)! }),
      };
      if (tamper.reading) reading = tamper.reading(reading, h);
      const entry = log.add(reading, signers.get(d.id)!);
      prev.set(d.id, entry.leafHash);
      return { leafHash: entry.leafHash, device: d.id, deviceType: d.type, owner: d.owner, importWh: BigInt(importWh), exportWh: BigInt(exportWh) };
    });
    const input = {
      log: ORIGIN,
      start,
      end,
      zone: ZONE,
      readings,
      lots,
      contracts: [{ leafHash: contract.leafHash, device: 'wind-1', tenant: 't1', priority: 1, shareBp: 5000 }],
      storage,
    };
    const planned = planInterval(input);
    if (planned === undefined) continue;
    const entry = log.add(tamper.settlement ? tamper.settlement(planned, h) : planned, op);
    log.matched.set(h, { input, entry });
    const extra = tamper.extraSettlement?.(planned, h);
    if (extra) log.add(extra, op);
    // Lots are named after the logged entry, as the matching run names them.
    const settled = checkIntervalSettlement(input, planned, entry.leafHash);
    lots = tamper.lotsAfter ? tamper.lotsAfter(settled.lotsAfter, h) : settled.lotsAfter;
  }

  const candidates = allocationsTo(log, 't1').map((a) => ({
    start: a.entry.payload.start,
    settlement: a.entry.leafHash,
    position: a.position,
    wh: BigInt(a.wh),
  }));
  const selection = selectClaim(candidates, 20_000n);
  const claim: ClaimPayload = {
    kind: 'claim',
    log: ORIGIN,
    id: 'claim-1',
    tenant: 't1',
    beneficiary: 'Acme Steel GmbH',
    purpose: 'cbam',
    ...PERIOD,
    allocations: selection.allocations,
    wh: String(selection.wh),
  };
  log.add(tamper.claim ? tamper.claim(claim, log) : claim, op);
  return log;
}

export const payloadsOf = <K extends Payload['kind']>(log: TestLog, kind: K) =>
  log.entries.filter((e): e is LogEntry & { payload: Extract<Payload, { kind: K }> } => e.payload.kind === kind);

function tenantReadings(log: TestLog, tenant: string) {
  const meters = new Set(
    payloadsOf(log, 'device')
      .filter((e) => e.payload.owner === tenant && e.payload.type === 'consumption')
      .map((e) => e.payload.id),
  );
  return payloadsOf(log, 'reading').filter((e) => meters.has(e.payload.device));
}

type SettlementEntry = LogEntry & { payload: SettlementPayload };
/** An allocation with the settlement entry holding it. */
type Held = PositionedAllocation & { entry: SettlementEntry };

/** The device of the reading a leaf hash names in the log. */
export const readingDevice = (log: TestLog, hash: string): string => (log.entries.find((e) => e.leafHash === hash)!.payload as ReadingPayload).device;

/** Every allocation of the log's settlements to the tenant's readings. */
export function allocationsTo(log: TestLog, tenant: string): Held[] {
  const sinks = new Set(tenantReadings(log, tenant).map((e) => e.leafHash));
  return payloadsOf(log, 'settlement').flatMap((entry) =>
    allocationsOf(entry.payload)
      .filter((a) => sinks.has(a.sink))
      .map((a) => ({ ...a, entry })),
  );
}

/** The allocation an id names in the log; undefined when its settlement holds no such position. */
export function resolveIn(log: TestLog, id: string): Held | undefined {
  const { settlement, position } = parseAllocationId(id);
  const entry = log.entries.find((e) => e.leafHash === settlement) as SettlementEntry;
  const allocation = allocationsOf(entry.payload)[position];
  return allocation && { ...allocation, entry };
}

/** Cuts the bundle of `tenant` for the day, as the server's builder does. */
export function cutBundle(log: TestLog, tenant: string, options: { claim?: boolean; statement?: Bundle['statement'] } = {}): Bundle {
  const byHash = new Map(log.entries.map((e) => [e.leafHash, e]));
  const readings = tenantReadings(log, tenant);
  const toTenant = allocationsTo(log, tenant);
  const charges = toTenant.flatMap((a) => (a.draws ?? []).flatMap((d) => resolveIn(log, d.allocation) ?? []));
  const held = [...toTenant, ...charges];
  const settlements = new Set(held.map((a) => a.entry));
  const readingHashes = new Set([...readings.map((r) => r.leafHash), ...held.map((a) => a.source), ...charges.map((a) => a.sink)]);
  const devices = new Set([...readingHashes].map((h) => (byHash.get(h)!.payload as ReadingPayload).device));
  const contracts = new Set(held.map((a) => a.contract));
  const claim = payloadsOf(log, 'claim').find((c) => c.payload.tenant === tenant);
  const chosen = log.entries.filter((e) => {
    const p = e.payload;
    switch (p.kind) {
      case 'reading':
        return readingHashes.has(e.leafHash);
      case 'settlement':
        return settlements.has(e as SettlementEntry);
      case 'device':
        return devices.has(p.id);
      case 'key':
        return p.subjectType === 'operator' || devices.has(p.subjectId!);
      case 'contract':
        return contracts.has(e.leafHash);
      case 'claim':
        return options.claim === true && e === claim;
      default:
        return true; // participants, zones
    }
  });

  // A given statement stands in for the one the builder computes (which refuses allocations beyond an import).
  const statement = options.statement ?? cutStatement(log, tenant, readings, toTenant, options.claim === true ? claim : undefined);
  return {
    mediaType: BUNDLE_MEDIA_TYPE,
    statement,
    checkpoint: log.checkpoint(),
    entries: chosen.map((e) => ({ index: e.index, bytes: e.note, proof: log.proof(e.index) })),
  };
}

function cutStatement(
  log: TestLog,
  tenant: string,
  readings: ReturnType<typeof tenantReadings>,
  toTenant: Held[],
  claim: (LogEntry & { payload: ClaimPayload }) | undefined,
): Bundle['statement'] {
  const byHash = new Map(log.entries.map((e) => [e.leafHash, e]));
  const zoneEntries = payloadsOf(log, 'zone');
  const deviceOf = new Map(payloadsOf(log, 'device').map((e) => [e.payload.id, e.payload]));
  const figures = tenantFigures({
    readings: readings.map((r) => ({ leafHash: r.leafHash, start: r.payload.start, end: r.payload.end, zone: ZONE, importWh: BigInt(r.payload.importWh) })),
    allocations: toTenant.map((a) => {
      const source = (byHash.get(a.source)!.payload as ReadingPayload).device;
      const d = deviceOf.get(source)!;
      return { sink: a.sink, wh: BigInt(a.wh), device: source, type: d.type, technology: d.eecsTechnology! };
    }),
    factors: zoneEntries.map((z) => ({ zone: z.payload.zone, gCO2PerKWh: z.payload.gCO2PerKWh, validFrom: z.payload.validFrom, index: z.index })),
  });
  const statementClaim = claim
    ? { id: claim.payload.id, purpose: claim.payload.purpose, beneficiary: claim.payload.beneficiary, wh: claim.payload.wh }
    : undefined;
  return statementFromFigures({ tenant, period: PERIOD, figures, ...(statementClaim ? { claim: statementClaim } : {}) });
}

/** Native Ed25519, memoised on the exact (key, message, signature): the flip test verifies the same bundle thousands of times. */
const verdicts = new Map<string, boolean>();
const fastVerify: VerifyFn = (publicKey, message, signature) => {
  const key = `${toBase64(publicKey)} ${toBase64(signature)} ${toBase64(message)}`;
  let verdict = verdicts.get(key);
  if (verdict === undefined) verdicts.set(key, (verdict = nativeVerify(publicKey, message, signature)));
  return verdict;
};

export const check = (bundle: unknown, logKey = LOG_KEY) => verifyBundle(bundle, { logKey, verify: fastVerify });
export const codes = async (bundle: unknown): Promise<BundleCode[]> => [...new Set((await check(bundle)).reasons.map((r) => r.code))].sort();
export const copy = (bundle: Bundle): Bundle => structuredClone(bundle);

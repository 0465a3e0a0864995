/**
 * The offline bundle verifier (src/domain/bundle/verify-bundle.ts) against
 * bundles built here, purely: a park's log is written entry by entry (signed
 * notes, RFC 9162 tree, a signed checkpoint), matched hour by hour with the
 * domain's own planInterval/settleInterval (one settlement per hour, holding
 * every allocation of it), and a bundle is cut from it as the server's
 * builder would. Tampered logs are written the same way with one
 * rule broken and every entry properly signed, so only the rule can catch it.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import t from 'tap';
import { fromBase64, toBase64, utf8 } from '../../src/crypto/base64.ts';
import { formatCheckpoint, signCheckpoint } from '../../src/crypto/checkpoint.ts';
import type { VerifyFn } from '../../src/crypto/ed25519.ts';
import { appendLeaves, hashLeaf, inclusionProof, rootFromFrontier, type NodeId } from '../../src/crypto/merkle.ts';
import { generateSigner, signNote, verifierOf, type Signer } from '../../src/crypto/note.ts';
import { sha256 } from '../../src/crypto/sha256.ts';
import { scoreOf, statementFromFigures, verifyBundle, BUNDLE_MEDIA_TYPE, type Bundle, type BundleCode } from '../../src/domain/bundle/verify-bundle.ts';
import { allocationId, allocationsOf, parseAllocationId, type PositionedAllocation } from '../../src/domain/allocation-id.ts';
import { selectClaim } from '../../src/domain/claims.ts';
import { sealEntry } from '../../src/domain/entry.ts';
import { planInterval, type GreenLot, type MatchReading } from '../../src/domain/matching.ts';
import type { ClaimPayload, ContractPayload, DevicePayload, DeviceType, Draw, Payload, ReadingPayload, SettledSource, SettlementPayload } from '../../src/domain/payloads.ts';
import { settleInterval } from '../../src/domain/settlement.ts';
import { lotWh } from '../../src/domain/storage-lots.ts';
import { tenantFigures } from '../../src/domain/tenant-figures.ts';
import { nativeSign, nativeVerify } from '../../src/platform/node-ed25519.ts';

const ORIGIN = 'example.com/park';
const ZONE = 'DE-LU';
const hourAt = (h: number): string => new Date(Date.UTC(2025, 2, 1, h)).toISOString().replace('.000Z', 'Z');
const PERIOD = { start: hourAt(0), end: hourAt(24) };
const REGISTERED = '2025-01-01T00:00:00Z';

const seedOf = (name: string): Uint8Array => sha256(utf8(`bundle-verify test ${name}`));
const logSigner = generateSigner(ORIGIN, seedOf('log'));
const otherLogSigner = generateSigner('other.example/park', seedOf('other log'));
const operator = generateSigner('operator', seedOf('operator'));
const nextOperator = generateSigner('operator', seedOf('operator, rotated'));
const LOG_KEY = verifierOf(logSigner).vkey;

interface DeviceSpec {
  payload: DevicePayload;
  /** [importWh, exportWh] of hour h. */
  profile: (h: number) => [number, number];
}

const device = (id: string, owner: string, type: DeviceType, extra: Partial<DevicePayload>, profile: DeviceSpec['profile']): DeviceSpec => ({
  payload: {
    kind: 'device', log: ORIGIN, id, owner, type, capacityW: 10_000, commissioningDate: '2024-06-01', country: 'DE', biddingZone: ZONE,
    connection: 'park-grid', support: 'none', ...extra,
  },
  profile,
});
const wind = { eecsEnergySource: 'F01050100', eecsTechnology: 'T020001' };
const DEVICES: DeviceSpec[] = [
  device('wind-1', 'gen', 'wind', wind, (h) => [0, 900 + 40 * (h % 6)]),
  device('wind-2', 'gen', 'wind', wind, (h) => [0, 500 + 30 * ((h + 3) % 5)]),
  device('solar-1', 'gen', 'solar', { eecsEnergySource: 'F01010100', eecsTechnology: 'T010100' }, (h) => [0, h >= 7 && h < 18 ? 200 * Math.min(h - 6, 18 - h) : 0]),
  // Charges at noon from what the tenants leave, discharges in the evening peak.
  device('bat-1', 'gen', 'storage', { eecsEnergySource: 'F01000000', eecsTechnology: 'T060000', energyCapacityWh: '20000', efficiencyBp: 9000 }, (h) =>
    h === 12 ? [1000, 0] : h === 20 ? [0, 1500] : [0, 0]),
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
interface Tamper {
  device?: (p: DevicePayload) => DevicePayload;
  contract?: (p: ContractPayload) => ContractPayload;
  reading?: (p: ReadingPayload, hour: number) => ReadingPayload;
  settlement?: (p: SettlementPayload, hour: number) => SettlementPayload;
  /** A second settlement of the hour, logged after the first. */
  extraSettlement?: (p: SettlementPayload, hour: number) => SettlementPayload | undefined;
  claim?: (p: ClaimPayload, log: TestLog) => ClaimPayload;
  lotsAfter?: (lots: GreenLot[], hour: number) => GreenLot[];
  note?: (note: string, p: Payload) => string;
  /** Key rotations at the start of an hour; `stale` keeps signing with the old key after it. */
  rotateOperator?: { hour: number; stale?: boolean };
  rotateMeter?: { hour: number; stale?: boolean };
}

class TestLog {
  readonly entries: LogEntry[] = [];
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
function writePark(tamper: Tamper = {}): TestLog {
  const log = new TestLog(tamper);
  log.add({ kind: 'key', log: ORIGIN, subjectType: 'operator', verifierKey: verifierOf(operator).vkey, validFrom: REGISTERED }, logSigner);
  log.add({ kind: 'participant', log: ORIGIN, id: 'operator', role: 'operator', name: 'Park operator' }, operator);
  log.add({ kind: 'participant', log: ORIGIN, id: 'gen', role: 'generator', name: 'Park generation' }, operator);
  log.add({ kind: 'participant', log: ORIGIN, id: 't1', role: 'tenant', name: 'Tenant One' }, operator);
  log.add({ kind: 'participant', log: ORIGIN, id: 't2', role: 'tenant', name: 'Tenant Two' }, operator);
  log.add({ kind: 'zone', log: ORIGIN, zone: ZONE, gCO2PerKWh: 380, validFrom: REGISTERED }, operator);
  const signers = new Map<string, Signer>();
  for (const spec of DEVICES) {
    const signer = generateSigner(spec.payload.id, seedOf(spec.payload.id));
    signers.set(spec.payload.id, signer);
    log.add(tamper.device ? tamper.device(spec.payload) : spec.payload, operator);
    log.add({ kind: 'key', log: ORIGIN, subjectType: 'device', subjectId: spec.payload.id, verifierKey: verifierOf(signer).vkey, validFrom: REGISTERED }, operator);
  }
  const ppa: ContractPayload = { kind: 'contract', log: ORIGIN, id: 'ppa-1', device: 'wind-1', tenant: 't1', priority: 1, shareBp: 5000, validFrom: REGISTERED };
  const contract = log.add(tamper.contract ? tamper.contract(ppa) : ppa, operator);

  const prev = new Map<string, string>();
  let lots: GreenLot[] = [];
  let op = operator;
  for (let h = 0; h < 24; h++) {
    const [start, end] = [hourAt(h), hourAt(h + 1)];
    if (tamper.rotateOperator?.hour === h) {
      log.add({ kind: 'key', log: ORIGIN, subjectType: 'operator', verifierKey: verifierOf(nextOperator).vkey, validFrom: start }, op);
      if (!tamper.rotateOperator.stale) op = nextOperator;
    }
    if (tamper.rotateMeter?.hour === h) {
      const old = verifierOf(signers.get('meter-1')!).vkey;
      const renewed = generateSigner('meter-1', seedOf('meter-1, rotated'));
      log.add({ kind: 'key', log: ORIGIN, subjectType: 'device', subjectId: 'meter-1', verifierKey: old, validFrom: REGISTERED, validUntil: start }, op);
      log.add({ kind: 'key', log: ORIGIN, subjectType: 'device', subjectId: 'meter-1', verifierKey: verifierOf(renewed).vkey, validFrom: start }, op);
      if (!tamper.rotateMeter.stale) signers.set('meter-1', renewed);
    }
    const readings: MatchReading[] = DEVICES.map(({ payload: d, profile }) => {
      const [importWh, exportWh] = profile(h);
      let reading: ReadingPayload = {
        kind: 'reading', log: ORIGIN, device: d.id, seq: h, start, end, importWh: String(importWh), exportWh: String(exportWh), quality: 'measured',
        ...(h === 0 ? {} : { prev: prev.get(d.id)! }),
      };
      if (tamper.reading) reading = tamper.reading(reading, h);
      const entry = log.add(reading, signers.get(d.id)!);
      prev.set(d.id, entry.leafHash);
      return { leafHash: entry.leafHash, device: d.id, deviceType: d.type, owner: d.owner, importWh: BigInt(importWh), exportWh: BigInt(exportWh) };
    });
    const input = {
      log: ORIGIN, start, end, zone: ZONE, readings, lots,
      contracts: [{ leafHash: contract.leafHash, device: 'wind-1', tenant: 't1', priority: 1, shareBp: 5000 }],
      storage: [{ device: 'bat-1', efficiencyBp: 9000, energyCapacityWh: 20000n }],
    };
    const planned = planInterval(input);
    if (planned === undefined) continue;
    const entry = log.add(tamper.settlement ? tamper.settlement(planned, h) : planned, op);
    const extra = tamper.extraSettlement?.(planned, h);
    if (extra) log.add(extra, op);
    // Lots are named after the logged entry, as the matching run names them.
    const settled = settleInterval(input, planned, entry.leafHash);
    lots = tamper.lotsAfter ? tamper.lotsAfter(settled.lotsAfter, h) : settled.lotsAfter;
  }

  const candidates = allocationsTo(log, 't1').map((a) => ({ start: a.entry.payload.start, settlement: a.entry.leafHash, position: a.position, wh: BigInt(a.wh) }));
  const selection = selectClaim(candidates, 20_000n);
  const claim: ClaimPayload = {
    kind: 'claim', log: ORIGIN, id: 'claim-1', tenant: 't1', beneficiary: 'Acme Steel GmbH', purpose: 'cbam', ...PERIOD,
    allocations: selection.allocations, wh: String(selection.wh),
  };
  log.add(tamper.claim ? tamper.claim(claim, log) : claim, op);
  return log;
}

const payloadsOf = <K extends Payload['kind']>(log: TestLog, kind: K) =>
  log.entries.filter((e): e is LogEntry & { payload: Extract<Payload, { kind: K }> } => e.payload.kind === kind);

function tenantReadings(log: TestLog, tenant: string) {
  const meters = new Set(payloadsOf(log, 'device').filter((e) => e.payload.owner === tenant && e.payload.type === 'consumption').map((e) => e.payload.id));
  return payloadsOf(log, 'reading').filter((e) => meters.has(e.payload.device));
}

type SettlementEntry = LogEntry & { payload: SettlementPayload };
/** An allocation with the settlement entry holding it. */
type Held = PositionedAllocation & { entry: SettlementEntry };

/** Every allocation of the log's settlements to the tenant's readings. */
function allocationsTo(log: TestLog, tenant: string): Held[] {
  const sinks = new Set(tenantReadings(log, tenant).map((e) => e.leafHash));
  return payloadsOf(log, 'settlement').flatMap((entry) => allocationsOf(entry.payload).filter((a) => sinks.has(a.sink)).map((a) => ({ ...a, entry })));
}

/** The allocation an id names in the log; undefined when its settlement holds no such position. */
function resolveIn(log: TestLog, id: string): Held | undefined {
  const { settlement, position } = parseAllocationId(id);
  const entry = log.entries.find((e) => e.leafHash === settlement) as SettlementEntry;
  const allocation = allocationsOf(entry.payload)[position];
  return allocation && { ...allocation, entry };
}

/** Cuts the bundle of `tenant` for the day, as the server's builder does. */
function cutBundle(log: TestLog, tenant: string, options: { claim?: boolean } = {}): Bundle {
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
      case 'reading': return readingHashes.has(e.leafHash);
      case 'settlement': return settlements.has(e as SettlementEntry);
      case 'device': return devices.has(p.id);
      case 'key': return p.subjectType === 'operator' || devices.has(p.subjectId!);
      case 'contract': return contracts.has(e.leafHash);
      case 'claim': return options.claim === true && e === claim;
      default: return true; // participants, zones
    }
  });

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
  const statementClaim = options.claim && claim
    ? { id: claim.payload.id, purpose: claim.payload.purpose, beneficiary: claim.payload.beneficiary, wh: claim.payload.wh }
    : undefined;
  return {
    mediaType: BUNDLE_MEDIA_TYPE,
    statement: statementFromFigures({ tenant, period: PERIOD, figures, ...(statementClaim ? { claim: statementClaim } : {}) }),
    checkpoint: log.checkpoint(),
    entries: chosen.map((e) => ({ index: e.index, bytes: e.note, proof: log.proof(e.index) })),
  };
}

/** Native Ed25519, memoised on the exact (key, message, signature): the flip test verifies the same bundle thousands of times. */
const verdicts = new Map<string, boolean>();
const fastVerify: VerifyFn = (publicKey, message, signature) => {
  const key = `${toBase64(publicKey)} ${toBase64(signature)} ${toBase64(message)}`;
  let verdict = verdicts.get(key);
  if (verdict === undefined) verdicts.set(key, (verdict = nativeVerify(publicKey, message, signature)));
  return verdict;
};

const check = (bundle: unknown, logKey = LOG_KEY) => verifyBundle(bundle, { logKey, verify: fastVerify });
const codes = (bundle: unknown): BundleCode[] => [...new Set(check(bundle).reasons.map((r) => r.code))].sort();
const copy = (bundle: Bundle): Bundle => structuredClone(bundle);

const park = writePark();
const reference = cutBundle(park, 't1');
const claimBundle = cutBundle(park, 't1', { claim: true });

t.test('the reference bundle verifies', async (t) => {
  const verdict = verifyBundle(reference, { logKey: LOG_KEY }); // noble, the browser's path
  t.same(verdict.reasons, []);
  t.equal(verdict.valid, true);
  t.equal(verdict.claimed, false, 'a tenant-period bundle claims nothing');
  t.same(verdict.statement, reference.statement);

  // The figures by hand: meter-1 imports 1500 + 10 h, except 4000 at 20:00.
  const consumed = Array.from({ length: 24 }, (_, h) => (h === 20 ? 4000 : 1500 + 10 * h)).reduce((a, b) => a + b, 0);
  t.equal(reference.statement.consumedWh, String(consumed));
  t.equal(reference.statement.intervals.length, 24);
  const sources = new Set(reference.statement.intervals.flatMap((i) => i.bySource.map((s) => s.device)));
  t.same([...sources].sort(), ['bat-1', 'solar-1', 'wind-1', 'wind-2'], 'two wind, one solar and the battery supplied t1');
  const evening = reference.statement.intervals[20]!;
  t.ok(evening.bySource.some((s) => s.device === 'bat-1' && BigInt(s.wh) > 0n), 'the evening discharge reached t1');
  t.ok(BigInt(reference.statement.unmatchedEmissionsG) > 0n, 'some consumption stayed unmatched');
  t.equal(reference.statement.cfeScore, scoreOf(reference.statement.matchedWh, reference.statement.consumedWh));
  t.ok(reference.entries.length > 100, `${reference.entries.length} entries, ${JSON.stringify(reference).length} bytes`);

  const t2 = cutBundle(park, 't2');
  t.same(check(t2).reasons, [], "the other tenant's bundle verifies too");
  t.same(check({ ...reference, entries: [...reference.entries].reverse() }).reasons, [], 'entry order does not matter');
});

t.test('a claim bundle verifies and says the energy is claimed', async (t) => {
  const verdict = check(claimBundle);
  t.same(verdict.reasons, []);
  t.equal(verdict.claimed, true);
  t.equal(verdict.statement?.claim?.purpose, 'cbam');
  t.ok(BigInt(claimBundle.statement.claim!.wh) > 0n && BigInt(claimBundle.statement.claim!.wh) <= 20_000n);

  const wh = copy(claimBundle);
  wh.statement.claim!.wh = String(BigInt(wh.statement.claim!.wh) + 1n);
  t.same(codes(wh), ['claim-mismatch'], 'claimed Wh + 1');
  const beneficiary = copy(claimBundle);
  beneficiary.statement.claim!.beneficiary = 'Someone Else';
  t.same(codes(beneficiary), ['claim-mismatch'], 'another beneficiary');
  const dropped = copy(claimBundle);
  delete dropped.statement.claim;
  t.same(codes(dropped), ['claim-mismatch'], 'a claim entry the statement does not name');
  const noEntry = copy(claimBundle);
  noEntry.entries = noEntry.entries.filter((e) => !e.bytes.includes('"kind":"claim"'));
  t.same(codes(noEntry), ['missing-entry'], 'a statement claim without its entry');
  const period = copy(claimBundle);
  period.statement.period.start = hourAt(1);
  t.ok(codes(period).includes('claim-mismatch'), 'another period');
});

t.test('a single flipped byte never verifies', async (t) => {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const tally = { unusable: 0, invalid: 0 };
  // A flip is the byte XOR a mask (1…255) or, for a mask above 255, the printable character mask − 256 (another one if equal).
  const mask = fc.oneof(fc.integer({ min: 1, max: 255 }), fc.integer({ min: 256 + 0x20, max: 256 + 0x7e }));
  const flips = (bundle: Bundle, regions: Array<{ from?: string; to?: string; runs: number }>) => {
    const text = JSON.stringify(bundle);
    const bytes = utf8(text);
    const offset = (marker: string | undefined, otherwise: number) => (marker === undefined ? otherwise : utf8(text.slice(0, text.indexOf(marker))).length);
    const flip = (position: number, m: number): boolean => {
      const flipped = bytes.slice();
      if (m < 256) flipped[position]! ^= m;
      else flipped[position] = flipped[position] === m - 256 ? (m === 256 + 0x7e ? 0x20 : m - 255) : m - 256;
      assert.notEqual(flipped[position], bytes[position]);
      let parsed: unknown;
      try {
        parsed = JSON.parse(decoder.decode(flipped));
      } catch {
        tally.unusable++; // the caller's 'unusable input'
        return true;
      }
      const verdict = check(parsed);
      if (verdict.valid || verdict.reasons.length === 0) return false;
      tally.invalid++;
      return true;
    };
    for (const { from, to, runs } of regions) {
      const [lo, hi] = [offset(from, 0), offset(to, bytes.length)];
      fc.assert(fc.property(fc.integer({ min: lo, max: hi - 1 }), mask, flip), { numRuns: runs });
    }
    t.ok(check(JSON.parse(text)).valid, 'the unflipped text verifies');
  };

  flips(claimBundle, [{ runs: 1500 }, { from: '"statement"', to: '"checkpoint"', runs: 200 }, { from: '"checkpoint"', to: '"entries"', runs: 100 }]);
  flips(reference, [{ runs: 500 }, { from: '"statement"', to: '"checkpoint"', runs: 200 }, { to: '"statement"', runs: 30 }]);
  t.equal(tally.unusable + tally.invalid, 2530);
  t.ok(tally.invalid > 1000 && tally.unusable > 100, `${tally.invalid} parsed and were rejected, ${tally.unusable} no longer parsed`);
});

t.test('each tamper is rejected with its own code', async (t) => {
  const t1Reading = (h: number) => reference.entries.find((e) => e.bytes.includes('"device":"meter-1"') && e.bytes.includes(`"start":"${hourAt(h)}"`))!;

  const removed = copy(reference);
  removed.entries = removed.entries.filter((e) => e !== removed.entries.find((x) => x.index === t1Reading(10).index));
  t.ok(codes(removed).includes('missing-entry'), 'an entry removed: missing-entry');

  const duplicated = copy(reference);
  duplicated.entries.push({ ...duplicated.entries[40]! });
  t.same(codes(duplicated), ['duplicate-entry'], 'an entry duplicated');
  const twice = copy(reference);
  twice.entries.push({ ...twice.entries[40]!, index: twice.entries[41]!.index + 100 });
  t.ok(codes(twice).includes('duplicate-entry'), 'the same bytes under another index');

  const other = payloadsOf(park, 'reading').find((e) => e.payload.device === 'meter-2' && e.payload.start === hourAt(10))!;
  const swapped = copy(reference);
  swapped.entries = swapped.entries.map((e) => (e.index === t1Reading(10).index ? { index: other.index, bytes: other.note, proof: park.proof(other.index) } : e));
  t.ok(codes(swapped).includes('foreign-entry'), "an entry swapped for another tenant's reading: foreign-entry");

  const older = copy(reference);
  older.checkpoint = park.checkpoint(park.entries.length - 1);
  t.same(codes(older), ['bad-inclusion'], 'an older checkpoint');

  const plusOne = copy(reference);
  plusOne.statement.consumedWh = String(BigInt(plusOne.statement.consumedWh) + 1n);
  t.same(codes(plusOne), ['statement-mismatch'], 'consumedWh + 1 Wh');
  const intervalPlusOne = copy(reference);
  intervalPlusOne.statement.intervals[12]!.bySource[0]!.wh = String(BigInt(intervalPlusOne.statement.intervals[12]!.bySource[0]!.wh) + 1n);
  t.same(codes(intervalPlusOne), ['statement-mismatch'], 'one source of one hour + 1 Wh');
  const period = copy(reference);
  period.statement.period.end = '2025-03-03T00:00:00Z';
  t.same(codes(period), ['statement-mismatch'], 'a wider period than the readings');

  const windKey = payloadsOf(park, 'key').find((e) => e.payload.subjectId === 'wind-1')!;
  const meter2Key = payloadsOf(park, 'key').find((e) => e.payload.subjectId === 'meter-2')!;
  const replaced = copy(reference);
  replaced.entries = replaced.entries.map((e) => (e.index === windKey.index ? { index: meter2Key.index, bytes: meter2Key.note, proof: park.proof(meter2Key.index) } : e));
  t.same(codes(replaced), ['no-valid-key'], 'a key entry replaced by one of another key');

  const foreignCheckpoint = copy(reference);
  foreignCheckpoint.checkpoint = park.checkpoint(park.entries.length, otherLogSigner, otherLogSigner.name);
  t.same(codes(foreignCheckpoint), ['bad-checkpoint'], "another log's checkpoint");
  const wrongOrigin = copy(reference);
  wrongOrigin.checkpoint = park.checkpoint(park.entries.length, logSigner, 'other.example/park');
  t.same(codes(wrongOrigin), ['bad-checkpoint'], 'a checkpoint of another origin signed by the log key');
  t.ok(check(reference, verifierOf(otherLogSigner).vkey).reasons.some((r) => r.code === 'bad-checkpoint'), 'pinned to another log');

  t.same(codes({ ...reference, mediaType: 'application/json' }), ['bad-media-type']);
  t.same(codes({ ...reference, extra: 1 }), ['bad-schema']);
  t.same(codes([reference]), ['bad-schema']);
  t.throws(() => verifyBundle(reference, { logKey: 'not a key' }), { code: 'bad-verifier-key' }, "a malformed log key is the caller's unusable input");
  const lenient = copy(reference);
  const node = lenient.entries[5]!.proof[0]!;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  lenient.entries[5]!.proof[0] = `${node.slice(0, 42)}${alphabet[alphabet.indexOf(node[42]!) + 1]}=`; // non-zero padding bits
  t.throws(() => fromBase64(lenient.entries[5]!.proof[0]!), { code: 'bad-base64' });
  t.same(codes(lenient), ['bad-schema'], 'non-canonical base64 in a proof');
  const noZero = copy(reference);
  noZero.entries = noZero.entries.filter((e) => e.index !== 0);
  t.ok(codes(noZero).includes('missing-entry'), 'entry 0 left out');
});

t.test('tampered logs, every entry properly signed: only the rule catches it', async (t) => {
  const rejectedWith = (tamper: Tamper, expected: BundleCode[], what: string, claim = false) =>
    t.same(codes(cutBundle(writePark(tamper), 't1', { claim })), expected, what);

  // Settlements: each checkable alone, since it holds its interval and zone whole.
  const lastSource = (s: SettlementPayload, edit: (source: SettledSource) => SettledSource): SettlementPayload =>
    ({ ...s, sources: s.sources.map((source, i) => (i === s.sources.length - 1 ? edit(source) : source)) });
  rejectedWith({
    // Appended last, so that no other allocation changes position.
    settlement: (s, h) => (h === 9
      ? lastSource(s, (source) => ({
          ...source,
          allocations: [...source.allocations, { sink: toBase64(sha256(utf8('elsewhere'))), wh: source.supplyWh, rule: 'pool' }],
          allocatedWh: String(BigInt(source.allocatedWh) + BigInt(source.supplyWh)),
        }))
      : s),
  }, ['settlement-mismatch'], 'a settlement that allocates more than the export');
  rejectedWith({ settlement: (s, h) => (h === 3 ? lastSource(s, (source) => ({ ...source, allocatedWh: String(BigInt(source.allocatedWh) - 1n) })) : s) },
    ['settlement-mismatch'], 'an allocatedWh that is not the sum of the allocations');
  rejectedWith({ reading: (r, h) => (r.device === 'wind-2' && h === 4 ? { ...r, exportWh: String(BigInt(r.exportWh) + 1n) } : r) },
    ['settlement-mismatch'], 'a supplyWh that is not the export of the reading logged');
  rejectedWith({ settlement: (s, h) => (h === 6 ? { ...s, sources: [...s.sources].reverse() } : s) },
    ['settlement-mismatch'], 'sources out of leaf-hash order');
  rejectedWith({
    // A second settlement of midnight, when t1 is not fully matched, that gives t1 100 Wh more of wind-1.
    extraSettlement: (s, h) => {
      if (h !== 0) return undefined;
      const ppa = s.sources.flatMap((source) => source.allocations.map((a) => ({ source, a }))).find(({ a }) => a.rule === 'contract')!;
      return { ...s, sources: [{ ...ppa.source, allocatedWh: '100', allocations: [{ sink: ppa.a.sink, wh: '100', rule: 'pool' }] }] };
    },
  }, ['settlement-mismatch'], 'a reading settled twice, an interval and zone allocated twice');
  // A late settlement (it allocates nothing) of a reading the bundle does not carry: the statement rests on none of it.
  const late = writePark({
    extraSettlement: (s, h) => (h === 2 ? { ...s, sources: [{ reading: toBase64(sha256(utf8('late'))), supplyWh: '5', allocatedWh: '0', allocations: [] }] } : undefined),
  });
  const lateEntry = payloadsOf(late, 'settlement').find((e) => e.payload.sources.length === 1 && e.payload.sources[0]!.allocations.length === 0)!;
  const withLate = cutBundle(late, 't1');
  t.same(codes(withLate), [], 'without the late settlement the bundle verifies');
  withLate.entries.push({ index: lateEntry.index, bytes: lateEntry.note, proof: late.proof(lateEntry.index) });
  t.same(codes(withLate), ['foreign-entry'], 'a settlement holding nothing the statement uses is foreign');

  // The battery logs less import at noon than the matching charged it with.
  const noonCharge = writePark({ reading: (r, h) => (r.device === 'bat-1' && h === 12 ? { ...r, importWh: '500' } : r) });
  const charged = payloadsOf(noonCharge, 'settlement').find((e) => e.payload.start === hourAt(12))!;
  const toBattery = allocationsOf(charged.payload).filter((a) => (noonCharge.entries.find((e) => e.leafHash === a.sink)!.payload as ReadingPayload).device === 'bat-1');
  t.ok(toBattery.reduce((sum, a) => sum + BigInt(a.wh), 0n) > 500n, 'the noon charges exceed 500 Wh');
  t.same(codes(cutBundle(noonCharge, 't1')), ['allocation-mismatch'], "allocations to a reading beyond its import (the battery's)");

  // Contracts and claims.
  rejectedWith({ contract: (c) => ({ ...c, validFrom: hourAt(5) }) }, ['allocation-mismatch'], 'contract allocations before the contract is valid');
  rejectedWith({ claim: (c) => ({ ...c, allocations: [...c.allocations].reverse() }) }, ['claim-mismatch'], 'a claim not oldest first', true);
  rejectedWith({
    claim: (c, log) => {
      const t2 = allocationsTo(log, 't2').find((a) => a.entry.payload.start === hourAt(0))!;
      return { ...c, allocations: [allocationId(t2.entry.leafHash, t2.position), ...c.allocations], wh: String(BigInt(c.wh) + BigInt(t2.wh)) };
    },
  }, ['claim-mismatch'], "a claim of another tenant's allocation", true);
  rejectedWith({ claim: (c) => ({ ...c, allocations: [`${parseAllocationId(c.allocations[0]!).settlement}#999`, ...c.allocations.slice(1)] }) },
    ['claim-mismatch'], 'a claim of a position its settlement does not hold', true);

  // Storage.
  const discharging = (s: SettlementPayload, edit: (draws: Draw[]) => Draw[]): SettlementPayload => ({
    ...s,
    sources: s.sources.map((source) => ({ ...source, allocations: source.allocations.map((a) => (a.draws ? { ...a, draws: edit(a.draws) } : a)) })),
  });
  rejectedWith({ settlement: (s, h) => (h === 20 ? discharging(s, ([first, ...rest]) => [{ ...first!, wh: String(BigInt(first!.wh) - 1n) }, ...rest]) : s) },
    ['storage-mismatch'], 'draws that do not add up to the discharge');
  rejectedWith({ settlement: (s, h) => (h === 20 ? discharging(s, (draws) => draws.map((d, i) => ({ ...d, allocation: `${parseAllocationId(d.allocation).settlement}#${900 + i}` }))) : s) },
    ['storage-mismatch'], 'draws on a position the charge settlement does not hold');
  rejectedWith({ device: (d) => (d.id === 'wind-2' ? { ...d, biddingZone: 'FR' } : d) }, ['allocation-mismatch'], 'a source outside the allocation zone');
  rejectedWith({ reading: (r, h) => (r.device === 'meter-1' && h === 5 ? { ...r, prev: toBase64(sha256(utf8('not seq 4'))) } : r) }, ['broken-chain'], 'a reading that does not chain');
  rejectedWith({
    note: (note, p) => {
      if (p.kind !== 'reading' || p.device !== 'meter-1' || p.start !== hourAt(3)) return note;
      const line = note.slice(note.lastIndexOf('\n\n') + 2, -1);
      const signature = fromBase64(line.slice(line.lastIndexOf(' ') + 1));
      signature[10]! ^= 1;
      return `${note.slice(0, note.lastIndexOf(' ') + 1)}${toBase64(signature)}\n`;
    },
  }, ['bad-signature'], 'a reading whose signature does not verify');
  rejectedWith({ rotateOperator: { hour: 8 } }, [], 'an operator key rotation: later entries verify under the new key');
  rejectedWith({ rotateOperator: { hour: 8 } }, [], 'and the claim after it', true);
  rejectedWith({ rotateOperator: { hour: 8, stale: true } }, ['bad-signature'], 'operator entries signed with the key rotated out');
  rejectedWith({ rotateMeter: { hour: 12 } }, [], "a meter key rotation: each reading under the key whose window holds it");
  rejectedWith({ rotateMeter: { hour: 12, stale: true } }, ['no-valid-key'], 'readings signed with a key after its validUntil');
  rejectedWith({ note: (note, p) => (p.kind === 'participant' && p.id === 'gen' ? note.replace(`"log":"${ORIGIN}"`, '"log":"other.example/park"') : note) }, ['bad-entry'], 'an entry of another log');
});

t.test('removing any entry the statement rests on never verifies', async (t) => {
  // Extra registry entries are allowed, so the operator's and the generator's participant entries may go.
  const optional = new Set(payloadsOf(park, 'participant').filter((e) => e.payload.id !== 't1').map((e) => e.index));
  const required = claimBundle.entries.filter((e) => !optional.has(e.index));
  t.ok(required.length > 100, 'the reference bundle rests on many entries');
  let refused = 0;
  for (const entry of claimBundle.entries) {
    const without = { ...claimBundle, entries: claimBundle.entries.filter((e) => e !== entry) };
    const verdict = check(without);
    if (optional.has(entry.index)) assert.ok(verdict.valid, `entry ${entry.index} is optional`);
    else if (!verdict.valid) refused++;
  }
  t.equal(refused, required.length, 'removing any required entry is refused');
  fc.assert(
    fc.property(fc.shuffledSubarray(claimBundle.entries, { minLength: 2, maxLength: 2 }), ([a, b]) => {
      // Two entries' proofs exchanged: each proof is for its own index only.
      const swapped = claimBundle.entries.map((e) => (e === a ? { ...a, proof: b!.proof } : e === b ? { ...b, proof: a!.proof } : e));
      return a!.proof.join() === b!.proof.join() || codes({ ...claimBundle, entries: swapped }).includes('bad-inclusion');
    }),
    { numRuns: 100 },
  );
});

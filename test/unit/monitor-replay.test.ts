/**
 * The monitor's pure replay (src/domain/monitor/replay.ts) on logs built
 * here: real keys and signatures, entries sealed as the ledger seals them.
 */
import t from 'tap';
import { toBase64, utf8 } from '../../src/crypto/base64.ts';
import { hashLeaf } from '../../src/crypto/merkle.ts';
import { generateSigner, verifierOf, type Signer } from '../../src/crypto/note.ts';
import { sealEntry } from '../../src/domain/entry.ts';
import type { Finding } from '../../src/domain/monitor/findings.ts';
import { LogReplay } from '../../src/domain/monitor/replay.ts';
import type { AllocationPayload, DevicePayload, Payload, ReadingPayload } from '../../src/domain/payloads.ts';

const ORIGIN = 'example.com/park';
const ZONE = 'DE-LU';
const at = (hour: number) => `2024-01-01T${String(hour).padStart(2, '0')}:00:00Z`;

type Body<P> = P extends Payload ? Omit<P, 'log'> : never;

interface Logged {
  index: number;
  hash: string;
}

/** A log under construction: its notes, in order, and the signers behind them. */
class LogBuilder {
  readonly logSigner = generateSigner(ORIGIN);
  operator = generateSigner(`${ORIGIN}/operator`);
  readonly notes: string[] = [];
  readonly meters = new Map<string, Signer>();
  readonly heads = new Map<string, Logged & { seq: number }>();

  append(note: string): Logged {
    this.notes.push(note);
    return { index: this.notes.length - 1, hash: toBase64(hashLeaf(utf8(note))) };
  }

  sign(payload: Body<Payload>, signer: Signer): Logged {
    return this.append(sealEntry({ ...payload, log: ORIGIN } as Payload, signer));
  }

  op(payload: Body<Payload>): Logged {
    return this.sign(payload, this.operator);
  }

  device(id: string, owner: string, type: DevicePayload['type'], extra: Partial<DevicePayload> = {}): Logged {
    const eecs = type === 'consumption' ? {} : { eecsEnergySource: 'F01050100', eecsTechnology: type === 'storage' ? 'T070000' : 'T020001' };
    const device = this.op({ kind: 'device', id, owner, type, capacityW: 10_000_000, commissioningDate: '2018-01-01', country: 'DE', biddingZone: ZONE, connection: 'park-grid', support: 'none', ...eecs, ...extra });
    const meter = generateSigner(`meter/${id}`);
    this.meters.set(id, meter);
    this.op({ kind: 'key', subjectType: 'device', subjectId: id, verifierKey: verifierOf(meter).vkey, validFrom: '2018-01-01T00:00:00Z' });
    return device;
  }

  /** The device's next reading of hour [hour, hour+1), chained on its head. */
  reading(device: string, hour: number, importWh: number, exportWh: number, signer = this.meters.get(device)!): Logged {
    const head = this.heads.get(device);
    const payload: Body<ReadingPayload> = {
      kind: 'reading',
      device,
      seq: head ? head.seq + 1 : 0,
      ...(head ? { prev: head.hash } : {}),
      start: at(hour),
      end: at(hour + 1),
      importWh: String(importWh),
      exportWh: String(exportWh),
      quality: 'measured',
    };
    const logged = this.sign(payload, signer);
    this.heads.set(device, { ...logged, seq: payload.seq });
    return logged;
  }

  allocation(hour: number, source: Logged, sink: Logged, wh: number, extra: Partial<AllocationPayload> = {}): Logged {
    return this.op({ kind: 'allocation', start: at(hour), end: at(hour + 1), zone: ZONE, source: source.hash, sink: sink.hash, wh: String(wh), rule: 'pool', ...extra });
  }

  settlement(hour: number, source: Logged, supplyWh: number, items: Array<[Logged, number]>): Logged {
    const allocatedWh = items.reduce((sum, [, wh]) => sum + wh, 0);
    return this.op({
      kind: 'settlement',
      source: source.hash,
      start: at(hour),
      end: at(hour + 1),
      supplyWh: String(supplyWh),
      allocations: items.map(([allocation, wh]) => ({ allocation: allocation.hash, wh: String(wh) })),
      allocatedWh: String(allocatedWh),
    });
  }

  claim(id: string, allocations: Logged[], wh: number, tenant = 'tenant-1'): Logged {
    return this.op({ kind: 'claim', id, tenant, beneficiary: 'EU-buyer', purpose: 'cbam', start: at(0), end: at(6), allocations: allocations.map((a) => a.hash), wh: String(wh) });
  }
}

/**
 * A clean park: wind W, battery B (1000 Wh, 90 %), meter M of tenant-1.
 * Hour 0: W exports 1000: 400 to M, 500 charge B (a lot of 450). Hour 1: B
 * discharges 300 to M, drawn from that charge. tenant-1 claims both.
 */
function park({ settleWind = true } = {}) {
  const log = new LogBuilder();
  log.sign({ kind: 'key', subjectType: 'operator', verifierKey: verifierOf(log.operator).vkey, validFrom: at(0) }, log.logSigner);
  log.op({ kind: 'participant', id: 'operator', role: 'operator', name: 'Park operator' });
  log.op({ kind: 'participant', id: 'gen-1', role: 'generator', name: 'Wind GmbH' });
  log.op({ kind: 'participant', id: 'tenant-1', role: 'tenant', name: 'Factory GmbH' });
  log.device('wind-1', 'gen-1', 'wind');
  const battery = log.device('bat-1', 'gen-1', 'storage', { energyCapacityWh: '1000', efficiencyBp: 9000 });
  log.device('meter-1', 'tenant-1', 'consumption');
  const w0 = log.reading('wind-1', 0, 0, 1000);
  const b0 = log.reading('bat-1', 0, 500, 0);
  const m0 = log.reading('meter-1', 0, 400, 0);
  const a1 = log.allocation(0, w0, m0, 400);
  const a2 = log.allocation(0, w0, b0, 500);
  const s1 = settleWind ? log.settlement(0, w0, 1000, [[a1, 400], [a2, 500]]) : undefined;
  log.reading('wind-1', 1, 0, 0);
  const b1 = log.reading('bat-1', 1, 0, 300);
  const m1 = log.reading('meter-1', 1, 300, 0);
  const a3 = log.allocation(1, b1, m1, 300, { draws: [{ allocation: a2.hash, wh: '300' }] });
  const s2 = log.settlement(1, b1, 300, [[a3, 300]]);
  const c1 = log.claim('claim-1', [a1, a3], 700);
  return { log, battery, w0, b0, m0, a1, a2, s1, b1, m1, a3, s2, c1 };
}

function replayer(log: LogBuilder): LogReplay {
  return new LogReplay({ origin: ORIGIN, logVerifier: verifierOf(log.logSigner) });
}

/** Replays `notes` from `from` on `replay` and returns every finding, finish() included. */
function run(replay: LogReplay, notes: readonly string[], from = 0, to = notes.length, finish = true): Finding[] {
  const findings: Finding[] = [];
  for (let i = from; i < to; i++) findings.push(...replay.add(i, notes[i]!, hashLeaf(utf8(notes[i]!))));
  if (finish) findings.push(...replay.finish());
  return findings;
}

const replayAll = (log: LogBuilder) => run(replayer(log), log.notes);
const codes = (findings: Finding[]) => findings.map((f) => f.code);

t.test('a clean park passes', async (t) => {
  const { log } = park();
  t.same(replayAll(log), []);
});

t.test('the replay continues from a snapshot with the same verdicts and state', async (t) => {
  const { log, a1 } = park();
  log.claim('claim-2', [a1], 400); // a double claim, so the snapshot carries claims
  const full = replayer(log);
  const expected = run(full, log.notes);
  t.same(codes(expected), ['double-claim']);
  for (const cut of [1, 7, 14, 16, 17, 21, log.notes.length - 1]) {
    const first = replayer(log);
    const before = run(first, log.notes, 0, cut, false);
    const saved = JSON.parse(JSON.stringify(first.snapshot()));
    const second = new LogReplay({ origin: ORIGIN, logVerifier: verifierOf(log.logSigner) }, saved);
    t.equal(second.size, cut);
    const after = run(second, log.notes, cut);
    t.same([...before, ...after], expected, `cut at ${cut}`);
    t.same(second.snapshot(), full.snapshot(), `same state, cut at ${cut}`);
  }
  t.throws(() => full.add(0, log.notes[0]!, hashLeaf(utf8(log.notes[0]!))), { code: 'bad-request' }, 'entries come in order');
});

t.test('a double allocation: the source and sink over-allocated, outside the settlement', async (t) => {
  const { log, w0, m0, s1 } = park();
  if (!s1) throw new Error('settled');
  const a4 = log.allocation(0, w0, m0, 200);
  const findings = replayAll(log);
  t.same(codes(findings).sort(), ['allocation-outside-settlement', 'sink-over-allocated', 'source-over-allocated']);
  t.same(findings.find((f) => f.code === 'source-over-allocated')?.indexes, [w0.index, a4.index]);
  t.same(findings.find((f) => f.code === 'sink-over-allocated')?.indexes, [m0.index, a4.index]);
  t.same(findings.find((f) => f.code === 'allocation-outside-settlement')?.indexes, [w0.index, s1.index, a4.index]);
});

t.test('a double allocation listed in its settlement is found by the sums', async (t) => {
  const log = park().log;
  const w2 = log.reading('wind-1', 2, 0, 100);
  log.reading('bat-1', 2, 0, 0);
  const m2 = log.reading('meter-1', 2, 200, 0);
  const a5 = log.allocation(2, w2, m2, 100);
  const a6 = log.allocation(2, w2, m2, 100, { rule: 'contract', contract: w2.hash });
  log.settlement(2, w2, 100, [[a5, 100], [a6, 100]]);
  const findings = replayAll(log);
  t.same(codes(findings), ['allocation-mismatch', 'source-over-allocated', 'settlement-mismatch']);
  t.same(findings[1]?.indexes, [w2.index, a6.index]);
  t.match(findings[0]?.detail, /contract .* is no contract entry/);
  t.match(findings[2]?.detail, /allocatedWh 200 exceeds supplyWh 100/);
});

t.test('identical bytes twice are a duplicate entry', async (t) => {
  const { log, a1 } = park();
  const again = log.append(log.notes[a1.index]!);
  const findings = replayAll(log);
  t.same(codes(findings), ['duplicate-entry']);
  t.same(findings[0]?.indexes, [a1.index, again.index]);
});

t.test('a second settlement for one source', async (t) => {
  const { log, w0, a1, s1 } = park();
  if (!s1) throw new Error('settled');
  const s9 = log.settlement(0, w0, 1000, [[a1, 400]]);
  const findings = replayAll(log);
  t.same(codes(findings), ['second-settlement']);
  t.same(findings[0]?.indexes, [w0.index, s1.index, s9.index]);
});

t.test('a settlement that leaves out an allocation, or lists one from another source', async (t) => {
  const { log, w0, a1, a2, a3 } = park({ settleWind: false });
  const s = log.settlement(0, w0, 1000, [[a1, 400], [a3, 300]]);
  const findings = replayAll(log);
  t.same(codes(findings), ['settlement-mismatch', 'allocation-outside-settlement']);
  t.same(findings[0]?.indexes, [a3.index, s.index], 'a3 is not from w0');
  t.match(findings[0]?.detail, /which is not from its source/);
  t.same(findings[1]?.indexes, [a2.index, s.index], 'a2 is left out');
});

t.test('an allocation whose source never gets a settlement is reported at the end', async (t) => {
  const log = park().log;
  const w2 = log.reading('wind-1', 2, 0, 100);
  const m2 = log.reading('meter-1', 2, 100, 0);
  const a5 = log.allocation(2, w2, m2, 100);
  const replay = replayer(log);
  const during = run(replay, log.notes).filter((f) => f.code !== 'allocation-outside-settlement');
  t.same(during, []);
  const again = replayer(log);
  for (let i = 0; i < log.notes.length; i++) t.same(again.add(i, log.notes[i]!, hashLeaf(utf8(log.notes[i]!))), [], `entry ${i}`);
  const end = again.finish();
  t.same(codes(end), ['allocation-outside-settlement']);
  t.same(end[0]?.indexes, [w2.index, a5.index]);
});

t.test('a double claim', async (t) => {
  const { log, a1, c1 } = park();
  const c2 = log.claim('claim-2', [a1], 400);
  const findings = replayAll(log);
  t.same(codes(findings), ['double-claim']);
  t.same(findings[0]?.indexes, [a1.index, c1.index, c2.index]);
});

t.test('a claim of another tenant, outside its period, or with the wrong total', async (t) => {
  const { log, a1 } = park();
  log.op({ kind: 'participant', id: 'tenant-2', role: 'tenant', name: 'Other GmbH' });
  const c2 = log.claim('claim-2', [a1], 400, 'tenant-2');
  const c3 = log.claim('claim-3', [a1, a1], 1);
  const findings = replayAll(log);
  t.same(codes(findings), ['double-claim', 'claim-mismatch', 'double-claim', 'double-claim', 'claim-mismatch']);
  t.match(findings[1], { indexes: [a1.index, c2.index], detail: /goes to tenant-1/ });
  t.same(findings[3]?.indexes, [a1.index, c3.index], 'listed twice in one claim');
  t.match(findings[4]?.detail, /states 1 Wh, its allocations add up to 400 Wh/);
});

t.test('a draw beyond the charge after losses', async (t) => {
  const { log, a2 } = park();
  const b2 = log.reading('bat-1', 2, 0, 200);
  const m2 = log.reading('meter-1', 2, 200, 0);
  // a2 charged 500 Wh at 90 %: a lot of 450, of which 300 were drawn in hour 1.
  const a5 = log.allocation(2, b2, m2, 200, { draws: [{ allocation: a2.hash, wh: '200' }] });
  log.settlement(2, b2, 200, [[a5, 200]]);
  const findings = replayAll(log);
  t.same(codes(findings), ['draw-beyond-charge']);
  t.same(findings[0]?.indexes, [a2.index, a5.index]);
  t.match(findings[0]?.detail, /left 450 Wh after losses; draws on it now add up to 500 Wh/);
});

t.test('draws that name no earlier charge of the device, or do not add up', async (t) => {
  const { log, a1, a2 } = park();
  const b2 = log.reading('bat-1', 2, 0, 100);
  const m2 = log.reading('meter-1', 2, 100, 0);
  const a5 = log.allocation(2, b2, m2, 100, { draws: [{ allocation: a1.hash, wh: '50' }, { allocation: a2.hash, wh: '40' }] });
  log.settlement(2, b2, 100, [[a5, 100]]);
  const findings = replayAll(log);
  t.same(codes(findings), ['bad-draw', 'bad-draw']);
  t.same(findings[0]?.indexes, [a1.index, a5.index]);
  t.match(findings[0]?.detail, /is no storage charge/);
  t.match(findings[1]?.detail, /of 100 Wh but its draws add up to 90 Wh/);
});

t.test('the state of charge stays within the energy capacity', async (t) => {
  const { log, battery } = park();
  // 150 Wh held after hour 1; charging 1000 Wh at 90 % adds 900: 1050 > 1000.
  const w2 = log.reading('wind-1', 2, 0, 2000);
  const b2 = log.reading('bat-1', 2, 1000, 0);
  const a5 = log.allocation(2, w2, b2, 1000);
  log.settlement(2, w2, 2000, [[a5, 1000]]);
  const findings = replayAll(log);
  t.same(codes(findings), ['state-of-charge']);
  t.same(findings[0]?.indexes, [battery.index, a5.index]);
  t.match(findings[0]?.detail, /150 Wh held before .* plus 900 Wh charged in it exceed the energy capacity 1000 Wh/);
});

t.test('key entries are honoured in log order', async (t) => {
  const { log } = park();
  const original = log.meters.get('wind-1')!;
  const meter = generateSigner('meter/wind-1-new');
  // A reading signed by a key that is registered only after it.
  const head = log.heads.get('wind-1')!;
  const early = log.reading('wind-1', 2, 0, 0, meter);
  log.heads.set('wind-1', head);
  log.op({ kind: 'key', subjectType: 'device', subjectId: 'wind-1', verifierKey: verifierOf(meter).vkey, validFrom: '2018-01-01T00:00:00Z' });
  // The original key revoked from hour 3: good for hour 2, not for hour 3.
  log.op({ kind: 'key', subjectType: 'device', subjectId: 'wind-1', verifierKey: verifierOf(original).vkey, validFrom: '2018-01-01T00:00:00Z', validUntil: at(3) });
  log.reading('wind-1', 2, 0, 0, original);
  const before = log.heads.get('wind-1')!;
  const revoked = log.reading('wind-1', 3, 0, 0, original);
  log.heads.set('wind-1', before);
  log.reading('wind-1', 3, 0, 0, meter);
  // Operator key rotation: afterwards only the new operator key signs.
  const next = generateSigner(`${ORIGIN}/operator-2`);
  log.op({ kind: 'key', subjectType: 'operator', verifierKey: verifierOf(next).vkey, validFrom: at(4) });
  const old = log.op({ kind: 'zone', zone: ZONE, gCO2PerKWh: 380, validFrom: at(0) });
  log.operator = next;
  log.op({ kind: 'zone', zone: ZONE, gCO2PerKWh: 381, validFrom: at(0) });
  const byLogKey = log.sign({ kind: 'zone', zone: ZONE, gCO2PerKWh: 382, validFrom: at(0) }, log.logSigner);
  const findings = replayAll(log);
  t.same(codes(findings), ['no-valid-key', 'no-valid-key', 'no-valid-key', 'no-valid-key']);
  t.same(findings.map((f) => f.indexes), [[early.index], [revoked.index], [old.index], [byLogKey.index]]);
});

t.test('a reading under a valid key but a broken chain, a forged signature, entry 0', async (t) => {
  const { log } = park();
  const meter = log.meters.get('meter-1')!;
  const head = log.heads.get('meter-1')!;
  const bad = log.sign({ kind: 'reading', device: 'meter-1', seq: head.seq + 1, prev: log.heads.get('wind-1')!.hash, start: at(2), end: at(3), importWh: '5', exportWh: '0', quality: 'measured' }, meter);
  const good = log.reading('bat-1', 2, 0, 0);
  const note = log.notes[good.index]!;
  log.notes[good.index] = note.slice(0, -10) + (note.at(-10) === 'A' ? 'B' : 'A') + note.slice(-9);
  const findings = replayAll(log);
  t.same(codes(findings), ['chain-break', 'bad-signature']);
  t.same(findings[0]?.indexes, [head.index, bad.index]);
  t.match(findings[0]?.detail, /bad-prev/);

  const wrong = new LogBuilder();
  wrong.op({ kind: 'key', subjectType: 'operator', verifierKey: verifierOf(wrong.operator).vkey, validFrom: at(0) });
  wrong.op({ kind: 'participant', id: 'operator', role: 'operator', name: 'Park operator' });
  t.same(codes(replayAll(wrong)), ['bad-first-entry', 'no-valid-key']);
  const other = new LogBuilder();
  other.append(sealEntry({ kind: 'zone', log: 'other.example/log', zone: ZONE, gCO2PerKWh: 1, validFrom: at(0) }, other.logSigner));
  t.same(codes(replayAll(other)), ['bad-first-entry']);
});

t.test('registrations: unknown owners and devices, duplicates, a reading of an unknown device', async (t) => {
  const { log } = park();
  log.device('wind-2', 'tenant-1', 'wind');
  log.op({ kind: 'participant', id: 'gen-1', role: 'generator', name: 'Again' });
  log.op({ kind: 'key', subjectType: 'device', subjectId: 'nowhere', verifierKey: verifierOf(log.operator).vkey, validFrom: at(0) });
  log.sign({ kind: 'reading', device: 'nowhere', seq: 0, start: at(0), end: at(1), importWh: '0', exportWh: '1', quality: 'measured' }, log.operator);
  log.reading('wind-1', 2, 0, 20_000_000);
  t.same(codes(replayAll(log)), ['unknown-participant', 'duplicate-registration', 'unknown-device', 'unknown-device', 'bad-reading']);
});

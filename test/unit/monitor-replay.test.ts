/**
 * The monitor's pure replay (src/domain/monitor/replay.ts) on logs built
 * here (test/helpers/monitor-log.ts): a clean park, the state kept between
 * runs, signatures and keys in log order, chains and registrations. The
 * settlement, storage and claim rules are in monitor-settlements.test.ts,
 * monitor-storage.test.ts and monitor-claims.test.ts.
 */
import t from 'tap';
import { utf8 } from '../../src/crypto/base64.ts';
import { hashLeaf } from '../../src/crypto/merkle.ts';
import { generateSigner, verifierOf } from '../../src/crypto/note.ts';
import { sealEntry } from '../../src/domain/entry.ts';
import { LogReplay, type ReplaySnapshot } from '../../src/domain/monitor/replay.ts';
import { REPLAY_STATE_VERSION } from '../../src/domain/monitor/replay-snapshot.ts';
import { at, codes, LogBuilder, ORIGIN, park, replayAll, replayer, run, ZONE } from '../helpers/monitor-log.ts';

t.test('a clean park passes', async (t) => {
  const { log, s0, v0 } = park();
  t.same(replayAll(log), []);
  t.throws(() => s0.id(v0), /no source of this settlement/, 'the test helper names only allocations of a settlement’s own sources');
});

t.test('the replay continues from a snapshot with the same verdicts and state, wherever a run stops', async (t) => {
  const { log, s0, w0 } = park();
  log.claim('claim-2', [s0.id(w0, 0)], 400); // a double claim, so the snapshot carries claims
  log.reading('wind-1', 2, 0, 100); // a reading still open at the end
  const full = replayer(log);
  const expected = run(full, log.notes);
  t.same(codes(expected), ['double-claim']);
  for (let cut = 1; cut < log.notes.length; cut++) {
    const first = replayer(log);
    const before = run(first, log.notes, 0, cut);
    const saved = JSON.parse(JSON.stringify(first.snapshot()));
    const second = new LogReplay({ origin: ORIGIN, logVerifier: verifierOf(log.logSigner), reexecute: false }, saved);
    t.equal(second.size, cut);
    const after = run(second, log.notes, cut);
    if (JSON.stringify([...before, ...after]) !== JSON.stringify(expected)) t.fail(`same verdicts, cut at ${cut}`);
    if (JSON.stringify(second.snapshot()) !== JSON.stringify(full.snapshot())) t.fail(`same state, cut at ${cut}`);
  }
  t.pass(`cut at each of 1…${log.notes.length - 1}`);
  t.throws(() => full.add(0, log.notes[0]!, hashLeaf(utf8(log.notes[0]!))), { code: 'bad-request' }, 'entries come in order');
  const other = { ...full.snapshot(), origin: 'other.example/log' };
  t.throws(
    () => new LogReplay({ origin: ORIGIN, logVerifier: verifierOf(log.logSigner), reexecute: false }, other),
    { code: 'bad-request' },
    'a state of another log',
  );
});

t.test('a state of another version, or with a malformed allocation or late batch, is refused', async (t) => {
  const { log, s0 } = park();
  const replay = replayer(log);
  run(replay, log.notes);
  const saved = replay.snapshot();
  const restore = (snapshot: object) => new LogReplay({ origin: ORIGIN, logVerifier: verifierOf(log.logSigner), reexecute: false }, snapshot as ReplaySnapshot);
  t.doesNotThrow(() => restore(saved));
  t.throws(() => restore({ ...saved, version: REPLAY_STATE_VERSION - 1 }), { code: 'bad-request' }, 'the version before');
  // s0's allocations are '400:0 500:1': <wh>:<index into owners>.
  for (const allocations of ['400', '400:2', 'x:0', '-400:0', '400:0 ', '400:0:1']) {
    const settlements = saved.settlements.map(([hash, rec]) => [hash, hash === s0.hash ? { ...rec, allocations } : rec]);
    t.throws(() => restore({ ...saved, settlements }), { code: 'bad-request' }, `allocations ${JSON.stringify(allocations)}`);
  }
  for (const lateBatch of [undefined, { index: 'x', due: [] }, { index: 3 }]) {
    t.throws(() => restore({ ...saved, lateBatch }), { code: 'bad-request' }, `late batch ${JSON.stringify(lateBatch)}`);
  }
});

t.test('the state keeps only what later entries are checked against', async (t) => {
  const { log, w0, v0, w1, b1, s0, s1, late0, charge } = park();
  const m2 = log.reading('meter-1', 2, 50, 0);
  const replay = replayer(log);
  t.same(run(replay, log.notes), []);
  const state = replay.snapshot();
  t.same(
    state.readings.map(([hash]) => hash),
    [m2.hash],
    'only the reading of the interval not yet settled',
  );
  const hour1 = [
    [b1.hash, b1.index, s1.index],
    [w1.hash, w1.index, s1.index],
  ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
  t.same(state.settled, [[w0.hash, w0.index, s0.index], [v0.hash, v0.index, late0.index], ...hour1]);
  const settlements = new Map(state.settlements);
  t.match(settlements.get(s0.hash), { index: s0.index, allocations: '400:0 500:1', charges: [[1, 'bat-1']], claimed: [[0, log.notes.length - 2]] });
  t.same(state.owners, ['tenant-1', 'gen-1']);
  t.same(
    state.lots,
    [
      [
        'bat-1',
        [
          [charge, '150'],
          [s1.id(w1), '90'],
        ],
      ],
    ],
    'the lot of 450 Wh less the 300 drawn, then the lot of hour 1',
  );
  t.same(state.lastMatchedStarts, [[ZONE, Date.parse(at(1))]]);
  t.equal(state.lateBatch, null, 'the late settlement of hour 0 ended with the reading after it');
});

t.test('identical bytes twice are a duplicate entry', async (t) => {
  const { log, s0 } = park();
  const again = log.append(log.notes[s0.index]!);
  const findings = replayAll(log);
  t.same(codes(findings), ['duplicate-entry']);
  t.same(findings[0]?.indexes, [s0.index, again.index]);
});

t.test('an entry of another log, or not an entry, is a bad entry', async (t) => {
  const { log } = park();
  const foreign = log.append(sealEntry({ kind: 'zone', log: 'other.example/log', zone: ZONE, gCO2PerKWh: 1, validFrom: at(0) }, log.operator));
  const garbage = log.append('gridproof/entry/v1\nnot json\n\n');
  const findings = replayAll(log);
  t.same(codes(findings), ['bad-entry', 'bad-entry']);
  t.same(
    findings.map((f) => f.indexes),
    [[foreign.index], [garbage.index]],
  );
  t.match(findings[0]?.detail, /wrong-log/);
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
  log.op({
    kind: 'key',
    subjectType: 'device',
    subjectId: 'wind-1',
    verifierKey: verifierOf(original).vkey,
    validFrom: '2018-01-01T00:00:00Z',
    validUntil: at(3),
  });
  log.reading('wind-1', 2, 0, 0, original);
  const before = log.heads.get('wind-1')!;
  const revoked = log.reading('wind-1', 3, 0, 0, original);
  log.heads.set('wind-1', before);
  log.reading('wind-1', 3, 0, 0, meter);
  // Operator key rotation: afterwards only the new operator key signs.
  const next = generateSigner(`${ORIGIN}/operator-2`);
  log.sign({ kind: 'key', subjectType: 'operator', verifierKey: verifierOf(next).vkey, validFrom: at(4) }, log.logSigner);
  const old = log.op({ kind: 'zone', zone: ZONE, gCO2PerKWh: 380, validFrom: at(0) });
  log.operator = next;
  log.op({ kind: 'zone', zone: ZONE, gCO2PerKWh: 381, validFrom: at(0) });
  const byLogKey = log.sign({ kind: 'zone', zone: ZONE, gCO2PerKWh: 382, validFrom: at(0) }, log.logSigner);
  // A rotation must be signed by the log key: the operator key naming its own successor is refused.
  const selfRotated = log.op({ kind: 'key', subjectType: 'operator', verifierKey: verifierOf(generateSigner(`${ORIGIN}/operator-3`)).vkey, validFrom: at(5) });
  const findings = replayAll(log);
  t.same(codes(findings), ['no-valid-key', 'no-valid-key', 'no-valid-key', 'no-valid-key', 'no-valid-key']);
  t.same(
    findings.map((f) => f.indexes),
    [[early.index], [revoked.index], [old.index], [byLogKey.index], [selfRotated.index]],
  );
});

t.test('a reading under a valid key but a broken chain, a forged signature, entry 0', async (t) => {
  const { log } = park();
  const meter = log.meters.get('meter-1')!;
  const head = log.heads.get('meter-1')!;
  const bad = log.sign(
    {
      kind: 'reading',
      device: 'meter-1',
      seq: head.seq + 1,
      prev: log.heads.get('wind-1')!.hash,
      start: at(2),
      end: at(3),
      importWh: '5',
      exportWh: '0',
      quality: 'measured',
    },
    meter,
  );
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

t.test('an entry carrying a second signature line is a bad entry, whoever signed it', async (t) => {
  const { log } = park();
  const reading = log.reading('bat-1', 2, 0, 0);
  const note = log.notes[reading.index]!;
  log.notes[reading.index] = `${note}${note.slice(note.lastIndexOf('\n\n') + 2)}`; // its own line twice
  const findings = replayAll(log);
  t.same(codes(findings), ['bad-entry']);
  t.same(findings[0]?.indexes, [reading.index]);
  t.match(findings[0]?.detail, /extra-signature/);
});

t.test('registrations: unknown owners and devices, duplicates, a reading of an unknown device', async (t) => {
  const { log } = park();
  log.device('wind-3', 'tenant-1', 'wind');
  log.op({ kind: 'participant', id: 'gen-1', role: 'generator', name: 'Again' });
  log.op({ kind: 'key', subjectType: 'device', subjectId: 'nowhere', verifierKey: verifierOf(log.operator).vkey, validFrom: at(0) });
  log.sign({ kind: 'reading', device: 'nowhere', seq: 0, start: at(0), end: at(1), importWh: '0', exportWh: '1', quality: 'measured' }, log.operator);
  log.op({ kind: 'contract', id: 'ppa-9', device: 'nowhere', tenant: 'gen-1', priority: 0, validFrom: at(0) });
  log.reading('wind-1', 2, 0, 20_000_000);
  t.same(codes(replayAll(log)), [
    'participant-role-mismatch',
    'duplicate-registration',
    'unknown-device',
    'unknown-device',
    'unknown-device',
    'participant-role-mismatch',
    'bad-reading',
  ]);
});

t.test('a device owner or contract tenant registered with another role is participant-role-mismatch, one never registered unknown-participant', async (t) => {
  const { log } = park();
  const [generator, tenant] = [2, 3]; // the participant entries of gen-1 and tenant-1 (test/helpers/monitor-log.ts)
  const wrongOwner = log.device('wind-3', 'tenant-1', 'wind');
  const noOwner = log.device('wind-4', 'nobody', 'wind');
  const meterOfGenerator = log.device('meter-3', 'gen-1', 'consumption');
  const wrongTenant = log.op({ kind: 'contract', id: 'ppa-8', device: 'wind-1', tenant: 'gen-1', priority: 1, validFrom: at(0) });
  const noTenant = log.op({ kind: 'contract', id: 'ppa-9', device: 'wind-1', tenant: 'nobody', priority: 2, validFrom: at(0) });
  const findings = replayAll(log);
  t.same(codes(findings), [
    'participant-role-mismatch',
    'unknown-participant',
    'participant-role-mismatch',
    'participant-role-mismatch',
    'unknown-participant',
  ]);
  t.same(
    findings.map((f) => f.indexes),
    [[tenant, wrongOwner.index], [noOwner.index], [generator, meterOfGenerator.index], [generator, wrongTenant.index], [noTenant.index]],
    'a mismatch names the participant entry too',
  );
  t.match(
    findings.map((f) => f.detail),
    [
      /device wind-3 \(wind\) belongs to tenant-1, which is registered as a tenant; the owner of a wind device must be a generator/,
      /device wind-4 \(wind\) belongs to nobody, which no participant entry before it registers/,
      /device meter-3 \(consumption\) belongs to gen-1, which is registered as a generator; the owner of a consumption device must be a tenant/,
      /contract ppa-8 for gen-1, which is registered as a generator; a contract's buyer must be a tenant/,
      /contract ppa-9 for nobody, which no participant entry before it registers/,
    ],
  );
});

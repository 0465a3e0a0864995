/**
 * The monitor's replay of settlements, storage and claims
 * (src/domain/monitor/replay-settlements.ts and the files it uses): what
 * matching itself plans passes, and each finding code comes from a log that
 * breaks its rule, and nothing else, after the clean park of
 * test/helpers/monitor-log.ts.
 */
import t from 'tap';
import { toBase64, utf8 } from '../../src/crypto/base64.ts';
import { verifierOf } from '../../src/crypto/note.ts';
import { sha256 } from '../../src/crypto/sha256.ts';
import { allocationId } from '../../src/domain/allocation-id.ts';
import { planInterval, type GreenLot, type MatchReading } from '../../src/domain/matching.ts';
import { settleInterval } from '../../src/domain/settlement.ts';
import { at, codes, LogBuilder, ORIGIN, park, replayAll, replayer, run, ZONE } from '../helpers/monitor-log.ts';

/** A leaf hash no entry has. */
const nowhere = { index: -1, hash: toBase64(sha256(utf8('no such entry'))) };

t.test('what matching plans and settles passes: a day of a park with storage and a contract', async (t) => {
  const log = new LogBuilder();
  log.sign({ kind: 'key', subjectType: 'operator', verifierKey: verifierOf(log.operator).vkey, validFrom: at(0) }, log.logSigner);
  for (const [id, role] of [['gen-1', 'generator'], ['tenant-1', 'tenant'], ['tenant-2', 'tenant']] as const) log.op({ kind: 'participant', id, role, name: id });
  const devices = { 'wind-1': 'gen-1', 'solar-1': 'gen-1', 'bat-1': 'gen-1', 'meter-1': 'tenant-1', 'meter-2': 'tenant-2' } as const;
  const types = { 'wind-1': 'wind', 'solar-1': 'solar', 'bat-1': 'storage', 'meter-1': 'consumption', 'meter-2': 'consumption' } as const;
  for (const [id, owner] of Object.entries(devices) as Array<[keyof typeof devices, string]>) {
    log.device(id, owner, types[id], id === 'bat-1' ? { energyCapacityWh: '900', efficiencyBp: 9000 } : {});
  }
  const ppa = log.op({ kind: 'contract', id: 'ppa-1', device: 'wind-1', tenant: 'tenant-1', priority: 0, shareBp: 6000, validFrom: at(0) });
  const energy = (device: keyof typeof devices, h: number): [number, number] =>
    ({
      'wind-1': [0, (h * 137) % 700],
      'solar-1': [0, h >= 6 && h <= 18 ? 300 - Math.abs(12 - h) * 40 : 0],
      'bat-1': [h % 4 < 2 ? 400 : 0, h % 4 >= 2 ? 250 : 0],
      'meter-1': [150 + h * 10, 0],
      'meter-2': [200, 0],
    })[device] as [number, number];
  let lots: GreenLot[] = [];
  let settled = 0;
  for (let h = 0; h < 23; h++) {
    const readings: MatchReading[] = (Object.keys(devices) as Array<keyof typeof devices>).map((device) => {
      const [importWh, exportWh] = energy(device, h);
      const { hash } = log.reading(device, h, importWh, exportWh);
      return { leafHash: hash, device, deviceType: types[device], owner: devices[device], importWh: BigInt(importWh), exportWh: BigInt(exportWh) };
    });
    const input = {
      log: ORIGIN,
      start: at(h),
      end: at(h + 1),
      zone: ZONE,
      readings,
      contracts: [{ leafHash: ppa.hash, device: 'wind-1', tenant: 'tenant-1', priority: 0, shareBp: 6000 }],
      storage: [{ device: 'bat-1', efficiencyBp: 9000, energyCapacityWh: 900n }],
      lots,
    };
    const plan = planInterval(input);
    if (!plan) continue;
    lots = settleInterval(input, plan, log.op(plan).hash).lotsAfter;
    settled += plan.sources.flatMap((source) => source.allocations).filter((a) => a.draws).length;
  }
  t.ok(settled > 0, `${settled} discharges drew on green charge`);
  t.same(replayAll(log), []);
});

t.test('a settlement naming readings that were never logged', async (t) => {
  const { log } = park();
  const w2 = log.reading('wind-1', 2, 0, 100);
  const s2 = log.settlement(2, [{ reading: w2, supplyWh: 100, allocations: [{ sink: nowhere, wh: 50 }] }, { reading: nowhere, supplyWh: 10 }]);
  const findings = replayAll(log);
  t.same(codes(findings), ['unknown-reading', 'unknown-reading']);
  t.same(findings.map((f) => f.indexes), [[s2.index], [s2.index]]);
  t.match(findings.map((f) => f.detail).join('\n'), new RegExp(`settles ${nowhere.hash.replace(/[+/]/g, '.')}.*\\n.*goes to`));
});

t.test('settled sources whose figures, reading or order do not fit', async (t) => {
  const { log } = park();
  const w2 = log.reading('wind-1', 2, 0, 100);
  const v2 = log.reading('wind-2', 1, 0, 50); // of hour 1, wind-2's first reading after hour 0
  const m2 = log.reading('meter-1', 2, 100, 0);
  const sources = [
    { reading: w2, supplyWh: 90 },
    { reading: v2, supplyWh: 50 },
    { reading: m2, supplyWh: 0, allocatedWh: 10 },
  ].sort((a, b) => (a.reading.hash < b.reading.hash ? 1 : -1));
  const s2 = log.settlement(2, sources, { sorted: false });
  const findings = replayAll(log);
  t.same(codes(findings), ['settlement-mismatch', 'settlement-mismatch', 'settlement-mismatch', 'settlement-mismatch']);
  t.same(findings[0], { code: 'settlement-mismatch', indexes: [s2.index], detail: `settlement ${s2.hash}: its sources are not in leaf-hash order` });
  const detail = (reading: { index: number }) => findings.find((f) => f.indexes[0] === reading.index)?.detail;
  t.match(detail(w2), /supplyWh 90, but it exports 100 Wh/);
  t.match(detail(v2), /not of the settlement’s interval and zone/);
  t.match(detail(m2), /a consumption reading exporting 0 Wh, no supply; allocatedWh 10, but its allocations add up to 0 Wh/);
});

t.test('a reading settled twice: by a second settlement, or twice in one', async (t) => {
  const { log, w0, s0 } = park();
  const w2 = log.reading('wind-1', 2, 0, 100);
  const s2 = log.settlement(2, [{ reading: w2, supplyWh: 100 }, { reading: w0, supplyWh: 1000 }]);
  const w3 = log.reading('wind-1', 3, 0, 100);
  const s3 = log.settlement(3, [{ reading: w3, supplyWh: 100 }, { reading: w3, supplyWh: 100 }], { sorted: false });
  const findings = replayAll(log);
  t.same(codes(findings), ['second-settlement', 'second-settlement']);
  t.same(findings.map((f) => f.indexes), [[w0.index, s0.index, s2.index], [w3.index, s3.index]]);
  t.match(findings[0]?.detail, `entry ${s0.index} settled it already`);
  t.match(findings[1]?.detail, 'lists it twice');
});

t.test('a supply reading left out of its interval’s settlement, then settled late', async (t) => {
  const { log } = park();
  const w2 = log.reading('wind-1', 2, 0, 100);
  const v2 = log.reading('wind-2', 2, 0, 50);
  const s2 = log.settlement(2, [{ reading: w2, supplyWh: 100 }]);
  const late = log.settlement(2, [{ reading: v2, supplyWh: 50 }]);
  const findings = replayAll(log);
  t.same(codes(findings), ['unsettled-supply', 'bad-late-settlement']);
  t.same(findings.map((f) => f.indexes), [[v2.index, s2.index], [v2.index, s2.index, late.index]]);
});

t.test('a late settlement of an interval matched without supply passes; its consumption is forgotten', async (t) => {
  const { log } = park();
  const m2 = log.reading('meter-1', 2, 100, 0);
  const w3 = log.reading('wind-1', 3, 0, 100);
  const m3 = log.reading('meter-1', 3, 100, 0);
  log.settlement(3, [{ reading: w3, supplyWh: 100, allocations: [{ sink: m3, wh: 100 }] }]);
  const v2 = log.reading('wind-2', 2, 0, 50);
  log.settlement(2, [{ reading: v2, supplyWh: 50 }]);
  const replay = replayer(log);
  t.same(run(replay, log.notes), []);
  t.same(replay.snapshot().readings, [], `${m2.hash} is forgotten once hour 3 is settled`);
});

t.test('allocations after the interval was matched: a second settlement, or an older interval', async (t) => {
  const { log, m0, s0 } = park();
  log.device('wind-3', 'gen-1', 'wind');
  const x0 = log.reading('wind-3', 0, 0, 100);
  const again = log.settlement(0, [{ reading: x0, supplyWh: 100, allocations: [{ sink: m0, wh: 100 }] }]);
  const w2 = log.reading('wind-1', 2, 0, 100);
  const m2 = log.reading('meter-1', 2, 100, 0);
  const w3 = log.reading('wind-1', 3, 0, 100);
  const m3 = log.reading('meter-1', 3, 100, 0);
  log.settlement(3, [{ reading: w3, supplyWh: 100, allocations: [{ sink: m3, wh: 100 }] }]);
  const older = log.settlement(2, [{ reading: w2, supplyWh: 100, allocations: [{ sink: m2, wh: 100 }] }]);
  const findings = replayAll(log);
  t.same(codes(findings), ['late-allocations', 'late-allocations']);
  t.same(findings.map((f) => f.indexes), [[s0.index, again.index], [older.index]]);
  t.match(findings[1]?.detail, /its zone settled a later interval already/);
});

t.test('allocations whose sink does not fit', async (t) => {
  const { log, charge } = park();
  log.device('bat-2', 'gen-1', 'storage', { energyCapacityWh: '1000', efficiencyBp: 10000 });
  const w2 = log.reading('wind-1', 2, 0, 200);
  const v2 = log.reading('wind-2', 2, 10, 0);
  const b2 = log.reading('bat-1', 2, 0, 100);
  const c2 = log.reading('bat-2', 2, 100, 0);
  const m2 = log.reading('meter-1', 2, 100, 0);
  const m3 = log.reading('meter-1', 3, 100, 0);
  const s2 = log.settlement(2, [
    { reading: w2, supplyWh: 200, allocations: [{ sink: m3, wh: 10 }, { sink: v2, wh: 5 }, { sink: m2, wh: 0 }] },
    { reading: b2, supplyWh: 100, allocations: [{ sink: c2, wh: 100, draws: [[charge, 100]] }] },
  ]);
  const findings = replayAll(log);
  t.same(codes(findings), ['allocation-mismatch', 'allocation-mismatch', 'allocation-mismatch', 'allocation-mismatch']);
  const about = (sink: { index: number }) => findings.find((f) => f.indexes.includes(sink.index));
  t.match(about(m3), { indexes: [w2.index, m3.index, s2.index], detail: `allocation ${s2.id(w2, 0)}: its sink reading is not of the settlement’s interval and zone` });
  t.match(about(v2)?.detail, /its sink is a wind reading$/);
  t.match(about(m2)?.detail, /it is of zero Wh$/);
  t.match(about(c2), { indexes: [b2.index, c2.index, s2.index], detail: /it charges storage from storage$/ });
});

t.test('contracts: logged before, of the source’s device and the sink’s tenant, valid over the interval, within their share', async (t) => {
  const { log, ppa } = park();
  log.op({ kind: 'participant', id: 'tenant-2', role: 'tenant', name: 'Other GmbH' });
  log.device('meter-2', 'tenant-2', 'consumption');
  const future = log.op({ kind: 'contract', id: 'ppa-2', device: 'wind-1', tenant: 'tenant-1', priority: 1, validFrom: at(5) });
  const w2 = log.reading('wind-1', 2, 0, 1000);
  const v2 = log.reading('wind-2', 2, 0, 100);
  const b2 = log.reading('bat-1', 2, 100, 0);
  const m2 = log.reading('meter-1', 2, 1000, 0);
  const n2 = log.reading('meter-2', 2, 100, 0);
  const s2 = log.settlement(2, [
    {
      reading: w2,
      supplyWh: 1000,
      allocations: [
        { sink: m2, wh: 600, contract: ppa },
        { sink: n2, wh: 50, contract: ppa },
        { sink: b2, wh: 100, contract: ppa },
        { sink: m2, wh: 10, contract: future },
        { sink: m2, wh: 10, contract: nowhere },
      ],
    },
    { reading: v2, supplyWh: 100, allocations: [{ sink: m2, wh: 10, contract: ppa }] },
  ]);
  const findings = replayAll(log);
  t.same(codes(findings), Array(6).fill('allocation-mismatch'));
  const details = findings.map((f) => f.detail);
  const expected = [
    `allocation ${s2.id(w2, 1)}: its contract is for tenant tenant-1, not for a reading of tenant-2`,
    `allocation ${s2.id(w2, 2)}: its contract is for tenant tenant-1, not for a reading of gen-1`,
    `allocation ${s2.id(w2, 3)}: its contract is not valid over the interval`,
    `allocation ${s2.id(w2, 4)}: its contract ${nowhere.hash} is no contract entry logged before it`,
    `allocation ${s2.id(v2, 0)}: its contract is for device wind-1, not wind-2`,
    `settlement ${s2.hash}: contract ${ppa.hash} takes 750 Wh of reading ${w2.hash}, its share of 5000 bp allows 500 Wh`,
  ];
  t.same([...details].sort(), [...expected].sort());
  t.same(findings.find((f) => f.detail === expected[5])?.indexes, [ppa.index, w2.index, s2.index]);
});

t.test('allocations that take more than a reading exports or imports', async (t) => {
  const { log } = park();
  const w2 = log.reading('wind-1', 2, 0, 100);
  const v2 = log.reading('wind-2', 2, 0, 300);
  const m2 = log.reading('meter-1', 2, 200, 0);
  const s2 = log.settlement(2, [
    { reading: w2, supplyWh: 100, allocations: [{ sink: m2, wh: 150 }] },
    { reading: v2, supplyWh: 300, allocations: [{ sink: m2, wh: 100 }] },
  ]);
  const findings = replayAll(log);
  t.same(codes(findings), ['source-over-allocated', 'sink-over-allocated']);
  t.same(findings.map((f) => f.indexes), [[w2.index, s2.index], [m2.index, s2.index]]);
  t.match(findings[0]?.detail, /exports 100 Wh, settlement .* allocates 150 Wh of it/);
  t.match(findings[1]?.detail, /imports 200 Wh, settlement .* allocates 250 Wh to it/);
});

t.test('a draw beyond what the charge holds after losses and earlier draws', async (t) => {
  const { log, s0, charge } = park();
  const b2 = log.reading('bat-1', 2, 0, 200);
  const m2 = log.reading('meter-1', 2, 200, 0);
  // The charge of 500 Wh at 90 % left a lot of 450, of which hour 1 drew 300.
  const s2 = log.settlement(2, [{ reading: b2, supplyWh: 200, allocations: [{ sink: m2, wh: 200, draws: [[charge, 200]] }] }]);
  const findings = replayAll(log);
  t.same(codes(findings), ['draw-beyond-charge']);
  t.same(findings[0]?.indexes, [s0.index, s2.index]);
  t.match(findings[0]?.detail, /holds 150 Wh of green charge after losses and earlier draws; allocation .* draws 200 Wh on it/);
});

t.test('draws that name no earlier charge of the device, do not add up, or are missing', async (t) => {
  const { log, s0, w0, charge } = park();
  log.device('bat-2', 'gen-1', 'storage', { energyCapacityWh: '1000', efficiencyBp: 10000 });
  const w2 = log.reading('wind-1', 2, 0, 100);
  const b2 = log.reading('bat-1', 2, 0, 100);
  const c2 = log.reading('bat-2', 2, 0, 10);
  const m2 = log.reading('meter-1', 2, 300, 0);
  const s2 = log.settlement(2, [
    { reading: b2, supplyWh: 100, allocations: [{ sink: m2, wh: 100, draws: [[s0.id(w0, 0), 50], [charge, 40], [allocationId(nowhere.hash, 0), 5]] }] },
    { reading: c2, supplyWh: 10, allocations: [{ sink: m2, wh: 10, draws: [[charge, 10]] }] },
    { reading: w2, supplyWh: 100, allocations: [{ sink: m2, wh: 50, draws: [[charge, 50]] }] },
  ]);
  const b3 = log.reading('bat-1', 3, 0, 10);
  const m3 = log.reading('meter-1', 3, 10, 0);
  const s3 = log.settlement(3, [{ reading: b3, supplyWh: 10, allocations: [{ sink: m3, wh: 10 }] }]);
  const findings = replayAll(log);
  t.same(codes(findings), Array(6).fill('bad-draw'));
  const details = findings.map((f) => f.detail).sort();
  t.same(details, [
    `allocation ${s2.id(b2)} draws on ${allocationId(nowhere.hash, 0)}, which is no allocation logged before it`,
    `allocation ${s2.id(b2)} draws on ${s0.id(w0, 0)}, which is no storage charge`,
    `allocation ${s2.id(b2)} is of 100 Wh but its draws add up to 95 Wh`,
    `allocation ${s2.id(c2)} draws on ${charge}, which charged bat-1, not bat-2`,
    `allocation ${s2.id(w2)} draws on storage charge, but its source is a wind reading`,
    `allocation ${s3.id(b3)} from storage bat-1 names no charge it draws on`,
  ].sort());
  t.same(findings.find((f) => f.detail.includes('no storage charge'))?.indexes, [s0.index, s2.index]);
});

t.test('draws that are not first in, first out', async (t) => {
  const { log, charge } = park();
  const w2 = log.reading('wind-1', 2, 0, 100);
  const b2 = log.reading('bat-1', 2, 100, 0);
  const s2 = log.settlement(2, [{ reading: w2, supplyWh: 100, allocations: [{ sink: b2, wh: 100 }] }]);
  const b3 = log.reading('bat-1', 3, 0, 100);
  const m3 = log.reading('meter-1', 3, 100, 0);
  // Held: 150 Wh of the hour-0 charge, 90 of hour 1's, 90 of hour 2's; FIFO takes 100 of the first.
  const s3 = log.settlement(3, [{ reading: b3, supplyWh: 100, allocations: [{ sink: m3, wh: 100, draws: [[s2.id(w2), 90], [charge, 10]] }] }]);
  const findings = replayAll(log);
  t.same(codes(findings), ['draw-not-fifo']);
  t.same(findings[0]?.indexes, [s3.index]);
  t.match(findings[0]?.detail, `first in, first out over the green charge held it draws 100 Wh of ${charge}`);
});

t.test('the state of charge stays within the energy capacity', async (t) => {
  const { log, battery } = park();
  // 240 Wh held after hour 1; charging 1000 Wh at 90 % adds 900: 1140 > 1000.
  const w2 = log.reading('wind-1', 2, 0, 2000);
  const b2 = log.reading('bat-1', 2, 1000, 0);
  const s2 = log.settlement(2, [{ reading: w2, supplyWh: 2000, allocations: [{ sink: b2, wh: 1000 }] }]);
  const findings = replayAll(log);
  t.same(codes(findings), ['state-of-charge']);
  t.same(findings[0]?.indexes, [battery.index, s2.index]);
  t.match(findings[0]?.detail, /240 Wh held before .* plus 900 Wh charged in it exceed the energy capacity 1000 Wh/);
});

t.test('a double claim', async (t) => {
  const { log, s0, w0, c1 } = park();
  const c2 = log.claim('claim-2', [s0.id(w0, 0)], 400);
  const findings = replayAll(log);
  t.same(codes(findings), ['double-claim']);
  t.same(findings[0]?.indexes, [s0.index, c1.index, c2.index]);
});

t.test('claims of another tenant’s allocation, a charge, outside their period, unknown, listed twice, the wrong total', async (t) => {
  const { log, s0, w0 } = park();
  log.op({ kind: 'participant', id: 'tenant-2', role: 'tenant', name: 'Other GmbH' });
  const w2 = log.reading('wind-1', 2, 0, 500);
  const m2 = log.reading('meter-1', 2, 500, 0);
  const s2 = log.settlement(2, [{ reading: w2, supplyWh: 500, allocations: Array.from({ length: 5 }, () => ({ sink: m2, wh: 100 })) }]);
  const c2 = log.claim('claim-2', [s2.id(w2, 0)], 100, { tenant: 'tenant-2' });
  const c3 = log.claim('claim-3', [s0.id(w0, 1)], 500);
  const c4 = log.claim('claim-4', [s2.id(w2, 1)], 100, { from: 0, to: 1 });
  const c5 = log.claim('claim-5', [allocationId(s0.hash, 9)], 0);
  const c6 = log.claim('claim-6', [s2.id(w2, 2), s2.id(w2, 2)], 1);
  const findings = replayAll(log);
  t.same(codes(findings), ['claim-mismatch', 'claim-mismatch', 'claim-mismatch', 'claim-mismatch', 'double-claim', 'claim-mismatch']);
  t.same(findings.map((f) => f.indexes), [[s2.index, c2.index], [s0.index, c3.index], [s2.index, c4.index], [s0.index, c5.index], [s2.index, c6.index], [c6.index]]);
  t.match(findings.map((f) => f.detail), [/goes to tenant-1/, /which charges storage/, /outside its period/, /no allocation logged before it/, /lists allocation .* twice/, /states 1 Wh, its allocations add up to 100 Wh/]);
});

/**
 * The monitor's replay of storage (src/domain/monitor/replay-storage.ts):
 * what matching itself plans for a day of a park with storage passes; draws
 * first in, first out on earlier green charge of the same device, within what
 * a charge holds after losses, and the state of charge within the energy
 * capacity. Each finding code comes from a log that breaks its rule, and
 * nothing else, after the clean park of test/helpers/monitor-log.ts.
 */
import t from 'tap';
import { verifierOf } from '../../src/crypto/note.ts';
import { allocationId } from '../../src/domain/allocation-id.ts';
import { planInterval, type GreenLot, type MatchReading } from '../../src/domain/matching.ts';
import { checkIntervalSettlement } from '../../src/domain/settlement.ts';
import { at, codes, LogBuilder, nowhere, ORIGIN, park, replayAll, ZONE } from '../helpers/monitor-log.ts';

t.test('what matching plans and settles passes: a day of a park with storage and a contract', async (t) => {
  const log = new LogBuilder();
  log.sign({ kind: 'key', subjectType: 'operator', verifierKey: verifierOf(log.operator).vkey, validFrom: at(0) }, log.logSigner);
  for (const [id, role] of [
    ['gen-1', 'generator'],
    ['tenant-1', 'tenant'],
    ['tenant-2', 'tenant'],
  ] as const)
    log.op({ kind: 'participant', id, role, name: id });
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
    lots = checkIntervalSettlement(input, plan, log.op(plan).hash).lotsAfter;
    settled += plan.sources.flatMap((source) => source.allocations).filter((a) => a.draws).length;
  }
  t.ok(settled > 0, `${settled} discharges drew on green charge`);
  t.same(replayAll(log), []);
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
    {
      reading: b2,
      supplyWh: 100,
      allocations: [
        {
          sink: m2,
          wh: 100,
          draws: [
            [s0.id(w0, 0), 50],
            [charge, 40],
            [allocationId(nowhere.hash, 0), 5],
          ],
        },
      ],
    },
    { reading: c2, supplyWh: 10, allocations: [{ sink: m2, wh: 10, draws: [[charge, 10]] }] },
    { reading: w2, supplyWh: 100, allocations: [{ sink: m2, wh: 50, draws: [[charge, 50]] }] },
  ]);
  const b3 = log.reading('bat-1', 3, 0, 10);
  const m3 = log.reading('meter-1', 3, 10, 0);
  const s3 = log.settlement(3, [{ reading: b3, supplyWh: 10, allocations: [{ sink: m3, wh: 10 }] }]);
  const findings = replayAll(log);
  t.same(codes(findings), Array(6).fill('bad-draw'));
  const details = findings.map((f) => f.detail).sort();
  t.same(
    details,
    [
      `allocation ${s2.id(b2)} draws on ${allocationId(nowhere.hash, 0)}, which is no allocation logged before it`,
      `allocation ${s2.id(b2)} draws on ${s0.id(w0, 0)}, which is no storage charge`,
      `allocation ${s2.id(b2)} is of 100 Wh but its draws add up to 95 Wh`,
      `allocation ${s2.id(c2)} draws on ${charge}, which charged bat-1, not bat-2`,
      `allocation ${s2.id(w2)} draws on storage charge, but its source is a wind reading`,
      `allocation ${s3.id(b3)} from storage bat-1 names no charge it draws on`,
    ].sort(),
  );
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
  const s3 = log.settlement(3, [
    {
      reading: b3,
      supplyWh: 100,
      allocations: [
        {
          sink: m3,
          wh: 100,
          draws: [
            [s2.id(w2), 90],
            [charge, 10],
          ],
        },
      ],
    },
  ]);
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

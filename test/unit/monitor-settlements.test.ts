/**
 * The monitor's replay of settlements (src/domain/monitor/replay-settlements.ts,
 * replay-allocations.ts, replay-late.ts): each finding code comes from a log
 * that breaks its rule, and nothing else, after the clean park of
 * test/helpers/monitor-log.ts. Storage, and a day of what matching itself
 * plans, are in monitor-storage.test.ts; claims in monitor-claims.test.ts.
 */
import t from 'tap';
import { verifierOf } from '../../src/crypto/note.ts';
import { compareText } from '../../src/domain/compare.ts';
import { LogReplay } from '../../src/domain/monitor/replay.ts';
import type { Allocation } from '../../src/domain/payloads.ts';
import { at, codes, nowhere, ORIGIN, park, replayAll, replayer, run, ZONE } from '../helpers/monitor-log.ts';

/** A literal for a RegExp: allocation ids hold `+`, `/` and `=`. */
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

t.test('a settlement naming readings that were never logged', async (t) => {
  const { log } = park();
  const w2 = log.reading('wind-1', 2, 0, 100);
  const s2 = log.settlement(2, [
    { reading: w2, supplyWh: 100, allocations: [{ sink: nowhere, wh: 50 }] },
    { reading: nowhere, supplyWh: 10 },
  ]);
  const findings = replayAll(log);
  t.same(codes(findings), ['unknown-reading', 'unknown-reading']);
  t.same(
    findings.map((f) => f.indexes),
    [[s2.index], [s2.index]],
  );
  t.match(findings.map((f) => f.detail).join('\n'), new RegExp(`settles ${nowhere.hash.replace(/[+/]/g, '.')}.*\\n.*goes to`));
});

t.test('a signed settlement whose sinks are out of order, repeated, unused or out of range is a bad entry, and settles nothing', async (t) => {
  const { log } = park();
  log.device('meter-2', 'tenant-1', 'consumption');
  const w2 = log.reading('wind-1', 2, 0, 100);
  const m2 = log.reading('meter-1', 2, 50, 0);
  const n2 = log.reading('meter-2', 2, 50, 0);
  const [low, high] = [m2.hash, n2.hash].sort(compareText) as [string, string];
  // Written by hand: the builder's settlement() always lists sinks as they must be. The operator signs each.
  const malformed = (sinks: string[], allocations: Allocation[]) =>
    log.op({
      kind: 'settlement',
      start: at(2),
      end: at(3),
      zone: ZONE,
      sinks,
      sources: [{ reading: w2.hash, supplyWh: '100', allocatedWh: String(allocations.length * 50), allocations }],
    });
  const bad = [
    malformed(
      [high, low],
      [
        { sink: 0, wh: '50' },
        { sink: 1, wh: '50' },
      ],
    ),
    malformed(
      [low, low],
      [
        { sink: 0, wh: '50' },
        { sink: 1, wh: '50' },
      ],
    ),
    malformed([low, high], [{ sink: 0, wh: '50' }]),
    malformed(
      [low],
      [
        { sink: 0, wh: '50' },
        { sink: 1, wh: '50' },
      ],
    ),
  ];
  // The same allocations with their sinks as they must be: had any malformed one been replayed, this would be a second settlement of w2.
  log.settlement(2, [
    {
      reading: w2,
      supplyWh: 100,
      allocations: [
        { sink: m2, wh: 50 },
        { sink: n2, wh: 50 },
      ],
    },
  ]);
  const findings = replayAll(log);
  t.same(codes(findings), ['bad-entry', 'bad-entry', 'bad-entry', 'bad-entry']);
  t.same(
    findings.map((f) => f.indexes),
    bad.map((s) => [s.index]),
  );
  // A detail starts with parseEntry's code: the schema, not the signature or the origin, is what is refused.
  t.same(
    findings.map((f) => f.detail.split(':')[0]),
    Array(4).fill('schema-violation'),
  );
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
  t.same(codes(findings), Array(5).fill('settlement-mismatch'));
  t.match(findings[0], { code: 'settlement-mismatch', indexes: [s2.index], detail: /its sources are not listed once each in leaf-hash order$/ });
  const detail = (reading: { index: number; hash: string }) =>
    findings
      .filter((f) => f.indexes[0] === reading.index || f.detail.includes(reading.hash.slice(0, 8)))
      .map((f) => f.detail)
      .join('\n');
  t.match(detail(w2), /supplyWh 90 is not its export of 100 Wh/);
  t.match(detail(v2), /is a reading of another interval or zone/);
  t.match(detail(m2), /is a consumption reading exporting 0 Wh, no supply/);
  t.match(detail(m2), /allocatedWh 10 is not the sum 0 of its allocations/);
});

t.test('a reading settled twice: by a second settlement, or twice in one', async (t) => {
  const { log, w0, s0 } = park();
  const w2 = log.reading('wind-1', 2, 0, 100);
  const s2 = log.settlement(2, [
    { reading: w2, supplyWh: 100 },
    { reading: w0, supplyWh: 1000 },
  ]);
  const w3 = log.reading('wind-1', 3, 0, 100);
  const s3 = log.settlement(
    3,
    [
      { reading: w3, supplyWh: 100 },
      { reading: w3, supplyWh: 100 },
    ],
    { sorted: false },
  );
  const findings = replayAll(log);
  // Listing a reading twice also breaks the strict leaf-hash order of sources (the settlement rules).
  t.same(codes(findings), ['second-settlement', 'second-settlement', 'settlement-mismatch']);
  t.same(
    findings.map((f) => f.indexes),
    [[w0.index, s0.index, s2.index], [w3.index, s3.index], [s3.index]],
  );
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
  t.same(
    findings.map((f) => f.indexes),
    [
      [v2.index, s2.index],
      [v2.index, s2.index, late.index],
    ],
  );
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

t.test('consumption logged hours ahead of matching is forgotten as each settlement passes its hour, and only then', async (t) => {
  const { log } = park();
  const meter = [2, 3, 4, 5, 6].map((hour) => log.reading('meter-1', hour, 100, 0));
  const open = () => replay.snapshot().readings.map(([hash]) => hash);
  const wind = (hour: number) => log.reading('wind-1', hour, 0, 10);
  const settle = (hour: number) => {
    const w = wind(hour);
    log.settlement(hour, [{ reading: w, supplyWh: 10, allocations: [{ sink: meter[hour - 2]!, wh: 10 }] }]);
  };
  const replay = replayer(log);
  t.same(run(replay, log.notes), []);
  t.same(
    open(),
    meter.map((m) => m.hash),
  );
  settle(2);
  settle(3);
  t.same(run(replay, log.notes, replay.size), []);
  t.same(
    open(),
    meter.slice(2).map((m) => m.hash),
    'hours 2 and 3 settled',
  );
  settle(5);
  t.same(run(replay, log.notes, replay.size), []);
  t.same(open(), [meter[4]!.hash], 'hour 4, between the last matched hour and the new one, is forgotten; hour 6 is not');
});

t.test('late supply settled by the late settlements after the run’s windows passes, wherever a run stops', async (t) => {
  const { log } = park();
  log.device('wind-3', 'gen-1', 'wind');
  // A run matches hours 2 and 3 in two windows; readings of hours 0 and 1 arrive late before and between them.
  const w2 = log.reading('wind-1', 2, 0, 100);
  const w3 = log.reading('wind-1', 3, 0, 100);
  const x0 = log.reading('wind-3', 0, 0, 40);
  log.settlement(2, [{ reading: w2, supplyWh: 100 }]);
  const v1 = log.reading('wind-2', 1, 0, 30);
  const s3 = log.settlement(3, [{ reading: w3, supplyWh: 100 }]);
  // Then its late-settlement transaction: one settlement per interval.
  log.settlement(0, [{ reading: x0, supplyWh: 40 }]);
  log.settlement(1, [{ reading: v1, supplyWh: 30 }]);
  log.reading('wind-1', 4, 0, 100);
  const upToLate = replayer(log);
  t.same(run(upToLate, log.notes, 0, s3.index + 1), [], 'x0 is still unsettled after two frontier advances: no finding');
  t.same(
    upToLate.warnings().map((w) => [w.code, w.indexes]),
    [
      ['late-supply-unsettled', [x0.index]],
      ['late-supply-unsettled', [v1.index]],
    ],
  );
  for (let cut = 1; cut < log.notes.length; cut++) {
    const first = replayer(log);
    const before = run(first, log.notes, 0, cut);
    const second = new LogReplay({ origin: ORIGIN, logVerifier: verifierOf(log.logSigner), reexecute: false }, JSON.parse(JSON.stringify(first.snapshot())));
    const after = run(second, log.notes, cut);
    if (before.length + after.length > 0) t.fail(`cut at ${cut}: ${codes([...before, ...after]).join(', ')}`);
    if (cut === log.notes.length - 1) t.same(second.warnings(), [], 'all late supply settled');
  }
  t.pass(`no finding, cut at each of 1…${log.notes.length - 1}`);
});

t.test('late supply not settled yet is a warning; left out by a late-settlement transaction, unsettled-supply', async (t) => {
  const { log } = park();
  log.device('wind-3', 'gen-1', 'wind');
  const x0 = log.reading('wind-3', 0, 0, 40);
  const v1 = log.reading('wind-2', 1, 0, 30);
  log.reading('wind-1', 2, 0, 100); // not late: hour 2 is not matched
  const replay = replayer(log);
  t.same(run(replay, log.notes), []);
  t.same(
    replay.warnings().map((w) => [w.code, w.indexes]),
    [
      ['late-supply-unsettled', [x0.index]],
      ['late-supply-unsettled', [v1.index]],
    ],
  );
  const late = log.settlement(1, [{ reading: v1, supplyWh: 30 }]);
  t.same(run(replay, log.notes, replay.size), [], 'its transaction may write more late settlements');
  log.reading('meter-1', 2, 10, 0);
  const findings = run(replay, log.notes, replay.size);
  t.same(codes(findings), ['unsettled-supply']);
  t.same(findings[0]?.indexes, [x0.index, late.index]);
  t.same(
    replay.warnings().map((w) => w.indexes),
    [[x0.index]],
    'x0 is still due',
  );
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
  t.same(
    findings.map((f) => f.indexes),
    [[s0.index, again.index], [older.index]],
  );
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
    {
      reading: w2,
      supplyWh: 200,
      allocations: [
        { sink: m3, wh: 10 },
        { sink: v2, wh: 5 },
        { sink: m2, wh: 0 },
      ],
    },
    { reading: b2, supplyWh: 100, allocations: [{ sink: c2, wh: 100, draws: [[charge, 100]] }] },
  ]);
  const findings = replayAll(log);
  t.same(codes(findings), ['allocation-mismatch', 'allocation-mismatch', 'allocation-mismatch', 'allocation-mismatch']);
  const about = (sink: { index: number }) => findings.find((f) => f.indexes.includes(sink.index));
  t.match(about(m3), {
    indexes: [w2.index, m3.index, s2.index],
    detail: new RegExp(`allocation ${escape(s2.id(w2, 0))} \\(10 Wh to .*\\) goes to a reading of another interval or zone$`),
  });
  t.match(about(v2)?.detail, /goes to a wind reading, which takes nothing$/);
  t.match(findings.find((f) => f.detail.includes(s2.id(w2, 2)))?.detail, /is of zero Wh; an allocation is of at least 1 Wh$/);
  t.match(about(c2), { indexes: [b2.index, c2.index, s2.index], detail: /charges storage from storage$/ });
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
  const detailOf = (pattern: RegExp) => findings.find((f) => pattern.test(f.detail));
  const of = (id: string) => escape(id);
  const expected = [
    new RegExp(`allocation ${of(s2.id(w2, 1))} .* under contract ${of(ppa.hash)}, which is for tenant tenant-1, not for a consumption reading of tenant-2$`),
    new RegExp(`allocation ${of(s2.id(w2, 2))} .* under contract ${of(ppa.hash)}, which is for tenant tenant-1, not for a storage reading of gen-1$`),
    new RegExp(`allocation ${of(s2.id(w2, 3))} .* under contract ${of(future.hash)}, which is not valid over the interval$`),
    new RegExp(`allocation ${of(s2.id(w2, 4))}: its contract ${of(nowhere.hash)} is no contract entry logged before it$`),
    new RegExp(`allocation ${of(s2.id(v2, 0))} .* under contract ${of(ppa.hash)}, which is for device wind-1, not wind-2$`),
    new RegExp(`contract ${of(ppa.hash)} takes 750 Wh, beyond its share of 500 Wh \\(5000 bp of 1000 Wh\\)$`),
  ];
  for (const pattern of expected) t.ok(detailOf(pattern), `a finding matches ${pattern}`);
  t.same(detailOf(expected[5]!)?.indexes, [ppa.index, w2.index, s2.index]);
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
  t.same(
    findings.map((f) => f.indexes),
    [
      [w2.index, s2.index],
      [m2.index, s2.index],
    ],
  );
  t.match(findings[0]?.detail, /allocates 150 Wh of a supply of 100 Wh$/);
  t.match(findings[1]?.detail, /imports 200 Wh and is allocated 250 Wh$/);
});

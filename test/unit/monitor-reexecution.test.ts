/**
 * The monitor re-runs matching (docs/design.md §7): each allocating first
 * settlement must be byte for byte what the planner gives for the input the
 * replay rebuilds from the log before it. The park log is matched hour by
 * hour with planInterval (test/helpers/bundle-park.ts) and replayed entry by
 * entry, every entry properly signed.
 */
import t from 'tap';
import { utf8 } from '../../src/crypto/base64.ts';
import { hashLeaf } from '../../src/crypto/merkle.ts';
import { verifierOf } from '../../src/crypto/note.ts';
import { LogReplay } from '../../src/domain/monitor/replay.ts';
import type { SettlementPayload } from '../../src/domain/payloads.ts';
import { nativeVerify } from '../../src/platform/node-ed25519.ts';
import { hourAt, logSigner, ORIGIN, readingDevice, writePark, type TestLog } from '../helpers/bundle-park.ts';

function replayAll(log: TestLog) {
  const replay = new LogReplay({ origin: ORIGIN, logVerifier: verifierOf(logSigner), verify: nativeVerify });
  return log.entries.flatMap((e) => replay.add(e.index, e.note, hashLeaf(utf8(e.note))));
}

const HOUR = 2;

/**
 * Hour 2 has less supply than demand: wind-2 gives meter-2 (tenant t2) 1 Wh
 * less and meter-1 (tenant t1) 1 Wh more. Every source still allocates what it
 * did, meter-1 stays within its import: only fairness is broken.
 */
function moveOneWh(s: SettlementPayload, log: TestLog): SettlementPayload {
  const sinkOf = (device: string) => s.sinks.findIndex((hash) => readingDevice(log, hash) === device);
  const [to, from] = [sinkOf('meter-1'), sinkOf('meter-2')];
  return {
    ...s,
    sources: s.sources.map((source) => {
      if (readingDevice(log, source.reading) !== 'wind-2') return source;
      const allocations = source.allocations.map((a) => {
        if (a.contract !== undefined) return a;
        if (a.sink === to) return { ...a, wh: String(BigInt(a.wh) + 1n) };
        if (a.sink === from) return { ...a, wh: String(BigInt(a.wh) - 1n) };
        return a;
      });
      return { ...source, allocations };
    }),
  };
}

t.test('the park log as matched re-executes with no finding', async (t) => {
  const log = writePark();
  t.ok(log.matched.size >= 20, 'most hours are matched');
  t.same(replayAll(log), []);
});

t.test('a settlement moving 1 Wh from one tenant to another is not reproduced', async (t) => {
  const reference = writePark();
  const log = writePark({ settlement: (p, h) => (h === HOUR ? moveOneWh(p, reference) : p) });
  const findings = replayAll(log);
  t.same(
    findings.map((f) => f.code),
    ['settlement-not-reproduced'],
    'only the new finding: every other rule is kept',
  );

  const planned = reference.matched.get(HOUR)!.entry.payload as SettlementPayload;
  const logged = log.matched.get(HOUR)!.entry;
  const flat = (s: SettlementPayload) => s.sources.flatMap((src) => src.allocations.map((a) => ({ source: src.reading, sink: s.sinks[a.sink]!, wh: a.wh })));
  const [want, got] = [flat(planned), flat(logged.payload as SettlementPayload)];
  const position = want.findIndex((w, i) => w.wh !== got[i]!.wh);
  t.ok(position >= 0);
  const finding = findings[0]!;
  t.same(finding.indexes, [logged.index]);
  t.match(finding.detail, `${hourAt(HOUR)}/${hourAt(HOUR + 1)} in ${planned.zone}`, 'names the interval and zone');
  t.match(finding.detail, `allocation ${position} (source reading ${want[position]!.source})`, 'names the first differing allocation');
  t.match(finding.detail, `expected ${want[position]!.wh} Wh to ${want[position]!.sink}`);
  t.match(finding.detail, `logged ${got[position]!.wh} Wh to ${got[position]!.sink}`);
});

t.test('a snapshot written before contracts kept their priority restores; its intervals are not re-executed', async (t) => {
  const reference = writePark();
  const log = writePark({ settlement: (p, h) => (h === HOUR ? moveOneWh(p, reference) : p) });
  const first = new LogReplay({ origin: ORIGIN, logVerifier: verifierOf(logSigner), verify: nativeVerify });
  const settlementAt = log.matched.get(HOUR)!.entry.index;
  for (const e of log.entries.slice(0, settlementAt)) t.same(first.add(e.index, e.note, hashLeaf(utf8(e.note))), []);
  const snapshot = JSON.parse(JSON.stringify(first.snapshot())) as ReturnType<LogReplay['snapshot']>;
  t.ok(snapshot.contracts.length > 0);
  for (const [, rec] of snapshot.contracts) delete rec.priority;
  const second = new LogReplay({ origin: ORIGIN, logVerifier: verifierOf(logSigner), verify: nativeVerify }, snapshot);
  const rest = log.entries.slice(settlementAt).flatMap((e) => second.add(e.index, e.note, hashLeaf(utf8(e.note))));
  t.same(rest, [], 'without priorities the tampered settlement is not re-executed: no crash, no finding');
});

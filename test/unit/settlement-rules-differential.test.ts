/**
 * One set of settlement rules (docs/design.md §5): the matching run's check
 * before appending, the bundle verifier and the monitor must answer the same
 * settlement with the same codes. Each case breaks one rule in one hour of the
 * park log (every entry properly signed), then asks all three.
 */
import t from 'tap';
import { utf8 } from '../../src/crypto/base64.ts';
import { hashLeaf } from '../../src/crypto/merkle.ts';
import { verifierOf } from '../../src/crypto/note.ts';
import { LogReplay } from '../../src/domain/monitor/replay.ts';
import type { SettlementPayload, SettledSource } from '../../src/domain/payloads.ts';
import { checkIntervalSettlement } from '../../src/domain/settlement.ts';
import { settlementRuleCodes, type SettlementRuleCode } from '../../src/domain/settlement-rules.ts';
import { GridproofError } from '../../src/errors.ts';
import { nativeVerify } from '../../src/platform/node-ed25519.ts';
import { check, cutBundle, logSigner, ORIGIN, readingDevice, writePark, type TestLog } from '../helpers/bundle-park.ts';

const isRuleCode = (code: string): code is SettlementRuleCode => (settlementRuleCodes as readonly string[]).includes(code);
const ruleCodes = (codes: Iterable<string>): SettlementRuleCode[] => [...new Set([...codes].filter(isRuleCode))].sort();

/** The append-time check of hour `h`: the code it refuses with, or none. */
function appendCheck(log: TestLog, h: number): SettlementRuleCode[] {
  const { input, entry } = log.matched.get(h)!;
  try {
    checkIntervalSettlement(input, entry.payload as SettlementPayload, entry.leafHash);
    return [];
  } catch (error) {
    if (error instanceof GridproofError) return ruleCodes([error.code]);
    throw error;
  }
}

/**
 * t1's bundle of the log; where the builder refuses to state figures for it
 * (an allocation beyond an import), with the statement of the untampered log.
 */
async function bundleCheck(log: TestLog, reference?: TestLog): Promise<SettlementRuleCode[]> {
  let bundle;
  try {
    bundle = cutBundle(log, 't1');
  } catch (error) {
    if (!(error instanceof GridproofError) || reference === undefined) throw error;
    bundle = cutBundle(log, 't1', { statement: cutBundle(reference, 't1').statement });
  }
  const verdict = await check(bundle);
  return ruleCodes(verdict.reasons.map((r) => r.code));
}

function monitorCheck(log: TestLog): SettlementRuleCode[] {
  const replay = new LogReplay({ origin: ORIGIN, logVerifier: verifierOf(logSigner), verify: nativeVerify });
  const codes = log.entries.flatMap((e) => replay.add(e.index, e.note, hashLeaf(utf8(e.note))).map((f) => f.code));
  return ruleCodes(codes);
}

/** The settled source of `device`'s reading. */
function sourceOf(log: TestLog, s: SettlementPayload, device: string): SettledSource {
  const source = s.sources.find((x) => readingDevice(log, x.reading) === device);
  if (source === undefined) throw new Error(`no source of ${device}`);
  return source;
}

type Edit = (s: SettlementPayload, log: TestLog) => SettlementPayload;

/** Replaces source `device`'s allocations by `edit`'s, keeping allocatedWh their sum unless told otherwise. */
const editSource =
  (device: string, edit: (source: SettledSource, s: SettlementPayload) => Partial<SettledSource>): Edit =>
  (s, log) => {
    const target = sourceOf(log, s, device);
    return {
      ...s,
      sources: s.sources.map((source) => {
        if (source !== target) return source;
        const next = { ...source, ...edit(source, s) };
        const sum = next.allocations.reduce((n, a) => n + BigInt(a.wh), 0n);
        return { ...next, allocatedWh: edit(source, s).allocatedWh ?? String(sum) };
      }),
    };
  };

/** The position in sinks of meter-1's reading (t1's meter). */
const meter1 = (s: SettlementPayload, log: TestLog): number => s.sinks.findIndex((hash) => readingDevice(log, hash) === 'meter-1');

const cases: Array<{ name: string; hour: number; edit: Edit; expected: SettlementRuleCode[] }> = [
  {
    name: "a supplyWh other than the reading's export",
    hour: 2,
    edit: editSource('wind-1', (source) => ({ supplyWh: String(BigInt(source.supplyWh) + 1n) })),
    expected: ['settlement-mismatch'],
  },
  {
    name: 'an allocatedWh other than the sum of the allocations',
    hour: 2,
    edit: editSource('wind-1', (source) => ({ allocatedWh: String(BigInt(source.allocatedWh) - 1n) })),
    expected: ['settlement-mismatch'],
  },
  {
    name: 'sources out of leaf-hash order',
    hour: 2,
    edit: (s) => ({ ...s, sources: [...s.sources].reverse() }),
    expected: ['settlement-mismatch'],
  },
  {
    // Hour 2: demand exceeds supply, so wind-1 gives all it has and meter-1 has room for 1 Wh more.
    name: 'a source allocating 1 Wh beyond its export',
    hour: 2,
    edit: (s, log) => {
      const sink = meter1(s, log);
      return editSource('wind-1', (source) => {
        const pool = source.allocations.findIndex((a) => a.contract === undefined && a.sink === sink);
        return { allocations: source.allocations.map((a, i) => (i === pool ? { ...a, wh: String(BigInt(a.wh) + 1n) } : a)) };
      })(s, log);
    },
    expected: ['source-over-allocated'],
  },
  {
    // Hour 10: supply exceeds demand, so every source has Wh left and meter-1 takes exactly its import.
    name: 'a sink allocated 1 Wh beyond its import',
    hour: 10,
    edit: (s, log) => {
      const sink = meter1(s, log);
      return editSource('wind-2', (source) => ({
        allocations: source.allocations.map((a) => (a.sink === sink ? { ...a, wh: String(BigInt(a.wh) + 1n) } : a)),
      }))(s, log);
    },
    expected: ['sink-over-allocated'],
  },
  {
    name: 'an allocation of zero Wh',
    hour: 2,
    edit: (s, log) => {
      const sink = meter1(s, log);
      return editSource('wind-2', (source) => ({ allocations: [...source.allocations, { sink, wh: '0' }] }))(s, log);
    },
    expected: ['allocation-mismatch'],
  },
  {
    name: "contract allocations 1 Wh beyond the contract's share",
    hour: 2,
    edit: editSource('wind-1', (source) => {
      const pool = source.allocations.findIndex((a) => a.contract === undefined);
      const ppa = source.allocations.find((a) => a.contract !== undefined)!;
      return {
        allocations: source.allocations.map((a, i) =>
          a === ppa ? { ...a, wh: String(BigInt(a.wh) + 1n) } : i === pool ? { ...a, wh: String(BigInt(a.wh) - 1n) } : a,
        ),
      };
    }),
    expected: ['allocation-mismatch'],
  },
  {
    name: 'an allocation under a contract of another device',
    hour: 2,
    edit: (s, log) => {
      const ppa = sourceOf(log, s, 'wind-1').allocations.find((a) => a.contract !== undefined)!.contract!;
      const sink = meter1(s, log);
      return editSource('wind-2', (source) => ({ allocations: source.allocations.map((a) => (a.sink === sink ? { ...a, contract: ppa } : a)) }))(s, log);
    },
    expected: ['allocation-mismatch'],
  },
];

t.test('the park log as matched: no checker finds a settlement problem', async (t) => {
  const log = writePark();
  t.same(
    [...log.matched.keys()].flatMap((h) => appendCheck(log, h)),
    [],
    'append-time check',
  );
  t.same(await bundleCheck(log), [], 'bundle verifier');
  t.same(monitorCheck(log), [], 'monitor');
});

t.test('each rule broken once: the three checkers report the same codes', async (t) => {
  // Keys are seeded and Ed25519 is deterministic: the reference log's readings are the tampered log's.
  const reference = writePark();
  for (const { name, hour, edit, expected } of cases) {
    const log = writePark({ settlement: (p, h) => (h === hour ? edit(p, reference) : p) });
    const found = { append: appendCheck(log, hour), bundle: await bundleCheck(log, reference), monitor: monitorCheck(log) };
    t.same(found, { append: expected, bundle: expected, monitor: expected }, name);
  }
});

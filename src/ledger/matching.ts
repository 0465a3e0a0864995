/**
 * Matching runs (DESIGN.md "Matching"; issue 4 §3). Pending intervals are
 * matched zone by zone, oldest first, a window of consecutive intervals per
 * transaction under the head lock: the readings matched are exactly those
 * logged before the settlement, two runs at once match an interval once,
 * and green storage lots carry from one interval to the next in memory.
 * An interval is never half matched: its settlement (one entry holding all
 * its allocations) and its matched mark commit together. Then late supply
 * readings get settlements of their own, with no allocations.
 */
import { toBase64 } from '../crypto/base64.ts';
import type { Tx } from '../db/log.ts';
import {
  greenLots,
  insertDraws,
  insertMatchedIntervals,
  insertSettledSources,
  insertSettlements,
  insertStorageCharges,
  matchingFrontiers,
  pendingIntervals,
  storageDevices,
  unsettledLateSupply,
  windowReadings,
  zoneContracts,
} from '../db/matching.ts';
import { planInterval, type MatchReading, type StorageSpec } from '../domain/matching.ts';
import { lateSettlement, settleInterval } from '../domain/settlement.ts';
import { formatInstant } from '../domain/time.ts';
import { appendInTransaction, sealOperatorEntry, type Appended, type SealedEntry } from './append.ts';
import type { Ledger } from './ledger.ts';
import { contractsFor, greenLotsOf, intervalInput, matchReading, settlementRows, storageSpecs, type IndexOf } from './matching-rows.ts';

export interface MatchingSummary {
  intervals: number;
  /** Settlements of matched intervals (one per interval and zone with supply). */
  settlements: number;
  /** Allocations inside them. */
  allocations: number;
  /** Supply readings settled late, without allocations. */
  lateSettlements: number;
}

/** Intervals per transaction: a week of hours keeps a transaction to a few tens of thousands of entries. */
const WINDOW = 168;

export async function runMatching(ledger: Ledger, untilMs: number): Promise<MatchingSummary> {
  const until = new Date(Math.min(untilMs, ledger.now()));
  const summary: MatchingSummary = { intervals: 0, allocations: 0, settlements: 0, lateSettlements: 0 };
  const byZone = new Map<string, Date[]>();
  for (const key of await pendingIntervals(ledger.db, until)) byZone.set(key.zone, [...(byZone.get(key.zone) ?? []), key.start_at]);
  for (const [zone, starts] of byZone) {
    for (let offset = 0; offset < starts.length; offset += WINDOW) {
      const done = await matchWindow(ledger, zone, starts.slice(offset, offset + WINDOW));
      summary.intervals += done.intervals;
      summary.allocations += done.allocations;
      summary.settlements += done.settlements;
    }
  }
  summary.lateSettlements = await settleLateSupply(ledger);
  return summary;
}

async function matchWindow(ledger: Ledger, zone: string, candidates: Date[]): Promise<Omit<MatchingSummary, 'lateSettlements'>> {
  return appendInTransaction(ledger, async (tx) => {
    // Another run may have moved the zone's frontier while this one waited for the lock.
    const frontier = (await matchingFrontiers(tx, [zone])).get(zone) ?? Number.NEGATIVE_INFINITY;
    const starts = candidates.filter((start) => start.getTime() > frontier);
    const nothing = { intervals: 0, allocations: 0, settlements: 0 };
    if (starts.length === 0) return { entries: [], project: async () => nothing };

    const readingRows = await windowReadings(tx, zone, starts);
    const contractRows = await zoneContracts(tx, zone);
    const storage = storageSpecs(await storageDevices(tx, zone));
    const lotRows = await greenLots(tx, zone, starts[0]!);
    const indexOf: IndexOf = new Map(lotRows.map((l) => [toBase64(l.leaf_hash), l.settlement_idx] as const));
    const specOf = new Map(storage.map((spec) => [spec.device, spec]));
    const storageByReading = new Map<string, StorageSpec>();
    // Each reading converted once per window, grouped by interval.
    const readingsAt = new Map<number, MatchReading[]>();
    for (const row of readingRows) {
      const reading = matchReading(row);
      indexOf.set(reading.leafHash, row.entry_idx);
      const spec = specOf.get(row.device_id);
      if (spec !== undefined) storageByReading.set(reading.leafHash, spec);
      const group = readingsAt.get(row.start_at.getTime());
      if (group) group.push(reading);
      else readingsAt.set(row.start_at.getTime(), [reading]);
    }

    const settlements: SealedEntry[] = [];
    let allocations = 0;
    let lots = greenLotsOf(lotRows);
    for (const start of starts) {
      const end = new Date(start.getTime() + ledger.intervalSeconds * 1000);
      const readings = readingsAt.get(start.getTime()) ?? [];
      const input = intervalInput({ log: ledger.origin, zone, storage }, start, end, readings, contractsFor(contractRows, start, end), lots);
      const plan = planInterval(input);
      if (plan === undefined) continue;
      const sealed = sealOperatorEntry(ledger, plan);
      // Checked before it is appended, by the same code a monitor replays the log with.
      lots = settleInterval(input, plan, toBase64(sealed.leafHash)).lotsAfter;
      settlements.push(sealed);
      allocations += plan.sources.reduce((n, s) => n + s.allocations.length, 0);
    }

    return {
      entries: settlements,
      project: async (tx, appended) => {
        for (const entry of appended) indexOf.set(toBase64(entry.leafHash), entry.idx);
        await projectSettlements(tx, appended.map((entry) => settlementRows(entry, false, indexOf, storageByReading)));
        await insertMatchedIntervals(tx, starts.map((start) => ({ start_at: start, zone })));
        return { intervals: starts.length, allocations, settlements: settlements.length };
      },
    };
  });
}

async function projectSettlements(tx: Tx, rows: ReadonlyArray<ReturnType<typeof settlementRows>>): Promise<void> {
  await insertSettlements(tx, rows.map((r) => r.settlement));
  await insertSettledSources(tx, rows.flatMap((r) => r.sources));
  await insertStorageCharges(tx, rows.flatMap((r) => r.charges));
  await insertDraws(tx, rows.flatMap((r) => r.draws));
}

/**
 * Supply readings that arrived after their interval was matched are settled
 * with no allocations: one settlement per interval and zone of them.
 */
async function settleLateSupply(ledger: Ledger): Promise<number> {
  return appendInTransaction(ledger, async (tx) => {
    const late = await unsettledLateSupply(tx);
    const groups = new Map<string, typeof late>();
    for (const row of late) {
      const key = `${row.zone} ${row.start_at.toISOString()}`;
      const group = groups.get(key);
      if (group) group.push(row);
      else groups.set(key, [row]);
    }
    const sealed = [...groups.values()].map((rows) =>
      sealOperatorEntry(
        ledger,
        lateSettlement(
          ledger.origin,
          rows[0]!.zone,
          formatInstant(rows[0]!.start_at),
          formatInstant(rows[0]!.end_at),
          rows.map((r) => ({ leafHash: toBase64(r.leaf_hash), exportWh: BigInt(r.export_wh) })),
        ),
      ),
    );
    const indexOf: IndexOf = new Map(late.map((r) => [toBase64(r.leaf_hash), r.entry_idx]));
    return {
      entries: sealed,
      project: async (tx, appended: Appended[]) => {
        await projectSettlements(tx, appended.map((entry) => settlementRows(entry, true, indexOf, new Map())));
        return late.length;
      },
    };
  });
}

/**
 * Matches automatically after each interval's gate closure: every tick runs
 * matching up to now − gate. Runs never overlap within a process, and
 * across processes the head lock makes them take turns.
 */
export function startMatcher(ledger: Ledger, gateClosureMs: number, everyMs: number, onError: (error: unknown) => void): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() => runMatching(ledger, ledger.now() - gateClosureMs)).catch(onError);
  }, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}


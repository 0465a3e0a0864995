/**
 * Matching runs (DESIGN.md "Matching"; issue 4 §3). Pending intervals are
 * matched zone by zone, oldest first, a window of consecutive intervals per
 * transaction under the head lock: the readings matched are exactly those
 * logged before the allocations, two runs at once match an interval once,
 * and green storage lots carry from one interval to the next in memory.
 * An interval is never half matched: its allocations, settlements and
 * matched mark commit together. Then late supply readings get their empty
 * settlements.
 */
import { toBase64 } from '../crypto/base64.ts';
import {
  greenLots,
  insertAllocations,
  insertDraws,
  insertMatchedIntervals,
  insertSettlements,
  matchingFrontiers,
  pendingIntervals,
  storageDevices,
  unsettledLateSupply,
  windowReadings,
  zoneContracts,
} from '../db/matching.ts';
import { planInterval } from '../domain/matching.ts';
import type { AllocationPayload } from '../domain/payloads.ts';
import { lateSettlement, settleInterval } from '../domain/settlement.ts';
import { formatInstant } from '../domain/time.ts';
import { appendInTransaction, sealOperatorEntry, type SealedEntry } from './append.ts';
import type { Ledger } from './ledger.ts';
import { allocationRow, contractsFor, drawRows, greenLotsOf, intervalInput, matchReading, settlementRow, storageSpecs, type IndexOf } from './matching-rows.ts';

export interface MatchingSummary {
  intervals: number;
  allocations: number;
  settlements: number;
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
    const indexOf: IndexOf = new Map([
      ...readingRows.map((r) => [toBase64(r.leaf_hash), r.entry_idx] as const),
      ...contractRows.map((c) => [toBase64(c.leaf_hash), c.entry_idx] as const),
      ...lotRows.map((l) => [toBase64(l.leaf_hash), l.entry_idx] as const),
    ]);
    const readingsAt = new Map<number, typeof readingRows>();
    for (const row of readingRows) {
      const group = readingsAt.get(row.start_at.getTime());
      if (group) group.push(row);
      else readingsAt.set(row.start_at.getTime(), [row]);
    }

    const allocations: SealedEntry[] = [];
    const settlements: SealedEntry[] = [];
    let lots = greenLotsOf(lotRows);
    for (const start of starts) {
      const end = new Date(start.getTime() + ledger.intervalSeconds * 1000);
      const readings = (readingsAt.get(start.getTime()) ?? []).map(matchReading);
      const input = intervalInput({ log: ledger.origin, zone, storage }, start, end, readings, contractsFor(contractRows, start, end), lots);
      const sealed = planInterval(input).map((payload) => sealOperatorEntry(ledger, payload));
      const settled = settleInterval(
        input,
        sealed.map((entry) => ({ payload: entry.payload as AllocationPayload, leafHash: toBase64(entry.leafHash) })),
      );
      allocations.push(...sealed);
      settlements.push(...settled.settlements.map((payload) => sealOperatorEntry(ledger, payload)));
      lots = settled.lotsAfter;
    }

    return {
      entries: [...allocations, ...settlements],
      project: async (tx, appended) => {
        const allocated = appended.slice(0, allocations.length);
        for (const entry of allocated) indexOf.set(toBase64(entry.leafHash), entry.idx);
        await insertAllocations(tx, allocated.map((entry) => allocationRow(entry, indexOf)));
        await insertDraws(tx, allocated.flatMap((entry) => drawRows(entry, indexOf)));
        await insertSettlements(tx, appended.slice(allocations.length).map((entry) => settlementRow(entry, indexOf)));
        await insertMatchedIntervals(tx, starts.map((start) => ({ start_at: start, zone })));
        return { intervals: starts.length, allocations: allocations.length, settlements: settlements.length };
      },
    };
  });
}

/** A supply reading that arrived after its interval was matched gets a settlement with no allocations. */
async function settleLateSupply(ledger: Ledger): Promise<number> {
  return appendInTransaction(ledger, async (tx) => {
    const late = await unsettledLateSupply(tx);
    const sealed = late.map((r) =>
      sealOperatorEntry(
        ledger,
        lateSettlement(ledger.origin, { leafHash: toBase64(r.leaf_hash), start: formatInstant(r.start_at), end: formatInstant(r.end_at), exportWh: BigInt(r.export_wh) }),
      ),
    );
    return {
      entries: sealed,
      project: async (tx, appended) => {
        await insertSettlements(
          tx,
          appended.map((entry, i) => ({ entry_idx: entry.idx, source_idx: late[i]!.entry_idx, supply_wh: late[i]!.export_wh, allocated_wh: 0 })),
        );
        return appended.length;
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


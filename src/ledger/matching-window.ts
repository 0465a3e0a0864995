/**
 * One window of consecutive intervals of one zone, in two steps, so that a
 * run plans the next window (JavaScript: matching, canonical JSON, signing)
 * while PostgreSQL writes the previous one (entries, tree nodes, projections
 * and their invariant triggers): the machine has two cores.
 *
 * planWindow reads and computes without the head lock. writeWindow then takes
 * the lock and appends the plan only if it still holds: the zone's frontier
 * has not moved (else another run matched these intervals) and the window's
 * readings and the zone's contracts are those the plan saw. Indexes are
 * assigned in commit order, so a reading or contract logged since then shows
 * as a higher count or index; the window is then planned again under the lock.
 * Either way the readings matched are exactly those logged before the
 * settlement (DESIGN.md "Matching").
 */
import { toBase64 } from '../crypto/base64.ts';
import type { Db, Tx } from '../db/log.ts';
import {
  greenLots,
  insertMatchedIntervals,
  matchingFrontiers,
  storageDevices,
  windowFingerprint,
  windowReadings,
  zoneContracts,
  type WindowFingerprint,
} from '../db/matching.ts';
import { planInterval, type GreenLot, type MatchReading, type StorageSpec } from '../domain/matching.ts';
import { settleInterval } from '../domain/settlement.ts';
import { appendInTransaction, sealOperatorEntry, type SealedEntry } from './append.ts';
import type { Ledger } from './ledger.ts';
import { contractsFor, greenLotsOf, intervalInput, matchReading, storageSpecs, type IndexOf } from './matching-rows.ts';
import { projectSettlements } from './matching-project.ts';

export interface WindowPlan {
  zone: string;
  starts: Date[];
  /** What the plan read, to compare under the lock. */
  seen: WindowFingerprint;
  settlements: SealedEntry[];
  allocations: number;
  /** Entry index of the window's readings, and of the settlements of the lots read from the database. */
  indexOf: IndexOf;
  /** Storage specs by reading leaf hash: a charge is an allocation to one of these. */
  storageByReading: Map<string, StorageSpec>;
  lotsBefore: GreenLot[];
  lotsAfter: GreenLot[];
}

export interface WindowWritten {
  intervals: number;
  settlements: number;
  allocations: number;
  /** Lots after the window as written, which differ from the plan's when it was planned again. */
  lotsAfter: GreenLot[];
  replanned: boolean;
}

/** Lets I/O callbacks run between intervals, so the previous window's queries keep flowing. */
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

/** `lotsBefore` undefined: the green charge held before the window, from the database. */
export async function planWindow(ledger: Ledger, db: Db | Tx, zone: string, starts: Date[], lotsBefore?: GreenLot[]): Promise<WindowPlan> {
  const readingRows = await windowReadings(db, zone, starts);
  const contractRows = await zoneContracts(db, zone);
  const storage = storageSpecs(await storageDevices(db, zone));
  const lotRows = lotsBefore === undefined ? await greenLots(db, zone, starts[0]!) : [];
  const lots = lotsBefore ?? greenLotsOf(lotRows);
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

  const plan: WindowPlan = {
    zone,
    starts,
    seen: {
      readings: readingRows.length,
      lastReading: readingRows.reduce((last, r) => Math.max(last, r.entry_idx), -1),
      lastContract: contractRows.reduce((last, c) => Math.max(last, c.entry_idx), -1),
    },
    settlements: [],
    allocations: 0,
    indexOf,
    storageByReading,
    lotsBefore: lots,
    lotsAfter: lots,
  };
  for (const start of starts) {
    const end = new Date(start.getTime() + ledger.intervalSeconds * 1000);
    const input = intervalInput({ log: ledger.origin, zone, storage }, start, end, readingsAt.get(start.getTime()) ?? [], contractsFor(contractRows, start, end), plan.lotsAfter);
    const settlement = planInterval(input);
    if (settlement === undefined) continue;
    const sealed = sealOperatorEntry(ledger, settlement);
    // Re-checked before it is appended: settlement.ts refuses what planInterval should never produce.
    plan.lotsAfter = settleInterval(input, settlement, toBase64(sealed.leafHash)).lotsAfter;
    plan.settlements.push(sealed);
    plan.allocations += settlement.sources.reduce((n, s) => n + s.allocations.length, 0);
    await yieldToIo();
  }
  return plan;
}

/**
 * Appends a planned window in one transaction under the head lock, planning
 * it again first if the log changed under it. Undefined when another run has
 * matched these intervals meanwhile. `settled` maps the leaf hash of every
 * settlement the run wrote so far to its index (draws name them); the
 * window's own are added.
 */
export async function writeWindow(ledger: Ledger, planned: WindowPlan, settled: IndexOf): Promise<WindowWritten | undefined> {
  const { zone, starts } = planned;
  return appendInTransaction(ledger, async (tx) => {
    const frontier = (await matchingFrontiers(tx, [zone])).get(zone) ?? Number.NEGATIVE_INFINITY;
    if (frontier >= starts[0]!.getTime()) return { entries: [], project: async () => undefined };
    const now = await windowFingerprint(tx, zone, starts);
    const unchanged = now.readings === planned.seen.readings && now.lastReading === planned.seen.lastReading && now.lastContract === planned.seen.lastContract;
    const plan = unchanged ? planned : await planWindow(ledger, tx, zone, starts, planned.lotsBefore);
    return {
      entries: plan.settlements,
      project: async (tx, appended) => {
        for (const entry of appended) settled.set(toBase64(entry.leafHash), entry.idx);
        await projectSettlements(tx, appended, false, new Map([...settled, ...plan.indexOf]), plan.storageByReading);
        await insertMatchedIntervals(tx, starts.map((start) => ({ start_at: start, zone })));
        return { intervals: starts.length, settlements: plan.settlements.length, allocations: plan.allocations, lotsAfter: plan.lotsAfter, replanned: !unchanged };
      },
    };
  });
}

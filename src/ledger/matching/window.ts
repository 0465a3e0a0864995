/**
 * One window of consecutive intervals of one zone, in two steps, so that a
 * run plans the next window (JavaScript: matching, canonical JSON, signing,
 * on the shared CPU pool, cpu-pool.ts) while the main thread and
 * PostgreSQL write the previous one (entries, tree nodes, projections and
 * their invariant triggers).
 *
 * planWindow reads and computes without the head lock. writeWindow then takes
 * the lock and appends the plan only if it still holds: the zone's last
 * matched interval has not moved (else another run matched these intervals) and the window's
 * readings and the zone's contracts are those the plan saw. Indexes are
 * assigned in commit order, so a reading or contract logged since then shows
 * as a higher count or index; the window is then planned again under the lock.
 * Either way the readings matched are exactly those logged before the
 * settlement (docs/design.md §5).
 */
import { toBase64 } from '../../crypto/base64.ts';
import type { Db, NewEntry, Tx } from '../../db/log.ts';
import {
  greenLots,
  insertMatchedIntervals,
  lastMatchedStarts,
  windowFingerprint,
  windowReadings,
  zoneContracts,
  zoneDevices,
  type WindowFingerprint,
} from '../../db/matching.ts';
import { contractSpan, greenLotsOf, storageSpecs, windowReadingColumns, type IndexOf } from '../../db/matching-rows.ts';
import type { GreenLot } from '../../domain/matching.ts';
import { appendInTransaction } from '../append.ts';
import type { Ledger } from '../ledger.ts';
import type { PlannedWindow, WindowRows } from './plan.ts';
import { projectSettlements } from './projection.ts';
import { planOnPool } from '../cpu-pool.ts';

export interface WindowPlan extends PlannedWindow {
  zone: string;
  starts: Date[];
  /** What the plan read, to compare under the lock. */
  seen: WindowFingerprint;
  /** Entry index of the settlements holding the lots read from the database: draws name them. */
  lotSettlements: IndexOf;
  lotsBefore: GreenLot[];
  /** The operator key that signed the settlements: a plan signed before a rotation is planned again. */
  signedBy: string;
}

export interface WindowWritten {
  intervals: number;
  settlements: number;
  allocations: number;
  /** Lots after the window as written, which differ from the plan's when it was planned again. */
  lotsAfter: GreenLot[];
  replanned: boolean;
}

/**
 * Reads the window's rows and plans it on the shared pool. `lotsBefore`
 * undefined: the green charge held before the window, from the database.
 */
export async function planWindow(ledger: Ledger, db: Db | Tx, zone: string, starts: Date[], lotsBefore?: GreenLot[]): Promise<WindowPlan> {
  const readings = await windowReadings(db, zone, starts);
  const devices = await zoneDevices(db, zone);
  const contracts = await zoneContracts(db, zone);
  const storage = storageSpecs(devices);
  const lotRows = lotsBefore === undefined ? await greenLots(db, zone, starts[0]!) : [];
  const lots = lotsBefore ?? greenLotsOf(lotRows);
  const rows: WindowRows = {
    log: ledger.origin,
    zone,
    intervalSeconds: ledger.intervalSeconds,
    starts,
    readings: windowReadingColumns(readings),
    devices: devices.map(({ id, type, owner }) => ({ id, type, owner })),
    contracts: contracts.map(contractSpan),
    storage,
    lotsBefore: lots,
  };
  const { signer, verifier } = ledger.operatorKey;
  const planned = await planOnPool(rows, signer);
  return {
    ...planned,
    zone,
    starts,
    seen: {
      readings: readings.length,
      lastReading: readings.reduce((last, r) => Math.max(last, r.entry_idx), -1),
      lastContract: contracts.reduce((last, c) => Math.max(last, c.entry_idx), -1),
    },
    lotSettlements: new Map(lotRows.map((l) => [toBase64(l.leaf_hash), l.settlement_idx] as const)),
    lotsBefore: lots,
    signedBy: verifier.vkey,
  };
}

/**
 * Appends a planned window in one transaction under the head lock, planning
 * it again first if the log changed under it. Undefined when another run has
 * matched these intervals meanwhile. `settled` maps the leaf hash of every
 * settlement the run wrote or read lots of so far to its index (draws name
 * them); the window's own are added.
 */
export async function writeWindow(ledger: Ledger, planned: WindowPlan, settled: IndexOf): Promise<WindowWritten | undefined> {
  const { zone, starts } = planned;
  return appendInTransaction<WindowWritten | undefined, NewEntry>(ledger, async (tx) => {
    const lastMatched = (await lastMatchedStarts(tx, [zone])).get(zone) ?? Number.NEGATIVE_INFINITY;
    if (lastMatched >= starts[0]!.getTime()) return { entries: [], project: async () => undefined };
    const now = await windowFingerprint(tx, zone, starts);
    // appendInTransaction made the key in force this process's key: settlements planned before a rotation are signed again.
    const unchanged =
      now.readings === planned.seen.readings &&
      now.lastReading === planned.seen.lastReading &&
      now.lastContract === planned.seen.lastContract &&
      planned.signedBy === ledger.operatorVerifier.vkey;
    const plan = unchanged ? planned : await planWindow(ledger, tx, zone, starts, planned.lotsBefore);
    const entries: NewEntry[] = plan.settlements.map(({ bytes, leafHash }) => ({ bytes, leafHash, kind: 'settlement' }));
    return {
      entries,
      project: async (tx, appended) => {
        // Lots from before the run may be drawn on in any later window of it.
        for (const [hash, idx] of planned.lotSettlements) settled.set(hash, idx);
        for (const entry of appended) settled.set(toBase64(entry.leafHash), entry.idx);
        await projectSettlements(
          tx,
          plan.settlements.map((s, i) => ({ projection: s.projection, idx: appended[i]!.idx })),
          false,
          settled,
        );
        await insertMatchedIntervals(
          tx,
          starts.map((start) => ({ start_at: start, zone })),
        );
        return {
          intervals: starts.length,
          settlements: plan.settlements.length,
          allocations: plan.allocations,
          lotsAfter: plan.lotsAfter,
          replanned: !unchanged,
        };
      },
    };
  });
}

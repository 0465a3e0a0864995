/**
 * Matching runs (docs/design.md §5). Pending intervals are
 * matched zone by zone, oldest first, a window of consecutive intervals per
 * transaction under the head lock (window.ts): two runs at once
 * match an interval once, and green storage lots carry from one interval to
 * the next in memory. While one window is written, the next is planned. An
 * interval is never half matched: its settlement (one entry holding all its
 * allocations) and its matched mark commit together. Then late supply
 * readings get settlements of their own, with no allocations.
 */
import { repeat } from '../repeat.ts';
import { toBase64 } from '../../crypto/base64.ts';
import { lateSupplyWatermark, scanLateSupply, setLateSupplyWatermark } from '../../db/late-supply.ts';
import { pendingIntervals } from '../../db/matching.ts';
import type { IndexOf } from '../../db/matching-rows.ts';
import { lateSettlement } from '../../domain/settlement.ts';
import { formatInstant } from '../../domain/time.ts';
import { appendInTransaction, sealOperatorEntry } from '../append.ts';
import type { Ledger } from '../ledger.ts';
import { projectionOf } from './plan.ts';
import { projectSettlements } from './projection.ts';
import { planWindow, writeWindow, type WindowPlan } from './window.ts';

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
  for (const key of await pendingIntervals(ledger.db, until)) {
    const starts = byZone.get(key.zone);
    if (starts) starts.push(key.start_at);
    else byZone.set(key.zone, [key.start_at]);
  }
  for (const [zone, starts] of byZone) await matchZone(ledger, zone, starts, summary);
  summary.lateSettlements = await settleLateSupply(ledger);
  return summary;
}

/** Window by window; the next is planned, on the lots this one leaves, while this one is written. */
async function matchZone(ledger: Ledger, zone: string, starts: Date[], summary: MatchingSummary): Promise<void> {
  const windows: Date[][] = [];
  for (let offset = 0; offset < starts.length; offset += WINDOW) windows.push(starts.slice(offset, offset + WINDOW));
  const settled: IndexOf = new Map();
  let next: Promise<WindowPlan> | undefined = planWindow(ledger, ledger.db, zone, windows[0]!);
  for (let i = 0; next !== undefined; i++) {
    const plan: WindowPlan = await next;
    const writing = writeWindow(ledger, plan, settled);
    const following = windows[i + 1];
    next = following === undefined ? undefined : planWindow(ledger, ledger.db, zone, following, plan.lotsAfter);
    // Awaited only after the write: keep a failure of the next plan from counting as unhandled meanwhile.
    next?.catch(() => undefined);
    const written = await writing;
    // Another run matched this window: it matches the rest as well.
    if (written === undefined) return;
    summary.intervals += written.intervals;
    summary.settlements += written.settlements;
    summary.allocations += written.allocations;
    // Planned again under the lock: the next plan started from lots that no longer hold.
    if (written.replanned && following !== undefined) {
      await next?.catch(() => undefined);
      next = planWindow(ledger, ledger.db, zone, following, written.lotsAfter);
    }
  }
}

/**
 * Where the next late-supply pass starts (migration 020): the log size read
 * under the lock, or the first supply reading from the old watermark on that
 * is unsettled and not yet due, whichever is smaller. Every due supply reading
 * below it is then settled, and it is never below the old watermark (the scan
 * starts there, and the log only grows). Not the log size alone: a reading
 * below it may become due later without ever being matched, when its zone's
 * frontier passes an hour no window held (docs/design.md §5).
 */
function nextLateSupplyWatermark(size: number, firstUndue: number | undefined): number {
  return firstUndue === undefined ? size : Math.min(size, firstUndue);
}

/**
 * Supply readings at or before their zone's last matched interval that have
 * no settlement (late, or of an hour the frontier passed unmatched) are
 * settled with no allocations: one settlement per interval and zone of them.
 * Only readings from the watermark on are read, in the same transaction
 * that moves it.
 */
async function settleLateSupply(ledger: Ledger): Promise<number> {
  return appendInTransaction(ledger, async (tx, size) => {
    const { late, firstUndue } = await scanLateSupply(tx, await lateSupplyWatermark(tx));
    await setLateSupplyWatermark(tx, nextLateSupplyWatermark(size, firstUndue));
    const groups = new Map<string, typeof late>();
    for (const row of late) {
      const key = `${row.zone} ${row.start_at.toISOString()}`;
      const group = groups.get(key);
      if (group) group.push(row);
      else groups.set(key, [row]);
    }
    const settlements = [...groups.values()].map((rows) =>
      lateSettlement(
        ledger.origin,
        rows[0]!.zone,
        formatInstant(rows[0]!.start_at),
        formatInstant(rows[0]!.end_at),
        rows.map((r) => ({ leafHash: toBase64(r.leaf_hash), exportWh: BigInt(r.export_wh) })),
      ),
    );
    const indexOf: IndexOf = new Map(late.map((r) => [toBase64(r.leaf_hash), r.entry_idx]));
    return {
      entries: settlements.map((settlement) => sealOperatorEntry(ledger, settlement)),
      project: async (tx, appended) => {
        const projections = appended.map((entry, i) => ({ projection: projectionOf(settlements[i]!, indexOf, new Map()), idx: entry.idx }));
        await projectSettlements(tx, projections, true, new Map());
        return late.length;
      },
    };
  });
}

/**
 * Matches automatically after each interval's gate closure: every tick runs
 * matching up to now − gate. Runs never overlap within a process, and
 * across processes the head lock makes them take turns. A failed run is
 * retried with backoff (repeat.ts).
 */
export function startMatcher(ledger: Ledger, gateClosureMs: number, everyMs: number, onError: (error: unknown) => void): () => Promise<void> {
  return repeat(() => runMatching(ledger, ledger.now() - gateClosureMs), { everyMs, onError });
}

/**
 * The replay's settlements (replay.ts). A settlement holds every allocation
 * of one interval and zone (docs/design.md §5), so the monitor checks:
 *
 * - every supply reading is settled once: no reading listed by two
 *   settlements; the first settlement of an interval and zone lists every
 *   supply reading of it logged before it (matching reads exactly those);
 * - only that first settlement allocates, and only if its zone has not
 *   settled a later interval before (matching goes oldest first); any later
 *   one is a late settlement, with no allocations, of readings logged after
 *   the first; and a late-settlement transaction settles every supply
 *   reading that was late when it started (replay-late.ts);
 * - the rules every settlement keeps (settlement-rules.ts, through
 *   replay-rules.ts), the same the matching run and the bundle verifier apply;
 * - storage, and what claims and draws need later (replay-allocations.ts).
 *
 * Readings that no later settlement may name are then forgotten
 * (replay-state.ts).
 */
import type { SettlementPayload } from '../payloads.ts';
import { instantMs } from '../time.ts';
import { checkSettlementRules } from './replay-rules.ts';
import { replayAllocations, type SettledReading } from './replay-allocations.ts';
import { openLateBatch } from './replay-late.ts';
import { reexecuteSettlement } from './replay-reexecution.ts';
import { bucketsStartingIn } from './zone-buckets.ts';
import { closeReading, intervalKey, isDuplicate, isSupply, type ReplayContext, type ReplayState, type SettlementRec } from './replay-state.ts';

/** `text`: the entry's signed text (header and payload lines), which re-execution compares with the plan's. */
export function replaySettlement(context: ReplayContext, index: number, hash: string, settlement: SettlementPayload, text: string): void {
  const { state, report } = context;
  if (isDuplicate(context, state.settlements.get(hash)?.index, index)) return;
  const startMs = instantMs(settlement.start)!;
  const endMs = instantMs(settlement.end)!;
  const { zone } = settlement;
  const interval = intervalKey(startMs, endMs, zone);
  const label = `${settlement.start}/${settlement.end} in ${zone}`;
  const first = state.intervals.get(interval);
  const lastMatched = state.lastMatchedStarts.get(zone);
  const rec: SettlementRec = { index, startMs, endMs, wh: [], owner: [], charges: new Map(), claimed: new Map() };

  const allocates = settlement.sources.some((source) => source.allocations.length > 0);
  const matched = first !== undefined || (lastMatched !== undefined && startMs < lastMatched);
  if (allocates && matched) {
    const why = first !== undefined ? `entry ${first} settled it already` : `its zone settled a later interval already`;
    report('late-allocations', [first, index], `settlement ${hash} allocates for ${label}, but ${why}: a late settlement has no allocations`);
  }
  // Only a late-settlement transaction writes it: what that transaction has to settle, before this settles any.
  if (matched && !allocates) openLateBatch(state, index);
  const sources = settleSources(context, index, hash, settlement, interval, first);
  checkSettlementRules(context, { hash, rec, settlement, sources, interval, label });
  if (allocates && !matched) {
    // Before replayAllocations moves the lots: matching planned from those held before.
    if (context.reexecute) reexecuteSettlement(context, index, hash, settlement, text, interval, startMs, endMs, label);
    replayAllocations(context, { hash, rec, settlement, sources, interval, label });
  }
  // Only now: a storage reading may be a source and, charging, a sink of the same settlement.
  for (const source of sources) if (source) closeReading(state, source.hash);

  if (first === undefined) {
    state.intervals.set(interval, index);
    closeInterval(context, index, hash, interval, label);
  }
  if (lastMatched === undefined || startMs > lastMatched) advanceLastMatched(state, zone, startMs);
  state.settlements.set(hash, rec);
}

/** Checks each settled source against its reading and marks the reading settled; the readings found, by source, still open. */
function settleSources(
  { state, report }: ReplayContext,
  index: number,
  hash: string,
  settlement: SettlementPayload,
  interval: string,
  first: number | undefined,
): Array<SettledReading | undefined> {
  return settlement.sources.map((source) => {
    const earlier = state.settled.get(source.reading);
    if (earlier) {
      const why = earlier.settlement === index ? `settlement ${hash} lists it twice` : `entry ${earlier.settlement} settled it already`;
      report('second-settlement', [earlier.reading, earlier.settlement, index], `reading ${source.reading} (entry ${earlier.reading}): ${why}`);
      return undefined;
    }
    const reading = state.readings.get(source.reading);
    if (!reading) {
      report('unknown-reading', [index], `settlement ${hash} settles ${source.reading}, which is no unsettled reading logged before it`);
      return undefined;
    }
    const device = state.devices.get(reading.device)!;
    if (first !== undefined && reading.index < first) {
      report(
        'bad-late-settlement',
        [reading.index, first, index],
        `settlement ${hash} settles reading ${source.reading} late, but it was logged before the interval's first settlement (entry ${first})`,
      );
    }
    state.settled.set(source.reading, { reading: reading.index, settlement: index });
    return { hash: source.reading, reading, device };
  });
}

/**
 * The first settlement of an interval and zone: matching read every reading
 * of it logged so far, so none of their supply may be left out, and none of
 * the others can be named again.
 */
function closeInterval({ state, report }: ReplayContext, index: number, hash: string, interval: string, label: string): void {
  for (const reading of [...(state.buckets.get(interval)?.readings ?? [])]) {
    const rec = state.readings.get(reading)!;
    if (isSupply(state.devices.get(rec.device)!.type, rec.exportWh)) {
      report(
        'unsettled-supply',
        [rec.index, index],
        `settlement ${hash} of ${label} leaves out supply reading ${reading} (entry ${rec.index}), logged before it`,
      );
    } else closeReading(state, reading);
  }
}

/**
 * The zone has matched every interval before `startMs`: only their supply
 * readings may still be settled (late). Buckets before the previous last
 * matched start hold none of the others already (replay-readings.ts opens no
 * such reading there), so only the buckets in between are visited.
 */
function advanceLastMatched(state: ReplayState, zone: string, startMs: number): void {
  const previous = state.lastMatchedStarts.get(zone) ?? Number.NEGATIVE_INFINITY;
  state.lastMatchedStarts.set(zone, startMs);
  for (const bucket of bucketsStartingIn(state.zoneBuckets.get(zone) ?? [], previous, startMs)) {
    for (const hash of [...bucket.readings]) {
      const rec = state.readings.get(hash)!;
      if (!isSupply(state.devices.get(rec.device)!.type, rec.exportWh)) closeReading(state, hash);
    }
  }
}

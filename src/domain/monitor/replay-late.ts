/**
 * Late supply (replay.ts): a supply reading logged once its zone's matching
 * last matched interval has reached its interval is never matched. The late-settlement
 * transaction that ends each matching run (ledger/matching/run.ts,
 * settleLateSupply) gives it a settlement of its own, with no allocations.
 *
 * When that must have happened cannot be read from the log. A run matches
 * zone by zone in windows of intervals, each window its own transaction, and
 * settles late supply only after the last; runs of the matcher, of POST
 * /v1/matching/runs and of other processes may interleave; a process may stop
 * between a run's windows and its late settlements; and a late-settlement
 * transaction with nothing to settle writes nothing. So no number of matching
 * settlements after a late reading, of its zone or any other, shows that a
 * late-settlement transaction has started since. A rule such as "unsettled
 * once the last matched interval advances twice" would report correct logs (a run loading
 * more than one window of history advances it many times before settling late
 * supply), and reporting at the end of a monitor run would report every
 * checkpoint that falls between a run's windows and its late settlements.
 *
 * What the log does show is each late-settlement transaction that writes
 * something, and that transaction settles every supply reading that is late
 * when it starts: it reads them under the head lock, after every entry before
 * its first has committed. The monitor's last matched interval of a zone (the latest
 * interval it settled) never passes the log's (the latest interval matched),
 * so an unsettled supply reading at or behind it was late by then. Hence:
 *
 * - on a settlement that can only be late (of an interval settled before, or
 *   behind its zone's last matched interval), with no batch being replayed, the replay
 *   notes every unsettled supply reading at or behind its zone's last matched interval
 *   (openLateBatch);
 * - on the first entry that transaction cannot have written (anything but a
 *   settlement without allocations), each of them still unsettled is
 *   `unsettled-supply` (endLateBatch). The transaction's entries are
 *   contiguous and commit together, so it has ended by then, wherever a
 *   checkpoint falls. A settlement without allocations after it (a matching
 *   one, of an interval with no consumption) only puts the check off, which
 *   stays sound.
 *
 * A late reading after which no late settlement is ever logged escapes that
 * rule: the monitor lists such readings as warnings, not findings
 * (lateSupplyWarnings).
 *
 * Pure: no I/O.
 */
import type { Payload } from '../payloads.ts';
import { formatInstant } from '../time.ts';
import type { Warning } from './findings.ts';
import { isSupply, type ReadingRec, type ReplayContext, type ReplayState } from './replay-state.ts';
import { bucketsStartingIn } from './zone-buckets.ts';

/** Unsettled supply readings at or behind their zone's last matched interval, in log order. */
function lateUnsettled(state: ReplayState): Array<[string, ReadingRec]> {
  const late: Array<[string, ReadingRec]> = [];
  for (const [zone, buckets] of state.zoneBuckets) {
    const lastMatched = state.lastMatchedStarts.get(zone);
    if (lastMatched === undefined) continue;
    for (const bucket of bucketsStartingIn(buckets, Number.NEGATIVE_INFINITY, lastMatched + 1)) {
      for (const hash of bucket.readings) {
        const reading = state.readings.get(hash)!;
        if (isSupply(state.devices.get(reading.device)!.type, reading.exportWh)) late.push([hash, reading]);
      }
    }
  }
  return late.sort((a, b) => a[1].index - b[1].index);
}

/** Whether `payload` may be part of a late-settlement transaction: a settlement without allocations. */
export function mayBeLateSettlement(payload: Payload): boolean {
  return payload.kind === 'settlement' && payload.sources.every((source) => source.allocations.length === 0);
}

/** Entry `index` is a settlement that can only be late: what its transaction has to settle, unless a batch is open already. */
export function openLateBatch(state: ReplayState, index: number): void {
  state.lateBatch ??= { index, due: lateUnsettled(state).map(([hash]) => hash) };
}

/** The late-settlement transaction being replayed has ended: it must have settled every reading due. */
export function endLateBatch({ state, report }: ReplayContext): void {
  const batch = state.lateBatch;
  if (batch === undefined) return;
  state.lateBatch = undefined;
  for (const hash of batch.due) {
    // A supply reading stays open until it is settled.
    const reading = state.readings.get(hash);
    if (reading === undefined) continue;
    report(
      'unsettled-supply',
      [reading.index, batch.index],
      `supply reading ${hash} (entry ${reading.index}) was late and unsettled when the late settlements from entry ${batch.index} on were written, and they leave it out`,
    );
  }
}

/**
 * Supply readings still unsettled at or behind their zone's last matched interval: a late
 * settlement has to name them, but when cannot be told from the log, so
 * they are warnings, not findings.
 */
export function lateSupplyWarnings(state: ReplayState): Warning[] {
  return lateUnsettled(state).map(([hash, reading]) => {
    const [startMs, endMs, zone] = reading.interval.split('/');
    return {
      code: 'late-supply-unsettled',
      indexes: [reading.index],
      detail: `supply reading ${hash} of ${formatInstant(Number(startMs))}/${formatInstant(Number(endMs))} in ${zone}, behind its zone's last matched interval, has no settlement yet`,
    };
  });
}

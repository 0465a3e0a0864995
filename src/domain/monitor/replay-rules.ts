/**
 * The settlement rules (settlement-rules.ts) as the monitor applies them: with
 * the whole log behind it, it knows every reading a settlement may name (the
 * open readings logged before it) and every contract logged before it, and
 * the green charge each storage device held before the interval, so a
 * discharge's contract share is checked too. A reading the replay does not
 * know is reported where it is met (replay-settlements.ts, replay-allocations.ts).
 */
import { settlementProblems, type ReadingFact } from '../settlement-rules.ts';
import { heldWh } from '../storage-lots.ts';
import { minWh } from '../wh.ts';
import type { SettlementScope } from './replay-allocations.ts';
import type { ReplayContext, ReadingRec } from './replay-state.ts';

export function checkSettlementRules({ state, report }: ReplayContext, scope: SettlementScope): void {
  const { hash, rec, settlement, sources, interval } = scope;
  const fact = (reading: ReadingRec): ReadingFact | undefined => {
    const device = state.devices.get(reading.device);
    return (
      device && {
        device: reading.device,
        deviceType: device.type,
        owner: device.owner,
        importWh: reading.importWh,
        exportWh: reading.exportWh,
        interval: reading.interval,
        index: reading.index,
      }
    );
  };
  const sourceOf = new Map(sources.flatMap((source) => (source ? [[source.hash, source.reading] as const] : [])));
  const problems = settlementProblems({
    settlement,
    leafHash: hash,
    index: rec.index,
    interval,
    startMs: rec.startMs,
    endMs: rec.endMs,
    reading: (named) => {
      const reading = sourceOf.get(named) ?? state.readings.get(named);
      return reading && fact(reading);
    },
    contract: (named) => {
      const contract = state.contracts.get(named);
      return contract && { ...contract, id: named };
    },
    storageSupply: (_named, reading) => minWh(reading.exportWh, heldWh(state.lots.get(reading.device))),
  });
  for (const problem of problems) report(problem.code, problem.indexes, problem.detail);
}

/**
 * The monitor re-runs matching (docs/design.md §7): the first settlement of
 * an interval and zone that allocates must be, byte for byte in canonical
 * JSON, what the pure planner (domain/matching.ts) gives for the input
 * rebuilt from the replay state alone, as the matching run builds it from
 * its rows (ledger/matching/plan.ts, db/matching.ts):
 *
 * - readings: every reading of the interval and zone logged before the
 *   settlement (matching reads them all; the replay's bucket still holds
 *   every one of them, since nothing closes a reading of an interval before
 *   its first settlement), with its device's type and owner;
 * - contracts: those logged before it, of a device of the zone, valid over
 *   the whole interval (validFrom ≤ start, validUntil absent or ≥ end);
 * - storage: the zone's storage devices with both figures;
 * - lots: the green charge the zone's storage holds, oldest first per device.
 *
 * It runs before replayAllocations changes the lots. A contract restored from
 * a monitor snapshot written before contracts kept their priority cannot be
 * served in order: such an interval is not re-executed (no finding either).
 */
import { canonicalJson } from '../../crypto/canonical-json.ts';
import { entryText } from '../entry.ts';
import { planInterval, type IntervalInput, type MatchContract, type MatchReading, type StorageSpec } from '../matching.ts';
import type { Allocation, SettlementPayload } from '../payloads.ts';
import { formatInstant } from '../time.ts';
import type { ReplayContext, ReplayState } from './replay-state.ts';

/** The planner's input for the settlement's interval and zone, or undefined when the state cannot rebuild it exactly. */
export function rebuildIntervalInput(
  state: ReplayState,
  settlement: SettlementPayload,
  interval: string,
  startMs: number,
  endMs: number,
): IntervalInput | undefined {
  const { zone } = settlement;
  const readings: MatchReading[] = [];
  for (const hash of state.buckets.get(interval)?.readings ?? []) {
    const rec = state.readings.get(hash)!;
    const device = state.devices.get(rec.device)!;
    readings.push({ leafHash: hash, device: rec.device, deviceType: device.type, owner: device.owner, importWh: rec.importWh, exportWh: rec.exportWh });
  }
  const contracts: MatchContract[] = [];
  for (const [hash, c] of state.contracts) {
    if (state.devices.get(c.device)?.zone !== zone) continue;
    if (!(c.validFromMs <= startMs && (c.validUntilMs === undefined || c.validUntilMs >= endMs))) continue;
    if (c.priority === undefined) return undefined;
    contracts.push({ leafHash: hash, device: c.device, tenant: c.tenant, priority: c.priority, ...(c.shareBp === undefined ? {} : { shareBp: c.shareBp }) });
  }
  const storage: StorageSpec[] = [];
  for (const [id, d] of state.devices) {
    if (d.zone !== zone || d.type !== 'storage') continue;
    // The database holds both figures for every storage device; a log without them is reported elsewhere.
    if (d.energyCapacityWh === undefined || d.efficiencyBp === undefined) return undefined;
    storage.push({ device: id, energyCapacityWh: d.energyCapacityWh, efficiencyBp: d.efficiencyBp });
  }
  const lots = storage.flatMap((spec) => (state.lots.get(spec.device) ?? []).filter((lot) => lot.remainingWh > 0n));
  return { log: settlement.log, start: formatInstant(startMs), end: formatInstant(endMs), zone, readings, contracts, storage, lots };
}

interface Flat {
  source: string;
  allocation: Allocation;
  sink: string;
}

function flatten(payload: SettlementPayload): Flat[] {
  return payload.sources.flatMap((source) =>
    source.allocations.map((allocation) => ({ source: source.reading, allocation, sink: payload.sinks[allocation.sink] ?? '?' })),
  );
}

const describe = (f: Flat | undefined): string =>
  f === undefined
    ? 'none'
    : `${f.allocation.wh} Wh to ${f.sink}${f.allocation.contract === undefined ? '' : ` under contract ${f.allocation.contract}`}${f.allocation.draws ? ` drawing ${canonicalJson(f.allocation.draws)}` : ''}`;

/** Where two settlements of the same input first differ, in words. */
export function firstDifference(expected: SettlementPayload, logged: SettlementPayload): string {
  const want = flatten(expected);
  const got = flatten(logged);
  for (let position = 0; position < Math.max(want.length, got.length); position++) {
    const w = want[position];
    const g = got[position];
    if (w && g && w.source === g.source && canonicalJson({ ...w.allocation, sink: w.sink }) === canonicalJson({ ...g.allocation, sink: g.sink })) continue;
    const source = w?.source ?? g!.source;
    return `allocation ${position} (source reading ${source}): expected ${describe(w)}, logged ${describe(g)}${g && w && g.source !== w.source ? ` from ${g.source}` : ''}`;
  }
  const s = expected.sources.findIndex((source, i) => canonicalJson(source) !== canonicalJson(logged.sources[i]));
  if (s >= 0 || expected.sources.length !== logged.sources.length)
    return `settled source ${s >= 0 ? s : expected.sources.length}: the sources' readings or figures differ`;
  return 'the allocations agree; the sinks or other members differ';
}

/**
 * Re-runs matching for an allocating first settlement and reports
 * `settlement-not-reproduced` on a difference. `loggedText` is the entry's
 * signed text: its payload line is canonical JSON (parseEntry), so the plan's
 * entry text is compared with it rather than serialising the logged payload
 * again.
 */
export function reexecuteSettlement(
  { state, report }: ReplayContext,
  index: number,
  hash: string,
  settlement: SettlementPayload,
  loggedText: string,
  interval: string,
  startMs: number,
  endMs: number,
  label: string,
): void {
  const input = rebuildIntervalInput(state, settlement, interval, startMs, endMs);
  if (input === undefined) return;
  let expected: SettlementPayload | undefined;
  try {
    expected = planInterval(input);
  } catch (error) {
    report(
      'settlement-not-reproduced',
      [index],
      `settlement ${hash} of ${label}: the planner refuses the input rebuilt from the log (${(error as Error).message})`,
    );
    return;
  }
  if (expected === undefined) {
    report('settlement-not-reproduced', [index], `settlement ${hash} of ${label}: matching allocates nothing here`);
    return;
  }
  if (entryText(expected) === loggedText) return;
  report('settlement-not-reproduced', [index], `settlement ${hash} of ${label} is not what matching gives: ${firstDifference(expected, settlement)}`);
}

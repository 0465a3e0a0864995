/**
 * The replay's settlements (replay.ts): one per supply reading; every
 * allocation listed, with its wh, in its source's settlement; no settlement
 * lists an allocation from another source.
 */
import { supplyDeviceTypes, type SettlementPayload } from '../payloads.ts';
import { instantMs } from '../time.ts';
import { parseWh } from '../wh.ts';
import { isDuplicate, type ReplayContext } from './replay-state.ts';

export function replaySettlement(context: ReplayContext, index: number, hash: string, settlement: SettlementPayload): void {
  const { state, report } = context;
  if (isDuplicate(context, state.settlements.get(hash), index)) return;
  state.settlements.set(hash, index);
  const source = state.readings.get(settlement.source);
  if (!source) {
    report('unknown-reading', [index], `settlement of ${settlement.source}, which is no reading logged before it`);
    return;
  }
  if (source.settlement !== undefined) {
    report('second-settlement', [source.index, source.settlement, index], `reading ${settlement.source} (entry ${source.index}) was already settled by entry ${source.settlement}`);
    return;
  }
  source.settlement = index;
  const device = state.devices.get(source.device)!;
  const problems: string[] = [];
  if (!supplyDeviceTypes.includes(device.type)) problems.push(`its source is a ${device.type} reading`);
  if (instantMs(settlement.start) !== source.startMs || instantMs(settlement.end) !== source.endMs) problems.push("its interval is not its reading's");
  const supplyWh = parseWh(settlement.supplyWh);
  if (supplyWh !== source.exportWh) problems.push(`supplyWh ${supplyWh}, but the reading exports ${source.exportWh}`);

  const listed = new Set<string>();
  let total = 0n;
  for (const item of settlement.allocations) {
    const wh = parseWh(item.wh);
    total += wh;
    if (listed.has(item.allocation)) {
      problems.push(`it lists ${item.allocation} twice`);
      continue;
    }
    listed.add(item.allocation);
    const allocation = state.allocations.get(item.allocation);
    if (!allocation) {
      report('settlement-mismatch', [index], `settlement ${hash} lists ${item.allocation}, which is no allocation logged before it`);
    } else if (allocation.source !== settlement.source) {
      report('settlement-mismatch', [allocation.index, index], `settlement ${hash} lists allocation ${item.allocation} (entry ${allocation.index}), which is not from its source`);
    } else {
      if (allocation.wh !== wh) {
        report('settlement-mismatch', [allocation.index, index], `settlement ${hash} lists allocation ${item.allocation} with ${wh} Wh, the allocation is of ${allocation.wh} Wh`);
      }
      allocation.settlement = index;
      state.unsettled.delete(item.allocation);
    }
  }
  const allocatedWh = parseWh(settlement.allocatedWh);
  if (allocatedWh !== total) problems.push(`allocatedWh ${allocatedWh}, but its list adds up to ${total}`);
  if (allocatedWh > supplyWh) problems.push(`allocatedWh ${allocatedWh} exceeds supplyWh ${supplyWh}`);
  if (problems.length > 0) report('settlement-mismatch', [source.index, index], `settlement ${hash}: ${problems.join('; ')}`);

  for (const pending of source.pending) {
    if (listed.has(pending)) continue;
    const allocation = state.allocations.get(pending)!;
    state.unsettled.delete(pending);
    report('allocation-outside-settlement', [allocation.index, index], `allocation ${pending} (entry ${allocation.index}) is not listed in its source's settlement (entry ${index})`);
  }
  source.pending = [];
}

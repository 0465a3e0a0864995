/**
 * The replay's allocations (replay.ts): each fits its readings, devices,
 * zone, interval and contract; Σ allocations from a reading ≤ its export, to
 * a reading ≤ its import; none logged after its source's settlement. Those of
 * storage go on to the storage checks (replay-storage.ts).
 */
import { supplyDeviceTypes, type AllocationPayload } from '../payloads.ts';
import { instantMs } from '../time.ts';
import { parseWh } from '../wh.ts';
import { isDuplicate, type AllocationRec, type ReplayContext } from './replay-state.ts';
import { replayCharge, replayDischarge } from './replay-storage.ts';

export function replayAllocation(context: ReplayContext, index: number, hash: string, allocation: AllocationPayload): void {
  const { state, report } = context;
  if (isDuplicate(context, state.allocations.get(hash)?.index, index)) return;
  const wh = parseWh(allocation.wh);
  const startMs = instantMs(allocation.start)!;
  const endMs = instantMs(allocation.end)!;
  const rec: AllocationRec = { index, source: allocation.source, sink: allocation.sink, wh, startMs, endMs, settlement: undefined, claim: undefined, charge: undefined };
  state.allocations.set(hash, rec);
  const source = state.readings.get(allocation.source);
  const sink = state.readings.get(allocation.sink);
  if (!source || !sink) {
    const missing = [!source ? `source ${allocation.source}` : '', !sink ? `sink ${allocation.sink}` : ''].filter(Boolean).join(' and ');
    report('unknown-reading', [source?.index, sink?.index, index], `allocation ${hash}: its ${missing} is no reading logged before it`);
    return;
  }
  const sourceDevice = state.devices.get(source.device)!;
  const sinkDevice = state.devices.get(sink.device)!;

  const problems: string[] = [];
  if (!supplyDeviceTypes.includes(sourceDevice.type)) problems.push(`its source is a ${sourceDevice.type} reading`);
  if (sinkDevice.type !== 'consumption' && sinkDevice.type !== 'storage') problems.push(`its sink is a ${sinkDevice.type} reading`);
  if (sourceDevice.type === 'storage' && sinkDevice.type === 'storage') problems.push('it charges storage from storage');
  if (wh === 0n) problems.push('it is of zero Wh');
  if (source.startMs > startMs || endMs > source.endMs) problems.push('its source reading does not cover its interval');
  if (sink.startMs > startMs || endMs > sink.endMs) problems.push('its sink reading does not cover its interval');
  if (sourceDevice.zone !== allocation.zone || sinkDevice.zone !== allocation.zone) {
    problems.push(`zone ${allocation.zone}, but its devices are in ${sourceDevice.zone} and ${sinkDevice.zone}`);
  }
  if (allocation.rule === 'contract') {
    const contract = allocation.contract === undefined ? undefined : state.contracts.get(allocation.contract);
    if (!contract) problems.push(`its contract ${allocation.contract} is no contract entry logged before it`);
    else {
      if (contract.device !== source.device) problems.push(`its contract is for device ${contract.device}, not ${source.device}`);
      if (contract.tenant !== sinkDevice.owner) problems.push(`its contract is for tenant ${contract.tenant}, not ${sinkDevice.owner}`);
    }
  }
  if (problems.length > 0) report('allocation-mismatch', [source.index, sink.index, index], `allocation ${hash}: ${problems.join('; ')}`);

  source.fromWh += wh;
  if (source.fromWh > source.exportWh) {
    report('source-over-allocated', [source.index, index], `reading ${allocation.source} (entry ${source.index}) exports ${source.exportWh} Wh, allocations from it now add up to ${source.fromWh} Wh`);
  }
  sink.toWh += wh;
  if (sink.toWh > sink.importWh) {
    report('sink-over-allocated', [sink.index, index], `reading ${allocation.sink} (entry ${sink.index}) imports ${sink.importWh} Wh, allocations to it now add up to ${sink.toWh} Wh`);
  }

  if (source.settlement !== undefined) {
    report('allocation-outside-settlement', [source.index, source.settlement, index], `allocation ${hash} is logged after the settlement (entry ${source.settlement}) of its source`);
  } else {
    source.pending.push(hash);
    state.unsettled.add(hash);
  }

  const interval = `${allocation.start}/${allocation.end}`;
  if (sourceDevice.type === 'storage') replayDischarge(context, index, hash, allocation, rec, source, sourceDevice, interval);
  else if (allocation.draws) report('bad-draw', [index], `allocation ${hash} draws on storage charge, but its source is a ${sourceDevice.type} reading`);
  if (sinkDevice.type === 'storage' && sourceDevice.type !== 'storage') replayCharge(context, index, rec, sink, sinkDevice, interval);
}

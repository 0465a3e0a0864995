/**
 * The allocations of a matching settlement (replay-settlements.ts): each sink
 * must be a reading the replay knows (logged before, not yet closed); the
 * rules each allocation keeps are settlement-rules.ts's (replay-rules.ts);
 * storage is replayed in replay-storage.ts; what claims and draws need later
 * is kept in the settlement's record.
 */
import { allocationId } from '../allocation-id.ts';
import type { SettlementPayload } from '../payloads.ts';
import { parseWh } from '../wh.ts';
import type { DeviceRec, ReadingRec, ReplayContext, SettlementRec } from './replay-state.ts';
import { replayCharge, replayDischarge, settleStorage, StorageBlock } from './replay-storage.ts';

/** A settled source whose reading the replay knew. */
export interface SettledReading {
  hash: string;
  reading: ReadingRec;
  device: DeviceRec;
}

export interface SettlementScope {
  /** The settlement's leaf hash. */
  hash: string;
  rec: SettlementRec;
  settlement: SettlementPayload;
  /** Per source: its reading, unless the source was reported as unknown or settled before. */
  sources: ReadonlyArray<SettledReading | undefined>;
  /** intervalKey of the settlement. */
  interval: string;
  /** `<start>/<end> in <zone>`, for details. */
  label: string;
}

export function replayAllocations(context: ReplayContext, scope: SettlementScope): void {
  const { state, report } = context;
  const { hash, rec, settlement, sources, label } = scope;
  const index = rec.index;
  const storage = new StorageBlock();
  settlement.sources.forEach((settled, s) => {
    const source = sources[s];
    for (const allocation of settled.allocations) {
      const position = rec.wh.length;
      const id = allocationId(hash, position);
      const wh = parseWh(allocation.wh);
      // parseEntry made sure the position is in sinks.
      const sinkHash = settlement.sinks[allocation.sink]!;
      const sink = state.readings.get(sinkHash);
      const sinkDevice = sink ? state.devices.get(sink.device)! : undefined;
      rec.wh.push(wh);
      rec.owner.push(sinkDevice?.owner ?? '');
      if (!sink || !sinkDevice) {
        report('unknown-reading', [index], `allocation ${id} goes to ${sinkHash}, which is no reading of ${label} logged before it`);
        continue;
      }
      if (!source) continue;
      if (allocation.contract !== undefined && !state.contracts.has(allocation.contract)) {
        report(
          'allocation-mismatch',
          [source.reading.index, index],
          `allocation ${id}: its contract ${allocation.contract} is no contract entry logged before it`,
        );
      }
      if (source.device.type === 'storage') replayDischarge(context, storage, { id, wh, allocation, device: source.reading.device, rec });
      else if (allocation.draws) report('bad-draw', [index], `allocation ${id} draws on storage charge, but its source is a ${source.device.type} reading`);
      if (sinkDevice.type === 'storage' && source.device.type !== 'storage')
        replayCharge(context, storage, { id, wh, position, device: sink.device, spec: sinkDevice, rec });
    }
  });
  settleStorage(context, storage, index, label);
}

/**
 * The allocations of a matching settlement (replay-settlements.ts): each goes
 * to a consumption or storage reading of the settlement's interval and zone,
 * under a contract of its source's device and its sink's tenant that is valid
 * over the interval and within its share; Σ allocations to a reading ≤ its
 * import. Storage is checked in replay-storage.ts. What claims and draws need
 * later is kept in the settlement's record.
 */
import { allocationId } from '../allocation-id.ts';
import type { Allocation, SettlementPayload } from '../payloads.ts';
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
  const { hash, rec, settlement, sources, interval, label } = scope;
  const index = rec.index;
  const toSink = new Map<string, { reading: ReadingRec; wh: bigint }>();
  const underContract = new Map<string, { source: SettledReading; contract: string; wh: bigint }>();
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
      const sum = toSink.get(sinkHash);
      if (sum) sum.wh += wh;
      else toSink.set(sinkHash, { reading: sink, wh });
      if (!source) continue;

      const problems = fitProblems(context, allocation, wh, source, sink, sinkDevice, interval, rec);
      if (problems.length > 0) report('allocation-mismatch', [source.reading.index, sink.index, index], `allocation ${id}: ${problems.join('; ')}`);
      if (allocation.contract !== undefined) {
        const key = `${s} ${allocation.contract}`;
        const total = underContract.get(key);
        if (total) total.wh += wh;
        else underContract.set(key, { source, contract: allocation.contract, wh });
      }

      if (source.device.type === 'storage') replayDischarge(context, storage, { id, wh, allocation, device: source.reading.device, rec });
      else if (allocation.draws) report('bad-draw', [index], `allocation ${id} draws on storage charge, but its source is a ${source.device.type} reading`);
      if (sinkDevice.type === 'storage' && source.device.type !== 'storage') replayCharge(context, storage, { id, wh, position, device: sink.device, spec: sinkDevice, rec });
    }
  });

  for (const [sinkHash, { reading, wh }] of toSink) {
    if (wh > reading.importWh) {
      report('sink-over-allocated', [reading.index, index], `reading ${sinkHash} (entry ${reading.index}) imports ${reading.importWh} Wh, settlement ${hash} allocates ${wh} Wh to it`);
    }
  }
  // A contract's share is of the source's supply: its export, or for storage the green charge it held (DESIGN.md "Matching").
  for (const { source, contract, wh } of underContract.values()) {
    const shareBp = state.contracts.get(contract)?.shareBp;
    if (shareBp === undefined) continue;
    const supply = source.device.type === 'storage' ? storage.greenSupply(state, source.reading.device, source.reading.exportWh) : source.reading.exportWh;
    const share = (supply * BigInt(shareBp)) / 10000n;
    if (wh > share) {
      report('allocation-mismatch', [state.contracts.get(contract)!.index, source.reading.index, index], `settlement ${hash}: contract ${contract} takes ${wh} Wh of reading ${source.hash}, its share of ${shareBp} bp allows ${share} Wh`);
    }
  }
  settleStorage(context, storage, index, label);
}

/** Why an allocation does not fit its source, sink and contract (empty when it does). */
function fitProblems(
  { state }: ReplayContext,
  allocation: Allocation,
  wh: bigint,
  source: SettledReading,
  sink: ReadingRec,
  sinkDevice: DeviceRec,
  interval: string,
  rec: SettlementRec,
): string[] {
  const problems: string[] = [];
  if (sinkDevice.type !== 'consumption' && sinkDevice.type !== 'storage') problems.push(`its sink is a ${sinkDevice.type} reading`);
  if (sink.interval !== interval) problems.push('its sink reading is not of the settlement’s interval and zone');
  if (source.device.type === 'storage' && sinkDevice.type === 'storage') problems.push('it charges storage from storage');
  if (wh === 0n) problems.push('it is of zero Wh');
  if (allocation.contract === undefined) return problems;
  const contract = state.contracts.get(allocation.contract);
  if (!contract) return [...problems, `its contract ${allocation.contract} is no contract entry logged before it`];
  if (contract.device !== source.reading.device) problems.push(`its contract is for device ${contract.device}, not ${source.reading.device}`);
  if (contract.tenant !== sinkDevice.owner || sinkDevice.type !== 'consumption') problems.push(`its contract is for tenant ${contract.tenant}, not for a reading of ${sinkDevice.owner}`);
  if (contract.validFromMs > rec.startMs || (contract.validUntilMs !== undefined && contract.validUntilMs < rec.endMs)) problems.push('its contract is not valid over the interval');
  return problems;
}

/**
 * Step 6: the statement's allocations (those to the tenant's readings in the
 * period, and the charges their discharges draw on) rest on entries in the
 * bundle: the source reading, the sink reading, and for a contract allocation
 * the contract entry, logged before the settlement, of the source's device
 * and the sink meter's owner, valid over the interval, whose allocations from
 * the source stay within its share. What a settlement shows of every
 * allocation (interval, zone, kinds of device, Wh) is settlements.ts's;
 * storage draws are storage.ts's.
 */
import { compareText } from '../compare.ts';
import type { ContractPayload } from '../payloads.ts';
import { describe, describePlaced, isKind, readingOf, short, type BundleIndex, type Placed } from './bundle-index.ts';
import type { Reasons } from './reasons.ts';
import { statementAllocations, type Scope } from './scope.ts';

/**
 * A contract with a share takes at most floor(supply × shareBp / 10000) of a
 * source, as matching.ts serves it. The settlement holds every allocation of
 * the source, so their sum under the contract is known; `checked` keeps it to
 * one reason per settlement, source and contract. A wind or solar source's
 * supply is its reading's export; a storage source's is its green part, set
 * by lots the bundle need not carry, so storage is left out.
 */
function checkShare(index: BundleIndex, allocation: Placed, contract: ContractPayload, checked: Set<string>, reasons: Reasons): void {
  const source = readingOf(index, allocation.source);
  if (source === undefined || contract.shareBp === undefined) return;
  const type = index.devices.get(source.payload.device)?.payload.type;
  if (type === undefined || type === 'storage') return; // no device: checkDevices reported it
  const { settlement } = allocation;
  const key = `${settlement.leafHash} ${allocation.source} ${allocation.contract}`;
  if (checked.has(key)) return;
  checked.add(key);
  const taken = (index.held.get(settlement.leafHash) ?? [])
    .filter((a) => a.source === allocation.source && a.rule === 'contract' && a.contract === allocation.contract)
    .reduce((sum, a) => sum + BigInt(a.wh), 0n);
  const share = (BigInt(source.payload.exportWh) * BigInt(contract.shareBp)) / 10000n;
  if (taken > share) {
    reasons.add('allocation-mismatch', `${describe(settlement)}: contract ${contract.id} takes ${taken} Wh of ${describe(source)}, beyond its share of ${share} Wh (${contract.shareBp} bp of ${source.payload.exportWh} Wh)`);
  }
}

function checkContract(index: BundleIndex, allocation: Placed, checked: Set<string>, reasons: Reasons): void {
  if (allocation.rule !== 'contract' || allocation.contract === undefined) return;
  const item = index.byHash.get(allocation.contract);
  const what = `${describePlaced(allocation)}: its contract ${short(allocation.contract)}`;
  if (item === undefined) {
    reasons.add('missing-entry', `${what} is not in the bundle`);
    return;
  }
  if (!isKind(item, 'contract')) {
    reasons.add('allocation-mismatch', `${what} is ${describe(item)}, not a contract`);
    return;
  }
  const contract = item.payload;
  const { start, end } = allocation.settlement.payload;
  if (item.index > allocation.settlement.index) reasons.add('allocation-mismatch', `${what} is logged after it`);
  const source = readingOf(index, allocation.source);
  if (source && contract.device !== source.payload.device) {
    reasons.add('allocation-mismatch', `${what} is for device ${contract.device}, the source is ${source.payload.device}`);
  }
  const sink = readingOf(index, allocation.sink);
  const sinkDevice = sink && index.devices.get(sink.payload.device);
  if (sinkDevice && (sinkDevice.payload.type !== 'consumption' || contract.tenant !== sinkDevice.payload.owner)) {
    reasons.add('allocation-mismatch', `${what} is for tenant ${contract.tenant}, the sink is a ${sinkDevice.payload.type} device of ${sinkDevice.payload.owner}`);
  }
  if (compareText(contract.validFrom, start) > 0 || (contract.validUntil !== undefined && compareText(end, contract.validUntil) > 0)) {
    reasons.add('allocation-mismatch', `${what} is not valid over ${start}/${end}`);
  }
  checkShare(index, allocation, contract, checked, reasons);
}

export function checkAllocations(index: BundleIndex, scope: Scope, reasons: Reasons): void {
  const checked = new Set<string>();
  for (const allocation of statementAllocations(scope)) {
    for (const role of ['source', 'sink'] as const) {
      const hash = allocation[role];
      if (!index.byHash.has(hash)) reasons.add('missing-entry', `${describePlaced(allocation)}: its ${role} reading ${short(hash)} is not in the bundle`);
    }
    checkContract(index, allocation, checked, reasons);
  }
}

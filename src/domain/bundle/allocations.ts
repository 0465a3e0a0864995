/**
 * Step 6: the statement's allocations (those to the tenant's readings in the
 * period, and the charges their discharges draw on) rest on entries in the
 * bundle: the source reading, the sink reading and, for a contract
 * allocation, the contract entry. Whether each allocation keeps the rules
 * (interval, zone, kinds of device, Wh, the contract's fit and share) is
 * settlement-rules.ts's, applied to every settlement by settlements.ts;
 * storage draws are storage.ts's.
 */
import { describe, describePlaced, isKind, short, type BundleIndex, type Placed } from './bundle-index.ts';
import type { Reasons } from './reasons.ts';
import { statementAllocations, type Scope } from './scope.ts';

function checkContractEntry(index: BundleIndex, allocation: Placed, reasons: Reasons): void {
  if (allocation.rule !== 'contract' || allocation.contract === undefined) return;
  const item = index.byHash.get(allocation.contract);
  const what = `${describePlaced(allocation)}: its contract ${short(allocation.contract)}`;
  if (item === undefined) reasons.add('missing-entry', `${what} is not in the bundle`);
  else if (!isKind(item, 'contract')) reasons.add('allocation-mismatch', `${what} is ${describe(item)}, not a contract`);
}

export function checkAllocations(index: BundleIndex, scope: Scope, reasons: Reasons): void {
  for (const allocation of statementAllocations(scope)) {
    for (const role of ['source', 'sink'] as const) {
      const hash = allocation[role];
      if (!index.byHash.has(hash)) reasons.add('missing-entry', `${describePlaced(allocation)}: its ${role} reading ${short(hash)} is not in the bundle`);
    }
    checkContractEntry(index, allocation, reasons);
  }
}

/**
 * What the statement is about: the tenant's consumption readings in the
 * period (readings of devices in the bundle whose owner is the tenant and
 * whose type is consumption, lying wholly in [start, end)), the allocations
 * to them in the bundle's settlements, and the charge allocations their
 * discharges draw on. Every later step reads the bundle through this.
 */
import { compareText } from '../compare.ts';
import type { HashB64, ReadingPayload } from '../payloads.ts';
import { instantMs } from '../time.ts';
import { placed, resolveAllocation, type BundleIndex, type Item, type Placed } from './bundle-index.ts';
import type { Statement } from './bundle-types.ts';
import type { Reasons } from './reasons.ts';

export interface Scope {
  tenant: string;
  /** False when the period is not a real interval (a 'bad-schema' reason); figures are then not compared. */
  periodOk: boolean;
  /** The tenant's consumption readings in the period, by log index. */
  readings: Item<ReadingPayload>[];
  readingHashes: Set<HashB64>;
  /** Allocations of the bundle's settlements to those readings, by settlement log index, then position. */
  allocations: Placed[];
  /** The charge allocations those allocations draw on that the bundle holds, each once, none of `allocations` (storage.ts reports draws that name anything else). */
  charges: Placed[];
}

export function isTenantReading(index: BundleIndex, tenant: string, reading: Item<ReadingPayload>): boolean {
  const device = index.devices.get(reading.payload.device);
  return device !== undefined && device.payload.owner === tenant && device.payload.type === 'consumption';
}

/** The statement's allocations and the charges behind them: what steps 5 and 6 check one by one. */
export function statementAllocations(scope: Scope): Placed[] {
  return [...scope.allocations, ...scope.charges];
}

export function scopeOf(index: BundleIndex, statement: Statement, reasons: Reasons): Scope {
  const { start, end } = statement.period;
  const startMs = instantMs(start);
  const endMs = instantMs(end);
  const periodOk = startMs !== undefined && endMs !== undefined && startMs < endMs;
  if (!periodOk) reasons.add('bad-schema', `the period ${start}/${end} is not an interval of real instants`);
  const inPeriod = (r: Item<ReadingPayload>): boolean => !periodOk || (compareText(r.payload.start, start) >= 0 && compareText(r.payload.end, end) <= 0);
  const readings = index.readings.filter((r) => isTenantReading(index, statement.tenant, r) && inPeriod(r));
  const readingHashes = new Set(readings.map((r) => r.leafHash));
  const allocations: Placed[] = [];
  for (const settlement of index.settlements) {
    for (const allocation of index.held.get(settlement.leafHash) ?? []) {
      if (readingHashes.has(allocation.sink)) allocations.push(placed(settlement, allocation));
    }
  }
  const charges = new Map<string, Placed>();
  const inScope = new Set(allocations.map((a) => a.id));
  for (const allocation of allocations) {
    for (const draw of allocation.draws ?? []) {
      const charge = resolveAllocation(index, draw.allocation);
      // A draw on one of the tenant's own allocations is storage.ts's to report, not a second check of it.
      if (typeof charge !== 'string' && !inScope.has(charge.id)) charges.set(charge.id, charge);
    }
  }
  return { tenant: statement.tenant, periodOk, readings, readingHashes, allocations, charges: [...charges.values()] };
}

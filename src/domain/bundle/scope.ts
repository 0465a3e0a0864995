/**
 * What the statement is about: the tenant's consumption readings in the
 * period (readings of devices in the bundle whose owner is the tenant and
 * whose type is consumption, lying wholly in [start, end)) and the
 * allocations to them. Every later step reads the bundle through this.
 */
import { compareText } from '../compare.ts';
import type { AllocationPayload, HashB64, ReadingPayload } from '../payloads.ts';
import { instantMs } from '../time.ts';
import type { BundleIndex, Item } from './bundle-index.ts';
import type { Statement } from './bundle-types.ts';
import type { Reasons } from './reasons.ts';

export interface Scope {
  tenant: string;
  /** False when the period is not a real interval (a 'bad-schema' reason); figures are then not compared. */
  periodOk: boolean;
  /** The tenant's consumption readings in the period, by log index. */
  readings: Item<ReadingPayload>[];
  readingHashes: Set<HashB64>;
  /** Allocations in the bundle whose sink is one of those readings, by log index. */
  allocations: Item<AllocationPayload>[];
}

export function isTenantReading(index: BundleIndex, tenant: string, reading: Item<ReadingPayload>): boolean {
  const device = index.devices.get(reading.payload.device);
  return device !== undefined && device.payload.owner === tenant && device.payload.type === 'consumption';
}

export function scopeOf(index: BundleIndex, statement: Statement, reasons: Reasons): Scope {
  const { start, end } = statement.period;
  const startMs = instantMs(start);
  const endMs = instantMs(end);
  const periodOk = startMs !== undefined && endMs !== undefined && startMs < endMs;
  if (!periodOk) reasons.add('bad-schema', `the period ${start}/${end} is not an interval of real instants`);
  const inPeriod = (r: Item<ReadingPayload>): boolean =>
    !periodOk || (compareText(r.payload.start, start) >= 0 && compareText(r.payload.end, end) <= 0);
  const readings = index.readings.filter((r) => isTenantReading(index, statement.tenant, r) && inPeriod(r));
  const readingHashes = new Set(readings.map((r) => r.leafHash));
  const allocations = index.allocations.filter((a) => readingHashes.has(a.payload.sink));
  return { tenant: statement.tenant, periodOk, readings, readingHashes, allocations };
}

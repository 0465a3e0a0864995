/**
 * A claim's energy as certificate slices (docs/exports.md "Certificate
 * ids"): per claimed allocation, its source device and hour and a range of
 * 1 Wh certificate ids. Ids are derived from the log alone: the source
 * reading's seq × 2^32 plus the Wh of the allocations before it in its
 * settlement (which holds every allocation of that reading, other tenants'
 * too), so the same energy always gets the same ids and no two
 * allocations of a device share one. Call only with a claim bundle that
 * verified (verified.ts claimFacts).
 */
import { GridproofError } from '../../errors.ts';
import { readingOf, resolveAllocation, type BundleIndex, type Placed } from '../bundle/bundle-index.ts';
import type { Bundle } from '../bundle/bundle-types.ts';
import { openEntries } from '../bundle/open-entries.ts';
import { Reasons } from '../bundle/reasons.ts';
import type { DevicePayload, Draw, ReadingPayload } from '../payloads.ts';

/** Wh of one reading fit below 2^32, so ids of consecutive readings never meet. */
const PER_READING = 2n ** 32n;

export interface Slice {
  allocation: string;
  device: DevicePayload;
  reading: ReadingPayload;
  start: string;
  end: string;
  wh: bigint;
  /** Inclusive certificate id range. */
  first: bigint;
  last: bigint;
  draws: Draw[];
}

export function sliceOf(index: BundleIndex, allocation: Placed): Slice {
  const reading = readingOf(index, allocation.source)!.payload;
  const device = index.devices.get(reading.device)!.payload;
  if (BigInt(reading.exportWh) >= PER_READING)
    throw new GridproofError('bad-bundle', `reading ${reading.device}#${reading.seq} exports 2^32 Wh or more: its certificate ids would not fit`);
  const before = (index.held.get(allocation.settlement.leafHash) ?? [])
    .filter((a) => a.source === allocation.source && a.position < allocation.position)
    .reduce((s, a) => s + BigInt(a.wh), 0n);
  const first = BigInt(reading.seq) * PER_READING + before;
  const wh = BigInt(allocation.wh);
  // JSON readers take integers as doubles: ids stay below 2^53 (seq below 2^21, 239 years of hours).
  if (first + wh > BigInt(Number.MAX_SAFE_INTEGER))
    throw new GridproofError('bad-bundle', `reading ${reading.device}#${reading.seq}: its certificate ids would pass 2^53`);
  return {
    allocation: allocation.id,
    device,
    reading,
    start: allocation.settlement.payload.start,
    end: allocation.settlement.payload.end,
    wh,
    first,
    last: first + wh - 1n,
    draws: allocation.draws ?? [],
  };
}

export interface ClaimedEnergy {
  index: BundleIndex;
  slices: Slice[];
}

export function claimedEnergy(bundle: Bundle, origin: string): ClaimedEnergy {
  const index = openEntries(bundle.entries, origin, undefined, new Reasons());
  const claim = index.claims.find((c) => c.payload.tenant === bundle.statement.tenant)!;
  const slices = claim.payload.allocations.map((id) => sliceOf(index, resolveAllocation(index, id) as Placed));
  return { index, slices };
}

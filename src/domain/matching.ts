/**
 * Matching one closed interval in one bidding zone (docs/design.md §5):
 * which supply reading gives how many Wh to which demand reading, as the
 * interval's one settlement entry. Pure and deterministic: the same input in
 * any order gives the same payload, byte for byte, so a repeated run writes
 * identical entries. Signing it is the caller's; settlement.ts then re-checks
 * it and names the new green lots after its leaf hash.
 *
 * Choices the design (docs/design.md §5) leaves open:
 * - A storage reading may both charge (import) and discharge (export) in one
 *   interval. Its green supply is min(export, green charge held before the
 *   interval): charge logged in this interval is never drawn in it.
 * - Storage discharge never charges storage. A green round trip through two
 *   batteries would only add losses, and it would let one Wh of generation be
 *   stored twice in one interval. A storage device therefore never supplies
 *   itself either.
 * - The capacity limit of a charge counts the device's lots as they were
 *   before the interval, not after this interval's draws: within the hour the
 *   charge may have come before the discharge, so the attributed state of
 *   charge stays within [0, capacity] at every instant (EnergyTag GC Scheme
 *   Standard: storage state of charge bounded by the energy capacity).
 * - A contract's share cap is on the source's supply: export for wind and
 *   solar, the green supply for storage.
 * - The export of a consumption meter and the import of a generator
 *   (auxiliary consumption) are neither supply nor demand here.
 */
import { compareText } from './compare.ts';
import { prepareInterval, type IntervalInput, type MatchReading } from './interval-input.ts';
import type { Allocation, HashB64, SettledSource, SettlementPayload } from './payloads.ts';
import { splitProRata } from './pro-rata.ts';
import { chargeCapWh, heldWh, lotWh, takeFifo, type GreenLot, type StorageSpec } from './storage-lots.ts';
import { minWh } from './wh.ts';

export type { GreenLot, IntervalInput, MatchContract, MatchReading, StorageSpec } from './interval-input.ts';

interface Source {
  reading: MatchReading;
  supply: bigint;
  remaining: bigint;
}

interface Sink {
  reading: MatchReading;
  remaining: bigint;
}

interface Planned {
  source: Source;
  sink: Sink;
  wh: bigint;
  contract?: HashB64;
}

/** Gives `amount` (or less) of a source's remaining supply to sinks pro rata to their caps. */
function serve(source: Source, sinks: readonly Sink[], caps: readonly bigint[], amount: bigint, contract?: HashB64): Planned[] {
  const shares = splitProRata(
    minWh(amount, source.remaining),
    sinks.map((sink, i) => ({ key: sink.reading.leafHash, cap: caps[i] ?? 0n })),
  );
  const planned: Planned[] = [];
  sinks.forEach((sink, i) => {
    const wh = shares[i] ?? 0n;
    if (wh === 0n) return;
    source.remaining -= wh;
    sink.remaining -= wh;
    planned.push(contract === undefined ? { source, sink, wh } : { source, sink, wh, contract });
  });
  return planned;
}

/**
 * Plans the settlement of one interval: contracts first, then the pool to
 * tenants, then what tenants left to storage charging. Every supply reading
 * with export is listed, by leaf hash, even when nothing of it was matched.
 * Within a source: contract allocations in service order, then the others by
 * sink leaf hash. No allocation is of zero Wh. Undefined when the interval
 * has no supply.
 */
export function planInterval(input: IntervalInput): SettlementPayload | undefined {
  const { readings, contracts, queues, specOf } = prepareInterval(input);

  // Sources in leaf-hash order (Map keeps insertion order), keyed by device for contracts.
  const sources = new Map<string, Source>();
  const tenantSinks: Sink[] = [];
  const storageSinks: Array<Sink & { spec: StorageSpec }> = [];
  for (const reading of readings) {
    if (reading.deviceType === 'consumption') {
      if (reading.importWh > 0n) tenantSinks.push({ reading, remaining: reading.importWh });
      continue;
    }
    const isStorage = reading.deviceType === 'storage';
    const supply = isStorage ? minWh(reading.exportWh, heldWh(queues.get(reading.device))) : reading.exportWh;
    if (reading.exportWh > 0n) sources.set(reading.device, { reading, supply, remaining: supply });
    if (isStorage && reading.importWh > 0n) {
      storageSinks.push({ reading, remaining: reading.importWh, spec: specOf(reading.device) });
    }
  }
  if (sources.size === 0) return undefined;

  // 1. Contracts (PPAs), in priority order: each takes what its share allows.
  const contracted: Planned[] = [];
  for (const contract of contracts) {
    const source = sources.get(contract.device);
    if (source === undefined) continue;
    const share = contract.shareBp === undefined ? source.remaining : (source.supply * BigInt(contract.shareBp)) / 10000n;
    const sinks = tenantSinks.filter((sink) => sink.reading.owner === contract.tenant);
    contracted.push(
      ...serve(
        source,
        sinks,
        sinks.map((s) => s.remaining),
        share,
        contract.leafHash,
      ),
    );
  }

  // 2. The pool to tenants: each source in turn, pro rata to the sinks' remaining import.
  const pool = new Map<Source, Planned[]>();
  for (const source of sources.values()) {
    pool.set(
      source,
      serve(
        source,
        tenantSinks,
        tenantSinks.map((s) => s.remaining),
        source.remaining,
      ),
    );
  }

  // 3. Storage charges green only from what tenants did not take, and only from generation.
  const charges = new Map<Source, Planned[]>();
  const held = new Map(storageSinks.map((s) => [s.reading.device, heldWh(queues.get(s.reading.device))]));
  for (const source of sources.values()) {
    if (source.reading.deviceType === 'storage' || storageSinks.length === 0) continue;
    const caps = storageSinks.map((s) => minWh(s.remaining, chargeCapWh(s.spec, held.get(s.reading.device) ?? 0n)));
    const charged = serve(source, storageSinks, caps, source.remaining);
    for (const planned of charged) {
      const device = planned.sink.reading.device;
      held.set(device, (held.get(device) ?? 0n) + lotWh(planned.wh, specOf(device).efficiencyBp));
    }
    charges.set(source, charged);
  }

  const byContract = new Map<Source, Planned[]>();
  for (const planned of contracted) {
    const list = byContract.get(planned.source);
    if (list) list.push(planned);
    else byContract.set(planned.source, [planned]);
  }
  // Both lists follow their sinks' leaf-hash order already: merge them.
  const planned = [...sources.values()].map((source) => [...(byContract.get(source) ?? []), ...bySink(pool.get(source) ?? [], charges.get(source) ?? [])]);
  // Readings are in leaf-hash order, so the sinks listed are too.
  const sinkAt = new Map<Sink, number>();
  for (const sink of [...tenantSinks, ...storageSinks].sort((a, b) => compareText(a.reading.leafHash, b.reading.leafHash))) {
    if (sink.remaining < sink.reading.importWh) sinkAt.set(sink, sinkAt.size);
  }
  const settled: SettledSource[] = [...sources.values()].map((source, s) => {
    const lots = source.reading.deviceType === 'storage' ? (queues.get(source.reading.device) ?? []) : undefined;
    return {
      allocatedWh: String(source.supply - source.remaining),
      allocations: planned[s]!.map((p) => toAllocation(p, sinkAt.get(p.sink)!, lots)),
      reading: source.reading.leafHash,
      supplyWh: String(source.reading.exportWh),
    };
  });
  const sinks = [...sinkAt.keys()].map((sink) => sink.reading.leafHash);
  // Members in canonical (sorted) order, so canonicalJson need not copy the payload.
  return { end: input.end, kind: 'settlement', log: input.log, sinks, sources: settled, start: input.start, zone: input.zone };
}

/** Merges two lists, each ordered by sink leaf hash, into one. */
function bySink(a: readonly Planned[], b: readonly Planned[]): Planned[] {
  if (b.length === 0) return [...a];
  const merged: Planned[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && compareText(a[i]!.sink.reading.leafHash, b[j]!.sink.reading.leafHash) < 0) ? a[i++]! : b[j++]!;
    merged.push(next);
  }
  return merged;
}

/** A storage source's draws are taken in its allocation order, so its lots are consumed FIFO. */
function toAllocation(planned: Planned, sink: number, lots: GreenLot[] | undefined): Allocation {
  const { wh, contract } = planned;
  const at = { sink, wh: String(wh) };
  // Members in canonical (sorted) order: contract, draws, sink, wh.
  const draws = lots === undefined ? undefined : takeFifo(lots, wh);
  if (contract === undefined) return draws === undefined ? at : { draws, ...at };
  return draws === undefined ? { contract, ...at } : { contract, draws, ...at };
}

/**
 * Step A of matching one closed interval in one bidding zone (DESIGN.md
 * "Matching"): which supply reading gives how many Wh to which demand reading.
 * Pure and deterministic: the same input in any order gives the same payloads,
 * byte for byte, so a repeated run writes identical entries. Signing the
 * payloads, and so their leaf hashes, is the caller's; step B
 * (settlement.ts) then needs those leaf hashes for the settlements and lots.
 *
 * Choices beyond DESIGN.md:
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
import type { AllocationPayload, HashB64 } from './payloads.ts';
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
 * Plans the allocations of one interval: contracts first, then the pool to
 * tenants, then what tenants left to storage charging. Output order: contract
 * allocations in service order (sinks by leaf hash), then pool allocations by
 * (source, sink) leaf hash. No allocation is of zero Wh.
 */
export function planInterval(input: IntervalInput): AllocationPayload[] {
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
    if (supply > 0n) sources.set(reading.device, { reading, supply, remaining: supply });
    if (isStorage && reading.importWh > 0n) {
      storageSinks.push({ reading, remaining: reading.importWh, spec: specOf(reading.device) });
    }
  }

  // 1. Contracts (PPAs), in priority order: each takes what its share allows.
  const byContract: Planned[] = [];
  for (const contract of contracts) {
    const source = sources.get(contract.device);
    if (source === undefined) continue;
    const share = contract.shareBp === undefined ? source.remaining : (source.supply * BigInt(contract.shareBp)) / 10000n;
    const sinks = tenantSinks.filter((sink) => sink.reading.owner === contract.tenant);
    byContract.push(...serve(source, sinks, sinks.map((s) => s.remaining), share, contract.leafHash));
  }

  // 2. The pool to tenants: each source in turn, pro rata to the sinks' remaining import.
  const pool: Planned[] = [];
  for (const source of sources.values()) {
    pool.push(...serve(source, tenantSinks, tenantSinks.map((s) => s.remaining), source.remaining));
  }

  // 3. Storage charges green only from what tenants did not take, and only from generation.
  const held = new Map(storageSinks.map((s) => [s.reading.device, heldWh(queues.get(s.reading.device))]));
  for (const source of sources.values()) {
    if (source.reading.deviceType === 'storage') continue;
    const caps = storageSinks.map((s) => minWh(s.remaining, chargeCapWh(s.spec, held.get(s.reading.device) ?? 0n)));
    for (const planned of serve(source, storageSinks, caps, source.remaining)) {
      const device = planned.sink.reading.device;
      held.set(device, (held.get(device) ?? 0n) + lotWh(planned.wh, specOf(device).efficiencyBp));
      pool.push(planned);
    }
  }
  pool.sort(
    (a, b) =>
      compareText(a.source.reading.leafHash, b.source.reading.leafHash) ||
      compareText(a.sink.reading.leafHash, b.sink.reading.leafHash),
  );

  return [...byContract, ...pool].map((planned) => toPayload(input, planned, queues));
}

/** Draws are taken in output order, so a source's lots are consumed FIFO across its allocations. */
function toPayload(input: IntervalInput, planned: Planned, queues: Map<string, GreenLot[]>): AllocationPayload {
  const { source, sink, wh, contract } = planned;
  const payload: AllocationPayload = {
    kind: 'allocation',
    log: input.log,
    start: input.start,
    end: input.end,
    zone: input.zone,
    source: source.reading.leafHash,
    sink: sink.reading.leafHash,
    wh: String(wh),
    rule: contract === undefined ? 'pool' : 'contract',
  };
  if (contract !== undefined) payload.contract = contract;
  if (source.reading.deviceType === 'storage') payload.draws = takeFifo(queues.get(source.reading.device) ?? [], wh);
  return payload;
}

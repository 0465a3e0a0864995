/**
 * Between the database rows of a matching window and the pure matching
 * functions: interval inputs from rows, projection rows from sealed entries.
 */
import { toBase64 } from '../crypto/base64.ts';
import type { ContractRow, IntervalReadingRow, LotRow } from '../db/matching.ts';
import type { Database } from '../db/schema.ts';
import { allocationId, parseAllocationId } from '../domain/allocation-id.ts';
import type { GreenLot, IntervalInput, MatchContract, MatchReading, StorageSpec } from '../domain/matching.ts';
import type { DeviceType, SettlementPayload } from '../domain/payloads.ts';
import { lotWh } from '../domain/storage-lots.ts';
import { formatInstant } from '../domain/time.ts';
import type { Appended } from './append.ts';

export function matchReading(row: IntervalReadingRow): MatchReading {
  return {
    leafHash: toBase64(row.leaf_hash),
    device: row.device_id,
    deviceType: row.type as DeviceType,
    owner: row.owner,
    importWh: BigInt(row.import_wh),
    exportWh: BigInt(row.export_wh),
  };
}

/** Contracts valid over the whole interval [start, end). */
export function contractsFor(rows: readonly ContractRow[], start: Date, end: Date): MatchContract[] {
  return rows
    .filter((c) => c.valid_from <= start && (c.valid_until === null || c.valid_until >= end))
    .map((c) => ({
      leafHash: toBase64(c.leaf_hash),
      device: c.device_id,
      tenant: c.tenant_id,
      priority: c.priority,
      ...(c.share_bp === null ? {} : { shareBp: c.share_bp }),
    }));
}

export function storageSpecs(rows: ReadonlyArray<{ id: string; efficiency_bp: number; energy_capacity_wh: number }>): StorageSpec[] {
  return rows.map((s) => ({ device: s.id, efficiencyBp: s.efficiency_bp, energyCapacityWh: BigInt(s.energy_capacity_wh) }));
}

export function greenLotsOf(rows: readonly LotRow[]): GreenLot[] {
  return rows.map((l) => ({ allocation: allocationId(toBase64(l.leaf_hash), l.position), device: l.device_id, remainingWh: BigInt(l.remaining_wh) }));
}

export function intervalInput(
  common: { log: string; zone: string; storage: StorageSpec[] },
  start: Date,
  end: Date,
  readings: MatchReading[],
  contracts: MatchContract[],
  lots: GreenLot[],
): IntervalInput {
  return { ...common, start: formatInstant(start), end: formatInstant(end), readings, contracts, lots };
}

/** Leaf hash (base64) → entry index, for the readings and settlements a window refers to. */
export type IndexOf = Map<string, number>;

const indexIn = (indexOf: IndexOf, hash: string): number => {
  const idx = indexOf.get(hash);
  if (idx === undefined) throw new Error(`matching: no entry index known for ${hash}`);
  return idx;
};

/** The rows projecting one appended settlement entry. */
export interface SettlementRows {
  settlement: Database['settlement'];
  sources: Array<Database['settled_source']>;
  charges: Array<Database['storage_charge']>;
  draws: Array<Database['allocation_draw']>;
}

/**
 * `storage` names the zone's storage devices by their readings' leaf hashes,
 * so a charge allocation is known by its sink. A late settlement allocates
 * nothing and has no charges or draws.
 */
export function settlementRows(entry: Appended, late: boolean, indexOf: IndexOf, storage: ReadonlyMap<string, StorageSpec>): SettlementRows {
  const payload = entry.payload as SettlementPayload;
  const rows: SettlementRows = {
    settlement: { entry_idx: entry.idx, start_at: new Date(payload.start), zone: payload.zone, late, source_idx: [], sink_idx: [], wh: [] },
    sources: [],
    charges: [],
    draws: [],
  };
  const { settlement } = rows;
  for (const source of payload.sources) {
    const sourceIdx = indexIn(indexOf, source.reading);
    rows.sources.push({ source_idx: sourceIdx, settlement_idx: entry.idx, supply_wh: Number(source.supplyWh), allocated_wh: Number(source.allocatedWh) });
    for (const allocation of source.allocations) {
      const position = settlement.wh.length;
      settlement.source_idx.push(sourceIdx);
      const sink = payload.sinks[allocation.sink]!;
      settlement.sink_idx.push(indexIn(indexOf, sink));
      settlement.wh.push(Number(allocation.wh));
      const spec = storage.get(sink);
      if (spec !== undefined) {
        rows.charges.push({ settlement_idx: entry.idx, position, device_id: spec.device, lot_wh: Number(lotWh(BigInt(allocation.wh), spec.efficiencyBp)) });
      }
      for (const draw of allocation.draws ?? []) {
        const charge = parseAllocationId(draw.allocation);
        rows.draws.push({
          settlement_idx: entry.idx,
          position,
          charge_settlement_idx: indexIn(indexOf, charge.settlement),
          charge_position: charge.position,
          wh: Number(draw.wh),
        });
      }
    }
  }
  return rows;
}

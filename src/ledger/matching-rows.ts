/**
 * Between the database rows of a matching window and the pure matching
 * functions: interval inputs from rows, projection rows from sealed entries.
 */
import { toBase64 } from '../crypto/base64.ts';
import type { ContractRow, IntervalReadingRow, LotRow } from '../db/matching.ts';
import type { Database } from '../db/schema.ts';
import type { GreenLot, IntervalInput, MatchContract, MatchReading, StorageSpec } from '../domain/matching.ts';
import type { AllocationPayload, DeviceType, SettlementPayload } from '../domain/payloads.ts';
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
  return rows.map((l) => ({ allocation: toBase64(l.leaf_hash), device: l.device_id, remainingWh: BigInt(l.remaining_wh) }));
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

/** Leaf hash (base64) → entry index, for the readings, contracts and allocations a window refers to. */
export type IndexOf = Map<string, number>;

export function allocationRow(entry: Appended, indexOf: IndexOf): Database['allocation'] {
  const payload = entry.payload as AllocationPayload;
  return {
    entry_idx: entry.idx,
    start_at: new Date(payload.start),
    zone: payload.zone,
    source_idx: indexOf.get(payload.source)!,
    sink_idx: indexOf.get(payload.sink)!,
    wh: Number(payload.wh),
    rule: payload.rule,
    contract_idx: payload.contract === undefined ? null : indexOf.get(payload.contract)!,
  };
}

export function drawRows(entry: Appended, indexOf: IndexOf): Array<Database['allocation_draw']> {
  return ((entry.payload as AllocationPayload).draws ?? []).map((draw) => ({
    allocation_idx: entry.idx,
    charge_idx: indexOf.get(draw.allocation)!,
    wh: Number(draw.wh),
  }));
}

export function settlementRow(entry: Appended, indexOf: IndexOf): Database['settlement'] {
  const payload = entry.payload as SettlementPayload;
  return {
    entry_idx: entry.idx,
    source_idx: indexOf.get(payload.source)!,
    supply_wh: Number(payload.supplyWh),
    allocated_wh: Number(payload.allocatedWh),
  };
}

/**
 * Matching's row mapping: a window's database rows into the values the
 * planner takes (readings by column, contract spans, storage specs, green
 * lots), and a planned settlement's projection back into rows.
 */
import { toBase64 } from '../crypto/base64.ts';
import type { ContractRow, IntervalReadingRow, LotRow, SettlementInsert, ZoneDevice } from './matching.ts';
import type { Database } from './schema.ts';
import { allocationId } from '../domain/allocation-id.ts';
import type { GreenLot, MatchContract, StorageSpec } from '../domain/matching.ts';

/**
 * A window's readings as the planner takes them, by column. The typed arrays
 * move to the worker thread without a copy and the main thread converts
 * nothing; a database row's leaf hash, sent as it is, is a view on a larger
 * buffer that would be copied whole.
 */
export interface WindowReadings {
  entryIdx: Float64Array;
  startMs: Float64Array;
  importWh: Float64Array;
  exportWh: Float64Array;
  /** 32 bytes per reading. */
  leafHashes: Uint8Array;
  device: string[];
}

export function windowReadingColumns(rows: readonly IntervalReadingRow[]): WindowReadings {
  const n = rows.length;
  const columns: WindowReadings = {
    entryIdx: new Float64Array(n),
    startMs: new Float64Array(n),
    importWh: new Float64Array(n),
    exportWh: new Float64Array(n),
    leafHashes: new Uint8Array(32 * n),
    device: [],
  };
  rows.forEach((row, i) => {
    columns.entryIdx[i] = row.entry_idx;
    columns.startMs[i] = row.start_ms;
    columns.importWh[i] = row.import_wh;
    columns.exportWh[i] = row.export_wh;
    columns.leafHashes.set(row.leaf_hash, 32 * i);
    columns.device.push(row.device_id);
  });
  return columns;
}

/** A contract and its validity [from, until), in ms: plain values, to pass to the worker thread. */
export interface ContractSpan {
  contract: MatchContract;
  fromMs: number;
  untilMs: number | null;
}

export function contractSpan(row: ContractRow): ContractSpan {
  const contract: MatchContract = {
    leafHash: toBase64(row.leaf_hash),
    device: row.device_id,
    tenant: row.tenant_id,
    priority: row.priority,
    ...(row.share_bp === null ? {} : { shareBp: row.share_bp }),
  };
  return { contract, fromMs: row.valid_from.getTime(), untilMs: row.valid_until === null ? null : row.valid_until.getTime() };
}

/** The storage devices' specs; the database holds both figures for every storage device and only for those. */
export function storageSpecs(devices: readonly ZoneDevice[]): StorageSpec[] {
  return devices
    .filter((d) => d.type === 'storage')
    .map((d) => ({ device: d.id, efficiencyBp: d.efficiency_bp!, energyCapacityWh: BigInt(d.energy_capacity_wh!) }));
}

export function greenLotsOf(rows: readonly LotRow[]): GreenLot[] {
  return rows.map((l) => ({ allocation: allocationId(toBase64(l.leaf_hash), l.position), device: l.device_id, remainingWh: BigInt(l.remaining_wh) }));
}

/** Leaf hash (base64) → entry index, for the readings and settlements a window refers to. */
export type IndexOf = Map<string, number>;

/** The entry index of `hash`; every hash a settlement names is known, so a missing one is a bug. */
export function indexIn(indexOf: IndexOf, hash: string): number {
  const idx = indexOf.get(hash);
  if (idx === undefined) throw new Error(`matching: no entry index known for ${hash}`);
  return idx;
}

/**
 * What one settlement entry projects to, short of the settlement's own index
 * (known once it is appended): its allocations as parallel arrays of reading
 * indexes and Wh, its settled sources, storage charges and draws. Draws name
 * the charge's settlement by leaf hash; it may be in the same window.
 */
export interface SettlementProjection {
  start_at: Date;
  zone: string;
  /** Typed arrays: they move from the worker thread without a copy. */
  source_idx: Float64Array;
  sink_idx: Float64Array;
  wh: Float64Array;
  sources: Array<{ source_idx: number; supply_wh: number; allocated_wh: number }>;
  charges: Array<{ position: number; device_id: string; lot_wh: number }>;
  draws: Array<{ position: number; charge_settlement: string; charge_position: number; wh: number }>;
}

/** The rows projecting one appended settlement entry. */
export interface SettlementRows {
  settlement: SettlementInsert;
  sources: Array<Database['settled_source']>;
  charges: Array<Database['storage_charge']>;
  draws: Array<Database['allocation_draw']>;
}

/** The rows of a settlement appended at `idx`; `settlements` gives the index of each settlement a draw names. A late settlement allocates nothing. */
export function settlementRows(projection: SettlementProjection, idx: number, late: boolean, settlements: IndexOf): SettlementRows {
  const { start_at, zone, source_idx, sink_idx, wh } = projection;
  return {
    settlement: { entry_idx: idx, start_at, zone, late, source_idx, sink_idx, wh },
    sources: projection.sources.map((source) => ({ ...source, settlement_idx: idx })),
    charges: projection.charges.map((charge) => ({ ...charge, settlement_idx: idx })),
    draws: projection.draws.map(({ position, charge_settlement, charge_position, wh }) => ({
      settlement_idx: idx,
      position,
      charge_settlement_idx: indexIn(settlements, charge_settlement),
      charge_position,
      wh,
    })),
  };
}

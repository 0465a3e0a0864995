/**
 * What a matching run reads and writes: the readings, contracts, storage and
 * green lots of one interval and zone, and the allocation, settlement and
 * matched-interval projections.
 */
import { sql } from 'kysely';
import type { Db, Tx } from './log.ts';
import type { Database } from './schema.ts';

export interface IntervalKey {
  start_at: Date;
  zone: string;
}

/** The zone's latest matched interval start, as SQL, for a reading joined with its device. */
const frontierOf = sql<Date | null>`(select max(m.start_at) from matched_interval m where m.zone = device.bidding_zone)`;

/** Intervals with readings that end by `until`, after their zone's matching frontier, oldest first. */
export async function pendingIntervals(db: Db, until: Date): Promise<IntervalKey[]> {
  return db
    .selectFrom('reading')
    .innerJoin('device', 'device.id', 'reading.device_id')
    .select(['reading.start_at', 'device.bidding_zone as zone'])
    .distinct()
    .where('reading.end_at', '<=', until)
    .where(sql<boolean>`reading.start_at > coalesce(${frontierOf}, '-infinity')`)
    .orderBy('reading.start_at')
    .orderBy('zone')
    .execute();
}

/** Each zone's latest matched interval start (its matching frontier), in ms. */
export async function matchingFrontiers(db: Db | Tx, zones: readonly string[]): Promise<Map<string, number>> {
  if (zones.length === 0) return new Map();
  const rows = await db
    .selectFrom('matched_interval')
    .select(['zone', (eb) => eb.fn.max('start_at').as('latest')])
    .where('zone', 'in', [...new Set(zones)])
    .groupBy('zone')
    .execute();
  return new Map(rows.map((row) => [row.zone, new Date(row.latest).getTime()]));
}

export interface IntervalReadingRow {
  entry_idx: number;
  leaf_hash: Uint8Array;
  start_at: Date;
  device_id: string;
  type: string;
  owner: string;
  import_wh: number;
  export_wh: number;
}

/** The zone's readings of these intervals, in one query. */
export async function windowReadings(tx: Tx, zone: string, starts: readonly Date[]): Promise<IntervalReadingRow[]> {
  if (starts.length === 0) return [];
  return tx
    .selectFrom('reading')
    .innerJoin('device', 'device.id', 'reading.device_id')
    .innerJoin('entry', 'entry.idx', 'reading.entry_idx')
    .select(['reading.entry_idx', 'entry.leaf_hash', 'reading.start_at', 'reading.device_id', 'device.type', 'device.owner', 'reading.import_wh', 'reading.export_wh'])
    .where('device.bidding_zone', '=', zone)
    .where('reading.start_at', 'in', [...starts])
    .execute();
}

export async function storageDevices(tx: Tx, zone: string): Promise<Array<{ id: string; efficiency_bp: number; energy_capacity_wh: number }>> {
  const rows = await tx
    .selectFrom('device')
    .select(['id', 'efficiency_bp', 'energy_capacity_wh'])
    .where('type', '=', 'storage')
    .where('bidding_zone', '=', zone)
    .execute();
  return rows.map((row) => ({ id: row.id, efficiency_bp: row.efficiency_bp!, energy_capacity_wh: row.energy_capacity_wh! }));
}

/** A contract row with its entry's leaf hash. */
export type ContractRow = Omit<Database['contract'], 'id'> & { leaf_hash: Uint8Array };

/** Every contract over the zone's devices; the caller keeps those valid for each interval. */
export async function zoneContracts(tx: Tx, zone: string): Promise<ContractRow[]> {
  return tx
    .selectFrom('contract')
    .innerJoin('entry', 'entry.idx', 'contract.entry_idx')
    .innerJoin('device', 'device.id', 'contract.device_id')
    .select([
      'contract.entry_idx',
      'entry.leaf_hash',
      'contract.device_id',
      'contract.tenant_id',
      'contract.priority',
      'contract.share_bp',
      'contract.valid_from',
      'contract.valid_until',
    ])
    .where('device.bidding_zone', '=', zone)
    .execute();
}

export interface LotRow {
  entry_idx: number;
  leaf_hash: Uint8Array;
  device_id: string;
  remaining_wh: number;
}

/**
 * Green charge still held by the zone's storage before `start`, FIFO
 * (oldest charge first): each charge allocation after losses, less its draws.
 */
export async function greenLots(tx: Tx, zone: string, start: Date): Promise<LotRow[]> {
  const result = await sql<LotRow>`
    select a.entry_idx, e.leaf_hash, r.device_id,
           (a.wh * d.efficiency_bp / 10000) - coalesce((select sum(x.wh) from allocation_draw x where x.charge_idx = a.entry_idx), 0) as remaining_wh
      from allocation a
      join entry e on e.idx = a.entry_idx
      join reading r on r.entry_idx = a.sink_idx
      join device d on d.id = r.device_id
     where d.type = 'storage' and d.bidding_zone = ${zone} and a.start_at < ${start}
       and (a.wh * d.efficiency_bp / 10000) > coalesce((select sum(x.wh) from allocation_draw x where x.charge_idx = a.entry_idx), 0)
     order by r.device_id, a.entry_idx`.execute(tx);
  return result.rows.map((row) => ({ ...row, entry_idx: Number(row.entry_idx), remaining_wh: Number(row.remaining_wh) }));
}

/** Rows per INSERT: well under PostgreSQL's 65,535 bind parameters. */
const CHUNK = 1000;

async function insertChunked<T extends 'allocation' | 'allocation_draw' | 'settlement' | 'matched_interval'>(
  tx: Tx,
  table: T,
  rows: ReadonlyArray<Database[T]>,
): Promise<void> {
  for (let offset = 0; offset < rows.length; offset += CHUNK) {
    await tx
      .insertInto(table)
      .values(rows.slice(offset, offset + CHUNK) as never)
      .execute();
  }
}

export const insertAllocations = (tx: Tx, rows: ReadonlyArray<Database['allocation']>) => insertChunked(tx, 'allocation', rows);
export const insertDraws = (tx: Tx, rows: ReadonlyArray<Database['allocation_draw']>) => insertChunked(tx, 'allocation_draw', rows);
export const insertSettlements = (tx: Tx, rows: ReadonlyArray<Database['settlement']>) => insertChunked(tx, 'settlement', rows);
export const insertMatchedIntervals = (tx: Tx, rows: ReadonlyArray<Database['matched_interval']>) => insertChunked(tx, 'matched_interval', rows);

export interface LateSupplyRow {
  entry_idx: number;
  leaf_hash: Uint8Array;
  start_at: Date;
  end_at: Date;
  export_wh: number;
}

/**
 * Supply readings at or before their zone's matching frontier that have no
 * settlement: they arrived late, and are never matched.
 */
export async function unsettledLateSupply(tx: Tx): Promise<LateSupplyRow[]> {
  return tx
    .selectFrom('reading')
    .innerJoin('device', 'device.id', 'reading.device_id')
    .innerJoin('entry', 'entry.idx', 'reading.entry_idx')
    .leftJoin('settlement', 'settlement.source_idx', 'reading.entry_idx')
    .select(['reading.entry_idx', 'entry.leaf_hash', 'reading.start_at', 'reading.end_at', 'reading.export_wh'])
    .where('device.type', 'in', ['wind', 'solar', 'storage'])
    .where('reading.export_wh', '>', 0)
    .where('settlement.entry_idx', 'is', null)
    .where(sql<boolean>`reading.start_at <= ${frontierOf}`)
    .orderBy('reading.entry_idx')
    .execute();
}

/**
 * What a matching run reads and writes: the readings, contracts, storage and
 * green lots of one interval and zone, and the settlement, settled-source,
 * storage-charge, draw and matched-interval projections.
 */
import { sql } from 'kysely';
import type { Db, Tx } from './log.ts';
import type { Database } from './schema.ts';
import { earliestFrontier, withZoneFrontier } from './zone-frontier.ts';

export interface IntervalKey {
  start_at: Date;
  zone: string;
}

/**
 * Intervals with readings that end by `until`, after their zone's last
 * matched interval, oldest first. Bounded below by the earliest zone's
 * frontier, a constant the planner sees, so a pass reads the readings not
 * matched yet and not the log's whole history (docs/design.md §10).
 */
export async function pendingIntervals(db: Db, until: Date): Promise<IntervalKey[]> {
  const earliest = await earliestFrontier(db);
  let query = withZoneFrontier(db)
    .selectFrom('reading')
    .innerJoin('device', 'device.id', 'reading.device_id')
    .innerJoin('frontier', 'frontier.zone', 'device.bidding_zone')
    .select(['reading.start_at', 'device.bidding_zone as zone'])
    .distinct()
    .where('reading.end_at', '<=', until)
    .where(sql<boolean>`reading.start_at > coalesce(frontier.latest, '-infinity')`);
  if (earliest !== null) query = query.where('reading.start_at', '>', earliest);
  return query.orderBy('reading.start_at').orderBy('zone').execute();
}

/** Each zone's latest matched interval start, in ms; a zone never matched has none. */
export async function lastMatchedStarts(db: Db | Tx, zones: readonly string[]): Promise<Map<string, number>> {
  if (zones.length === 0) return new Map();
  const { rows } = await sql<{ zone: string; latest: Date | null }>`
    select z.zone, gridproof_last_matched(z.zone) as latest from unnest(${[...new Set(zones)]}::text[]) as z (zone)`.execute(db);
  return new Map(rows.flatMap((row) => (row.latest === null ? [] : [[row.zone, new Date(row.latest).getTime()] as const])));
}

export interface IntervalReadingRow {
  entry_idx: number;
  leaf_hash: Uint8Array;
  /** The interval start in ms since the epoch: a number parses faster than a timestamp, thousands of times per window. */
  start_ms: number;
  device_id: string;
  import_wh: number;
  export_wh: number;
}

/**
 * The zone's readings of these intervals, in one query. A range over
 * (device, start) rather than a list of starts: the planner then reads each
 * device's readings of the window from its unique index, where a list made it
 * read all of a device's readings (a year's worth per window).
 */
export async function windowReadings(db: Db | Tx, zone: string, starts: readonly Date[]): Promise<IntervalReadingRow[]> {
  if (starts.length === 0) return [];
  const wanted = new Set(starts.map((start) => start.getTime()));
  const times = [...wanted];
  const rows = await db
    .selectFrom('reading')
    .innerJoin('device', 'device.id', 'reading.device_id')
    .select([
      'reading.entry_idx',
      'reading.leaf_hash',
      sql<number>`(extract(epoch from reading.start_at) * 1000)::int8`.as('start_ms'),
      'reading.device_id',
      'reading.import_wh',
      'reading.export_wh',
    ])
    .where('device.bidding_zone', '=', zone)
    .where('reading.start_at', '>=', new Date(Math.min(...times)))
    .where('reading.start_at', '<=', new Date(Math.max(...times)))
    .execute();
  return rows.filter((row) => wanted.has(row.start_ms));
}

export interface ZoneDevice {
  id: string;
  type: string;
  owner: string;
  /** Set for storage only (a device CHECK). */
  efficiency_bp: number | null;
  energy_capacity_wh: number | null;
}

/** The zone's devices, with what matching needs of each: every reading's type and owner, and the storage specs. */
export async function zoneDevices(db: Db | Tx, zone: string): Promise<ZoneDevice[]> {
  return db.selectFrom('device').select(['id', 'type', 'owner', 'efficiency_bp', 'energy_capacity_wh']).where('bidding_zone', '=', zone).execute();
}

/** How many readings a window has and the last logged, and the zone's last contract: what a plan saw. */
export interface WindowFingerprint {
  readings: number;
  lastReading: number;
  lastContract: number;
}

/** The fingerprint of the window now: the same selection as windowReadings and zoneContracts, aggregated. */
export async function windowFingerprint(tx: Tx, zone: string, starts: readonly Date[]): Promise<WindowFingerprint> {
  const times = starts.map((start) => start.getTime());
  const result = await sql<{ readings: number; last_reading: number; last_contract: number }>`
    select w.readings, w.last_reading,
           (select coalesce(max(c.entry_idx), -1) from contract c join device d on d.id = c.device_id where d.bidding_zone = ${zone}) as last_contract
      from (select count(*) as readings, coalesce(max(r.entry_idx), -1) as last_reading
              from reading r join device d on d.id = r.device_id
             where d.bidding_zone = ${zone}
               and r.start_at >= ${new Date(Math.min(...times))} and r.start_at <= ${new Date(Math.max(...times))}
               and r.start_at = any(${starts.map((start) => start.toISOString())}::timestamptz[])) w`.execute(tx);
  const row = result.rows[0]!;
  return { readings: Number(row.readings), lastReading: Number(row.last_reading), lastContract: Number(row.last_contract) };
}

/** A contract row with its entry's leaf hash. */
export type ContractRow = Omit<Database['contract'], 'id'> & { leaf_hash: Uint8Array };

/** Every contract over the zone's devices; the caller keeps those valid for each interval. */
export async function zoneContracts(db: Db | Tx, zone: string): Promise<ContractRow[]> {
  return db
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
  settlement_idx: number;
  /** The settlement entry's leaf hash: with the position, the charge allocation's id. */
  leaf_hash: Uint8Array;
  position: number;
  device_id: string;
  remaining_wh: number;
}

/**
 * Green charge still held by the zone's storage before `start`, FIFO
 * (oldest charge first): each charge's lot after losses, less its draws.
 */
export async function greenLots(db: Db | Tx, zone: string, start: Date): Promise<LotRow[]> {
  const result = await sql<LotRow>`
    select c.settlement_idx, e.leaf_hash, c.position, c.device_id, c.lot_wh - coalesce(d.drawn, 0) as remaining_wh
      from storage_charge c
      join settlement s on s.entry_idx = c.settlement_idx
      join entry e on e.idx = c.settlement_idx
      join device v on v.id = c.device_id
      left join (select charge_settlement_idx, charge_position, sum(wh) as drawn
                   from allocation_draw group by charge_settlement_idx, charge_position) d
        on d.charge_settlement_idx = c.settlement_idx and d.charge_position = c.position
     where v.bidding_zone = ${zone} and s.start_at < ${start} and c.lot_wh > coalesce(d.drawn, 0)
     order by c.device_id, c.settlement_idx, c.position`.execute(db);
  return result.rows.map((row) => ({
    ...row,
    settlement_idx: Number(row.settlement_idx),
    position: Number(row.position),
    remaining_wh: Number(row.remaining_wh),
  }));
}

/** Rows per INSERT: well under PostgreSQL's 65,535 bind parameters. */
const CHUNK = 1000;

async function insertChunked<T extends 'storage_charge' | 'allocation_draw' | 'matched_interval'>(
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

/** A bigint[] literal of whole numbers: cheaper than the driver's escaping of each element. */
const bigintArray = (values: WholeNumbers) => sql<number[]>`${`{${values.join(',')}}`}::bigint[]`;

/** Whole numbers for a bigint[] column: an array, or a typed array moved from a worker of the shared pool (matching). */
export type WholeNumbers = readonly number[] | Float64Array;

/** A settlement row to insert; its allocation arrays may be typed arrays. */
export type SettlementInsert = Omit<Database['settlement'], 'source_idx' | 'sink_idx' | 'wh'> & {
  source_idx: WholeNumbers;
  sink_idx: WholeNumbers;
  wh: WholeNumbers;
};

/**
 * Settlement rows, their allocations as bigint arrays. One statement per
 * chunk of rows, so the invariant trigger runs once per chunk.
 */
export async function insertSettlements(tx: Tx, rows: ReadonlyArray<SettlementInsert>): Promise<void> {
  for (let offset = 0; offset < rows.length; offset += CHUNK) {
    await tx
      .insertInto('settlement')
      .values(
        rows.slice(offset, offset + CHUNK).map((row) => ({
          ...row,
          source_idx: bigintArray(row.source_idx),
          sink_idx: bigintArray(row.sink_idx),
          wh: bigintArray(row.wh),
        })),
      )
      .execute();
  }
}

/** Ten or more per interval: one statement of four array parameters, however many rows. */
export async function insertSettledSources(tx: Tx, rows: ReadonlyArray<Database['settled_source']>): Promise<void> {
  if (rows.length === 0) return;
  const column = (key: keyof Database['settled_source']) => bigintArray(rows.map((row) => row[key]));
  await sql`insert into settled_source (source_idx, settlement_idx, supply_wh, allocated_wh)
    select * from unnest(${column('source_idx')}, ${column('settlement_idx')}, ${column('supply_wh')}, ${column('allocated_wh')})`.execute(tx);
}

export const insertStorageCharges = (tx: Tx, rows: ReadonlyArray<Database['storage_charge']>) => insertChunked(tx, 'storage_charge', rows);
export const insertDraws = (tx: Tx, rows: ReadonlyArray<Database['allocation_draw']>) => insertChunked(tx, 'allocation_draw', rows);
export const insertMatchedIntervals = (tx: Tx, rows: ReadonlyArray<Database['matched_interval']>) => insertChunked(tx, 'matched_interval', rows);

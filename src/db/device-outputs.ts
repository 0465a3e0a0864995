/**
 * A generator's side of the log: its devices with their chain heads, and
 * where each hour's output of a device went, as its settlements record it.
 * Allocations are read from the settlement's parallel arrays, probed by
 * (start, zone) per reading as the tenant queries do (tenants.ts).
 */
import { sql } from 'kysely';
import type { Db } from './log.ts';

export interface OwnedDeviceRow {
  id: string;
  type: string;
  bidding_zone: string;
  capacity_w: number | string;
  eecs_technology: string | null;
  commissioning_date: Date | string;
  readings: number | string;
  head_seq: number | string | null;
  head_idx: number | string | null;
  head_leaf_hash: Uint8Array | null;
  head_end_at: Date | null;
}

/**
 * The owner's devices, each with its reading count and the latest reading
 * (its chain head), from device_chain (migration 013): seqs start at 0 with
 * no gaps, so a chain of head seq s holds s + 1 readings. Counting the rows
 * instead read all of a device's readings, 8,760 a year, on every page load.
 */
export async function ownedDevices(db: Db, ownerId: string): Promise<OwnedDeviceRow[]> {
  const { rows } = await sql<OwnedDeviceRow>`
    select device.id, device.type, device.bidding_zone, device.capacity_w, device.eecs_technology, device.commissioning_date,
           coalesce(head.seq + 1, 0) as readings,
           head.seq as head_seq, head.entry_idx as head_idx, head.leaf_hash as head_leaf_hash, head.end_at as head_end_at
      from device
      left join device_chain head on head.device_id = device.id
     where device.owner = ${ownerId}
     order by device.id`.execute(db);
  return rows;
}

export interface OutputReadingRow {
  entry_idx: number | string;
  seq: number | string;
  leaf_hash: Uint8Array;
  start_at: Date;
  end_at: Date;
  import_wh: number | string;
  export_wh: number | string;
  settlement_idx: number | string | null;
  late: boolean | null;
  allocated_wh: number | string | null;
}

/** The device's readings with start in [from, to), with the settlement that settled each (if any yet). */
export async function deviceReadings(db: Db, deviceId: string, from: Date, to: Date): Promise<OutputReadingRow[]> {
  const { rows } = await sql<OutputReadingRow>`
    select r.entry_idx, r.seq, r.leaf_hash, r.start_at, r.end_at, r.import_wh, r.export_wh,
           ss.settlement_idx, s.late, ss.allocated_wh
      from reading r
      left join settled_source ss on ss.source_idx = r.entry_idx
      left join settlement s on s.entry_idx = ss.settlement_idx
     where r.device_id = ${deviceId} and r.start_at >= ${from} and r.start_at < ${to}
     order by r.start_at`.execute(db);
  return rows;
}

export interface OutputAllocationRow {
  source_idx: number | string;
  position: number | string;
  wh: number | string;
  sink_leaf_hash: Uint8Array;
  sink_device: string;
  sink_type: string;
  sink_owner: string;
}

/** Every allocation from the device's readings with start in [from, to), with the sink reading's device. */
export async function allocationsFrom(db: Db, deviceId: string, from: Date, to: Date): Promise<OutputAllocationRow[]> {
  const { rows } = await sql<OutputAllocationRow>`
    with source as (
      select r.entry_idx, r.start_at, d.bidding_zone as zone
        from reading r join device d on d.id = r.device_id
       where r.device_id = ${deviceId} and r.start_at >= ${from} and r.start_at < ${to}
    ),
    item as (
      select source.entry_idx as source_idx, p.subscript - 1 as position, s.sink_idx[p.subscript] as sink_idx, s.wh[p.subscript] as wh
        from source
       cross join lateral (select settlement.source_idx, settlement.sink_idx, settlement.wh
                             from settlement
                            where settlement.start_at = source.start_at and settlement.zone = source.zone and not settlement.late
                           offset 0) s
       cross join lateral unnest(array_positions(s.source_idx, source.entry_idx)) as p(subscript)
    )
    select item.source_idx, item.position, item.wh, sink.leaf_hash as sink_leaf_hash,
           sink.device_id as sink_device, d.type as sink_type, d.owner as sink_owner
      from item
      join reading sink on sink.entry_idx = item.sink_idx
      join device d on d.id = sink.device_id
     order by item.source_idx, item.position`.execute(db);
  return rows;
}

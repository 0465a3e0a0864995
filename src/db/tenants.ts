/**
 * A tenant's consumption, the allocations to it, its claims: the queries
 * behind the tenant view, claims and bundles.
 */
import { sql } from 'kysely';
import type { Db, Tx } from './log.ts';
import type { Database } from './schema.ts';
import { withZoneFrontier } from './zone-frontier.ts';

export interface ConsumptionRow {
  entry_idx: number;
  leaf_hash: Uint8Array;
  device_id: string;
  start_at: Date;
  end_at: Date;
  zone: string;
  import_wh: number;
  /**
   * Whether its zone's matching has passed its interval: the zone's latest
   * matched start is at or after it (docs/design.md §5, the rule that makes a
   * new reading late). Its allocations are then final, none for a late one;
   * until then it has none yet, which is no figure.
   */
  zone_matched: boolean;
}

/**
 * The tenant's consumption readings with start in [from, to), each with
 * whether its zone's matching has passed it. The zones' frontiers are looked
 * up once per zone, not once per reading (a year's view reads 8,760 per
 * meter): zone-frontier.ts.
 */
export async function tenantConsumption(db: Db | Tx, tenantId: string, from: Date, to: Date): Promise<ConsumptionRow[]> {
  return withZoneFrontier(db)
    .selectFrom('reading')
    .innerJoin('device', 'device.id', 'reading.device_id')
    .innerJoin('entry', 'entry.idx', 'reading.entry_idx')
    .innerJoin('frontier', 'frontier.zone', 'device.bidding_zone')
    .select([
      'reading.entry_idx',
      'entry.leaf_hash',
      'reading.device_id',
      'reading.start_at',
      'reading.end_at',
      'device.bidding_zone as zone',
      'reading.import_wh',
      // A zone never matched has no latest start: nothing of it is matched yet.
      sql<boolean>`coalesce(reading.start_at <= frontier.latest, false)`.as('zone_matched'),
    ])
    .where('device.owner', '=', tenantId)
    .where('device.type', '=', 'consumption')
    .where('reading.start_at', '>=', from)
    .where('reading.start_at', '<', to)
    .orderBy('reading.start_at')
    .orderBy('reading.entry_idx')
    .execute();
}

/**
 * SQL defining `item`: every allocation to the tenant's consumption readings
 * with start in [from, to), as (settlement_idx, position, source_idx,
 * sink_idx, wh). Allocations sit in their settlement's parallel arrays, never
 * read into JS (the two drivers parse int8[] differently). array_positions
 * finds a reading's items in its interval and zone's settlement without
 * unnesting the other tenants' as the `allocation` view would (a month of a
 * 10 × 20 park: 5,600 items instead of 140,000 rows). Each reading probes
 * its settlement through the (start, zone) index, behind OFFSET 0 so the
 * planner cannot turn it into a join: with stale statistics it planned one
 * as every settlement of the zone against every reading of the period
 * (seen: 520 ms for a month of one tenant). SQL subscripts count from 1,
 * positions from 0.
 */
function itemsTo(tenantId: string, from: Date, to: Date) {
  return sql`
    sink as (
      select reading.entry_idx, reading.start_at, device.bidding_zone as zone
        from device join reading on reading.device_id = device.id
       where device.owner = ${tenantId} and device.type = 'consumption' and reading.start_at >= ${from} and reading.start_at < ${to}
    ),
    item as (
      select s.entry_idx as settlement_idx, p.subscript - 1 as position,
             s.source_idx[p.subscript] as source_idx, sink.entry_idx as sink_idx, s.wh[p.subscript] as wh
        from sink
       cross join lateral (select settlement.entry_idx, settlement.source_idx, settlement.sink_idx, settlement.wh
                             from settlement
                            where settlement.start_at = sink.start_at and settlement.zone = sink.zone and not settlement.late
                           offset 0) s
       cross join lateral unnest(array_positions(s.sink_idx, sink.entry_idx)) as p(subscript)
    )`;
}

/** An allocation to one of the tenant's readings, with its source device: what the view and a bundle need. */
export interface AllocationToRow {
  settlement_idx: number;
  position: number;
  source_idx: number;
  sink_idx: number;
  wh: number;
  source_device: string;
  source_type: string;
  technology: string | null;
}

/**
 * The allocations to the tenant's consumption readings with start in [from,
 * to), by settlement and position. The source's device is one primary-key
 * probe per item, behind OFFSET 0 so the planner cannot make it a join: on a
 * year's park it planned such a join as a hash of every reading ever logged
 * (seen: 170 ms for a month, 20 ms probing).
 */
export async function allocationsTo(db: Db | Tx, tenantId: string, from: Date, to: Date): Promise<AllocationToRow[]> {
  const { rows } = await sql<AllocationToRow>`
    with ${itemsTo(tenantId, from, to)}
    select item.settlement_idx, item.position, item.source_idx, item.sink_idx, item.wh,
           device.id as source_device, device.type as source_type, device.eecs_technology as technology
      from item
     cross join lateral (select reading.device_id from reading where reading.entry_idx = item.source_idx offset 0) source
      join device on device.id = source.device_id
     order by item.settlement_idx, item.position`.execute(db);
  return rows;
}

/** An allocation no claim took. */
export interface UnclaimedRow {
  settlement_idx: number;
  position: number;
  wh: number;
}

/**
 * The tenant's allocations of [from, to) that no claim took. Whether a claim
 * took one is a scalar subquery, one primary-key probe per item: an anti-join
 * may be planned as a scan of every claimed allocation, which grows with the
 * log. Numbers only: a year's claim reads 87,600, and a leaf hash and an
 * instant on each row cost more to parse than the query (settlementNames
 * gives them once per settlement).
 */
export async function unclaimedAllocationsTo(tx: Tx, tenantId: string, from: Date, to: Date): Promise<UnclaimedRow[]> {
  const { rows } = await sql<UnclaimedRow>`
    with ${itemsTo(tenantId, from, to)}
    select item.settlement_idx, item.position, item.wh
      from item
     where (select c.claim_idx from claim_allocation c where c.settlement_idx = item.settlement_idx and c.position = item.position) is null`.execute(tx);
  return rows;
}

/** What names a settlement's allocations (its leaf hash) and orders them (its interval start). */
export async function settlementNames(
  db: Db | Tx,
  settlementIdx: readonly number[],
): Promise<Array<{ entry_idx: number; leaf_hash: Uint8Array; start_at: Date }>> {
  if (settlementIdx.length === 0) return [];
  return db
    .selectFrom('settlement')
    .innerJoin('entry', 'entry.idx', 'settlement.entry_idx')
    .select(['settlement.entry_idx', 'entry.leaf_hash', 'settlement.start_at'])
    .where(sql<boolean>`settlement.entry_idx = any(${[...settlementIdx]}::bigint[])`)
    .execute();
}

export async function zoneFactors(db: Db | Tx): Promise<Array<{ entry_idx: number; zone: string; g_co2_per_kwh: number; valid_from: Date }>> {
  return db.selectFrom('zone').selectAll().orderBy('entry_idx').execute();
}

/** A claim and the allocations it takes, in two statements however many it takes (a year's claim can take 87,600). */
export async function insertClaim(
  tx: Tx,
  claim: { entry_idx: number; id: string; tenant_id: string; start_at: Date; end_at: Date; purpose: string; beneficiary: string; wh: number },
  allocations: ReadonlyArray<{ settlement_idx: number; position: number }>,
): Promise<void> {
  await tx.insertInto('claim').values(claim).execute();
  await sql`
    insert into claim_allocation (settlement_idx, position, claim_idx)
    select a.settlement_idx, a.position, ${claim.entry_idx}::bigint
      from unnest(${allocations.map((a) => a.settlement_idx)}::bigint[], ${allocations.map((a) => a.position)}::integer[]) as a(settlement_idx, position)`.execute(
    tx,
  );
}

export type ClaimRow = Database['claim'];

export async function findClaim(db: Db, id: string): Promise<ClaimRow | undefined> {
  return db.selectFrom('claim').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function tenantClaims(db: Db, tenantId: string) {
  return db.selectFrom('claim').selectAll().where('tenant_id', '=', tenantId).orderBy('entry_idx').execute();
}

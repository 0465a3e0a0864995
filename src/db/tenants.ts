/**
 * A tenant's consumption, the allocations to it, its claims: the queries
 * behind the tenant view, claims and bundles.
 */
import type { Db, Tx } from './log.ts';
import type { Database } from './schema.ts';

export interface ConsumptionRow {
  entry_idx: number;
  leaf_hash: Uint8Array;
  device_id: string;
  start_at: Date;
  end_at: Date;
  zone: string;
  import_wh: number;
}

/** The tenant's consumption readings with start in [from, to). */
export async function tenantConsumption(db: Db | Tx, tenantId: string, from: Date, to: Date): Promise<ConsumptionRow[]> {
  return db
    .selectFrom('reading')
    .innerJoin('device', 'device.id', 'reading.device_id')
    .innerJoin('entry', 'entry.idx', 'reading.entry_idx')
    .select(['reading.entry_idx', 'entry.leaf_hash', 'reading.device_id', 'reading.start_at', 'reading.end_at', 'device.bidding_zone as zone', 'reading.import_wh'])
    .where('device.owner', '=', tenantId)
    .where('device.type', '=', 'consumption')
    .where('reading.start_at', '>=', from)
    .where('reading.start_at', '<', to)
    .orderBy('reading.start_at')
    .orderBy('reading.entry_idx')
    .execute();
}

export interface AllocationToRow {
  entry_idx: number;
  leaf_hash: Uint8Array;
  sink_idx: number;
  source_idx: number;
  start_at: Date;
  wh: number;
  source_device: string;
  source_type: string;
  technology: string | null;
  claimed: boolean;
}

export async function allocationsTo(db: Db | Tx, sinkIdx: readonly number[]): Promise<AllocationToRow[]> {
  if (sinkIdx.length === 0) return [];
  return db
    .selectFrom('allocation')
    .innerJoin('entry', 'entry.idx', 'allocation.entry_idx')
    .innerJoin('reading as source', 'source.entry_idx', 'allocation.source_idx')
    .innerJoin('device', 'device.id', 'source.device_id')
    .leftJoin('claim_allocation', 'claim_allocation.allocation_idx', 'allocation.entry_idx')
    .select((eb) => [
      'allocation.entry_idx',
      'entry.leaf_hash',
      'allocation.sink_idx',
      'allocation.source_idx',
      'allocation.start_at',
      'allocation.wh',
      'device.id as source_device',
      'device.type as source_type',
      'device.eecs_technology as technology',
      eb('claim_allocation.claim_idx', 'is not', null).$castTo<boolean>().as('claimed'),
    ])
    .where('allocation.sink_idx', 'in', [...sinkIdx])
    .orderBy('allocation.entry_idx')
    .execute();
}

export async function zoneFactors(db: Db | Tx): Promise<Array<{ entry_idx: number; zone: string; g_co2_per_kwh: number; valid_from: Date }>> {
  return db.selectFrom('zone').selectAll().orderBy('entry_idx').execute();
}

export async function insertClaim(
  tx: Tx,
  claim: { entry_idx: number; id: string; tenant_id: string; start_at: Date; end_at: Date; purpose: string; beneficiary: string; wh: number },
  allocationIdx: readonly number[],
): Promise<void> {
  await tx.insertInto('claim').values(claim).execute();
  await tx
    .insertInto('claim_allocation')
    .values(allocationIdx.map((idx) => ({ allocation_idx: idx, claim_idx: claim.entry_idx })))
    .execute();
}

export type ClaimRow = Database['claim'];

export async function findClaim(db: Db, id: string): Promise<ClaimRow | undefined> {
  return db.selectFrom('claim').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function tenantClaims(db: Db, tenantId: string) {
  return db.selectFrom('claim').selectAll().where('tenant_id', '=', tenantId).orderBy('entry_idx').execute();
}

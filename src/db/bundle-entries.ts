/**
 * The entries a proof bundle rests on, found by following the projections
 * from a tenant's allocations (docs/design.md §6): the charges behind
 * their discharges, the contracts, and the registry entries behind the
 * readings. Index lists go in as one array parameter each (`= any($1)`): a
 * year's bundle names tens of thousands of entries, beyond PostgreSQL's
 * 65,535 bind parameters if each were its own.
 */
import { sql } from 'kysely';
import type { Db } from './log.ts';

export interface DrawnCharge {
  settlement_idx: number;
  source_idx: number;
  sink_idx: number;
}

/**
 * The charge allocations these allocations draw on (only discharges draw):
 * the settlement holding each, and its source (generation) and sink (storage)
 * readings. The arrays are subscripted in SQL (position + 1), never read into JS.
 */
export async function drawnCharges(db: Db, allocations: ReadonlyArray<{ settlement_idx: number; position: number }>): Promise<DrawnCharge[]> {
  if (allocations.length === 0) return [];
  const { rows } = await sql<DrawnCharge>`
    select distinct d.charge_settlement_idx as settlement_idx,
           c.source_idx[d.charge_position + 1] as source_idx,
           c.sink_idx[d.charge_position + 1] as sink_idx
      from unnest(${allocations.map((a) => a.settlement_idx)}::bigint[], ${allocations.map((a) => a.position)}::integer[]) as a(settlement_idx, position)
      join allocation_draw d on d.settlement_idx = a.settlement_idx and d.position = a.position
      join settlement c on c.entry_idx = d.charge_settlement_idx`.execute(db);
  return rows;
}

/**
 * The tenant's contracts with these source devices valid during [from, to):
 * every contract a contract allocation of the period can name. The
 * settlement projection keeps no contract column, and one valid contract
 * more is a registry entry, which a bundle may carry.
 */
export async function contractsOf(db: Db, tenantId: string, deviceIds: readonly string[], from: Date, to: Date): Promise<number[]> {
  if (deviceIds.length === 0) return [];
  const rows = await db
    .selectFrom('contract')
    .select('entry_idx')
    .where('tenant_id', '=', tenantId)
    .where('device_id', 'in', [...deviceIds])
    .where('valid_from', '<', to)
    .where((eb) => eb.or([eb('valid_until', 'is', null), eb('valid_until', '>', from)]))
    .execute();
  return rows.map((row) => row.entry_idx);
}

/** Device, key and zone entries behind these readings, the participant entries of their devices' owners (the facts name them), plus every operator key entry. */
export async function registryEntriesOf(db: Db, readingIdx: readonly number[]): Promise<number[]> {
  const { rows } = await sql<{ entry_idx: number }>`
    with used as (
      select distinct d.id, d.entry_idx, d.bidding_zone, d.owner
        from reading r join device d on d.id = r.device_id
       where r.entry_idx = any(${[...readingIdx]}::bigint[])
    )
    select entry_idx from key_entry where subject_type = 'operator'
    union select entry_idx from used
    union select k.entry_idx from key_entry k join used on used.id = k.device_id
    union select z.entry_idx from zone z where z.zone in (select bidding_zone from used)
    union select p.entry_idx from participant p where p.id in (select owner from used)`.execute(db);
  return rows.map((row) => row.entry_idx);
}

export async function readEntries(db: Db, idx: readonly number[]): Promise<Array<{ idx: number; bytes: Uint8Array }>> {
  if (idx.length === 0) return [];
  const { rows } = await sql<{ idx: number; bytes: Uint8Array }>`
    select idx, bytes from entry where idx = any(${[...idx]}::bigint[]) order by idx`.execute(db);
  return rows;
}

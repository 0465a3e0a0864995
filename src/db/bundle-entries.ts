/**
 * The entries a proof bundle rests on, found by following the projections
 * from a tenant's readings (DESIGN.md "Proof bundle": readings, allocations,
 * supply readings and settlements, storage draws back to generation, and the
 * registry entries used).
 */
import type { Db } from './log.ts';

async function column(rows: Promise<Array<Record<string, number>>>, name: string): Promise<number[]> {
  return (await rows).map((row) => row[name]!);
}

/** Settlements of these supply readings. */
export async function settlementsOf(db: Db, sourceIdx: readonly number[]): Promise<number[]> {
  if (sourceIdx.length === 0) return [];
  return column(db.selectFrom('settlement').select('entry_idx').where('source_idx', 'in', [...sourceIdx]).execute(), 'entry_idx');
}

/** The charge allocations these discharge allocations draw on, with their source and sink readings. */
export async function drawnCharges(db: Db, allocationIdx: readonly number[]): Promise<Array<{ entry_idx: number; source_idx: number; sink_idx: number }>> {
  if (allocationIdx.length === 0) return [];
  return db
    .selectFrom('allocation_draw')
    .innerJoin('allocation', 'allocation.entry_idx', 'allocation_draw.charge_idx')
    .select(['allocation.entry_idx', 'allocation.source_idx', 'allocation.sink_idx'])
    .where('allocation_draw.allocation_idx', 'in', [...allocationIdx])
    .execute();
}

export async function contractsOf(db: Db, allocationIdx: readonly number[]): Promise<number[]> {
  if (allocationIdx.length === 0) return [];
  const rows = await db
    .selectFrom('allocation')
    .select('contract_idx')
    .where('entry_idx', 'in', [...allocationIdx])
    .where('contract_idx', 'is not', null)
    .execute();
  return rows.map((row) => row.contract_idx!);
}

/** Device, key and zone entries behind these readings, plus every operator key entry. */
export async function registryEntriesOf(db: Db, readingIdx: readonly number[]): Promise<number[]> {
  const operatorKeys = await column(db.selectFrom('key_entry').select('entry_idx').where('subject_type', '=', 'operator').execute(), 'entry_idx');
  if (readingIdx.length === 0) return operatorKeys;
  const devices = await db
    .selectFrom('reading')
    .innerJoin('device', 'device.id', 'reading.device_id')
    .select(['device.id', 'device.entry_idx', 'device.bidding_zone'])
    .distinct()
    .where('reading.entry_idx', 'in', [...readingIdx])
    .execute();
  const ids = devices.map((d) => d.id);
  const zones = [...new Set(devices.map((d) => d.bidding_zone))];
  const keys = await column(db.selectFrom('key_entry').select('entry_idx').where('device_id', 'in', ids).execute(), 'entry_idx');
  const zoneEntries = await column(db.selectFrom('zone').select('entry_idx').where('zone', 'in', zones).execute(), 'entry_idx');
  return [...operatorKeys, ...devices.map((d) => d.entry_idx), ...keys, ...zoneEntries];
}

export async function readEntries(db: Db, idx: readonly number[]): Promise<Array<{ idx: number; bytes: Uint8Array }>> {
  if (idx.length === 0) return [];
  return db.selectFrom('entry').select(['idx', 'bytes']).where('idx', 'in', [...idx]).orderBy('idx').execute();
}

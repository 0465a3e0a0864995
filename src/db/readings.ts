/**
 * Readings: the projection behind seq/prev chaining and matching.
 */
import type { Db, Tx } from './log.ts';
import type { Database } from './schema.ts';

export interface HeadRow {
  device_id: string;
  seq: number;
  leaf_hash: Uint8Array;
  end_at: Date;
}

/** The latest reading of each device (its chain head). */
export async function chainHeads(db: Db | Tx, deviceIds: readonly string[]): Promise<HeadRow[]> {
  if (deviceIds.length === 0) return [];
  return db
    .selectFrom('reading')
    .innerJoin('entry', 'entry.idx', 'reading.entry_idx')
    .select(['reading.device_id', 'reading.seq', 'entry.leaf_hash', 'reading.end_at'])
    .distinctOn('reading.device_id')
    .where('reading.device_id', 'in', deviceIds)
    .orderBy('reading.device_id')
    .orderBy('reading.seq', 'desc')
    .execute();
}

export async function insertReadings(tx: Tx, rows: ReadonlyArray<Database['reading']>): Promise<void> {
  for (let offset = 0; offset < rows.length; offset += 1000) {
    await tx.insertInto('reading').values(rows.slice(offset, offset + 1000)).execute();
  }
}

/** Every reading of a device in seq order, with its entry's bytes. */
export async function deviceReadingEntries(db: Db, deviceId: string): Promise<Array<{ idx: number; seq: number; bytes: Uint8Array }>> {
  return db
    .selectFrom('reading')
    .innerJoin('entry', 'entry.idx', 'reading.entry_idx')
    .select(['entry.idx', 'reading.seq', 'entry.bytes'])
    .where('reading.device_id', '=', deviceId)
    .orderBy('reading.seq')
    .execute();
}

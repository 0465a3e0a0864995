/**
 * Readings: the projection behind seq/prev chaining and matching.
 */
import { sql } from 'kysely';
import type { Db, Tx } from './log.ts';
import type { Database } from './schema.ts';

export interface HeadRow {
  device_id: string;
  seq: number;
  leaf_hash: Uint8Array;
  end_at: Date;
}

/**
 * The latest reading of each device (its chain head): one index probe per
 * device on (device_id, seq), whatever the size of the log.
 */
export async function chainHeads(db: Db | Tx, deviceIds: readonly string[]): Promise<HeadRow[]> {
  if (deviceIds.length === 0) return [];
  const result = await sql<HeadRow>`
    select d.id as device_id, r.seq, e.leaf_hash, r.end_at
      from unnest(${[...deviceIds]}::text[]) as d (id)
      cross join lateral (
        select seq, entry_idx, end_at from reading where device_id = d.id order by seq desc limit 1
      ) r
      join entry e on e.idx = r.entry_idx`.execute(db);
  return result.rows.map((row) => ({ ...row, seq: Number(row.seq) }));
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

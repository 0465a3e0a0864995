/**
 * Readings: the projection behind seq/prev chaining and matching.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Db, Tx } from './log.ts';
import { hashColumn } from './packed-bytes.ts';
import type { Database } from './schema.ts';

export interface HeadRow {
  device_id: string;
  seq: number;
  leaf_hash: Uint8Array;
  end_at: Date;
}

/**
 * The latest reading of each device (its chain head), from device_chain,
 * which the database extends as readings are appended (migration 013).
 */
export async function chainHeads(db: Db | Tx, deviceIds: readonly string[]): Promise<HeadRow[]> {
  if (deviceIds.length === 0) return [];
  const rows = await db
    .selectFrom('device_chain')
    .select(['device_id', 'seq', 'leaf_hash', 'end_at'])
    .where('device_id', '=', sql<string>`any(${[...deviceIds]}::text[])`)
    .execute();
  return rows.map((row) => ({ ...row, seq: Number(row.seq) }));
}

/** One device's chain head with its log index; undefined before its first reading. */
export async function chainHead(db: Db, deviceId: string): Promise<{ seq: number; entryIdx: number; leafHash: Uint8Array } | undefined> {
  const row = await db.selectFrom('device_chain').select(['seq', 'entry_idx', 'leaf_hash']).where('device_id', '=', deviceId).executeTakeFirst();
  return row && { seq: Number(row.seq), entryIdx: Number(row.entry_idx), leafHash: row.leaf_hash };
}

/**
 * The INSERT of reading rows as one statement (each column one array, the
 * leaf hashes one binary parameter: packed-bytes.ts), to
 * run on its own (insertReadings) or inside the append of their entries
 * (appendEntries' `project`).
 */
export function readingsInsert(rows: ReadonlyArray<Database['reading']>): RawBuilder<unknown> {
  const column = <K extends keyof Database['reading']>(key: K) => rows.map((row) => row[key]);
  return sql`
    insert into reading (entry_idx, leaf_hash, device_id, seq, start_at, end_at, import_wh, export_wh)
    select entry_idx, ${hashColumn(column('leaf_hash'), 'n')}, device_id, seq, start_at, end_at, import_wh, export_wh
      from unnest(${column('entry_idx')}::bigint[], ${column('device_id')}::text[], ${column('seq')}::bigint[],
                  ${rows.map((row) => row.start_at.toISOString())}::timestamptz[], ${rows.map((row) => row.end_at.toISOString())}::timestamptz[],
                  ${column('import_wh')}::bigint[], ${column('export_wh')}::bigint[])
        with ordinality as r (entry_idx, device_id, seq, start_at, end_at, import_wh, export_wh, n)`;
}

export async function insertReadings(tx: Tx, rows: ReadonlyArray<Database['reading']>): Promise<void> {
  if (rows.length > 0) await readingsInsert(rows).execute(tx);
}

/** The readings of a device with fromSeq <= seq < fromSeq + limit, in seq order, with their entries' bytes. */
export async function deviceReadingEntries(
  db: Db,
  deviceId: string,
  fromSeq: number,
  limit: number,
): Promise<Array<{ idx: number; seq: number; bytes: Uint8Array }>> {
  const rows = await db
    .selectFrom('reading')
    .innerJoin('entry', 'entry.idx', 'reading.entry_idx')
    .select(['entry.idx', 'reading.seq', 'entry.bytes'])
    .where('reading.device_id', '=', deviceId)
    .where('reading.seq', '>=', fromSeq)
    .where('reading.seq', '<', fromSeq + limit)
    .orderBy('reading.seq')
    .execute();
  return rows.map((row) => ({ idx: Number(row.idx), seq: Number(row.seq), bytes: row.bytes }));
}

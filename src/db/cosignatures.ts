/**
 * Witness cosignatures of checkpoints (migration 015): stored as the witness
 * sent them, read back to serve a checkpoint whole and to know where each
 * witness stands.
 */
import { sql } from 'kysely';
import type { CheckpointRow } from './checkpoints.ts';
import type { Db, Tx } from './log.ts';

export interface CosignatureRow {
  size: number;
  witness: string;
  line: string;
  signed_at: number;
}

/** Stores a cosignature; a second one of the same checkpoint by the same witness is kept out (the first is evidence enough). */
export async function insertCosignature(db: Db | Tx, row: CosignatureRow): Promise<void> {
  await db
    .insertInto('checkpoint_cosignature')
    .values(row)
    .onConflict((oc) => oc.columns(['size', 'witness']).doNothing())
    .execute();
}

export async function cosignaturesOf(db: Db | Tx, size: number): Promise<CosignatureRow[]> {
  return db.selectFrom('checkpoint_cosignature').selectAll().where('size', '=', size).orderBy('witness').execute();
}

/**
 * The largest size each witness cosigned. Asked per witness, so the
 * (witness, size) index answers each from its last entry; grouped, the
 * query read every cosignature of each witness, one per checkpoint it ever
 * cosigned.
 */
export async function cosignedSizes(db: Db | Tx, witnesses: string[]): Promise<Map<string, number>> {
  if (witnesses.length === 0) return new Map();
  const { rows } = await sql<{ witness: string; size: number | string | null }>`
    select w.witness, (select max(c.size) from checkpoint_cosignature c where c.witness = w.witness) as size
      from unnest(${[...new Set(witnesses)]}::text[]) as w (witness)`.execute(db);
  return new Map(rows.flatMap((r) => (r.size === null ? [] : [[r.witness, Number(r.size)] as const])));
}

/**
 * The newest checkpoint of at least `minSize` cosigned by at least `quorum`
 * of `witnesses`, undefined when there is none.
 */
export async function newestCosignedCheckpoint(db: Db | Tx, witnesses: string[], quorum: number, minSize: number): Promise<CheckpointRow | undefined> {
  if (witnesses.length === 0 || quorum < 1) return undefined;
  return db
    .selectFrom('checkpoint')
    .select(['checkpoint.size', 'checkpoint.root', 'checkpoint.note'])
    .where('checkpoint.size', '>=', minSize)
    .where(
      ({ selectFrom }) =>
        selectFrom('checkpoint_cosignature as c')
          .select(sql<number>`count(*)`.as('n'))
          .whereRef('c.size', '=', 'checkpoint.size')
          .where('c.witness', 'in', witnesses),
      '>=',
      quorum,
    )
    .orderBy('checkpoint.size', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/**
 * Signed checkpoints: every one is kept (docs/design.md §3).
 */
import { sql } from 'kysely';
import type { Db, Tx } from './log.ts';

export interface CheckpointRow {
  size: number;
  root: Uint8Array;
  note: string;
}

/** Arbitrary constant naming the publisher's lock (pg_advisory_xact_lock key space). */
const PUBLISH_LOCK = 7_001_002;

/**
 * Serialises publishing across processes: the lock is held until the
 * transaction ends, so two publishers never sign from the same stale state.
 */
export async function lockPublisher(tx: Tx): Promise<void> {
  await sql`select pg_advisory_xact_lock(${PUBLISH_LOCK})`.execute(tx);
}

export async function latestCheckpoint(db: Db | Tx): Promise<CheckpointRow | undefined> {
  return db.selectFrom('checkpoint').select(['size', 'root', 'note']).orderBy('size', 'desc').limit(1).executeTakeFirst();
}

export async function checkpointBySize(db: Db | Tx, size: number): Promise<CheckpointRow | undefined> {
  return db.selectFrom('checkpoint').select(['size', 'root', 'note']).where('size', '=', size).executeTakeFirst();
}

/** A stored checkpoint as a list shows it: its size and when it was signed (stored in the signing transaction). */
export interface CheckpointListing {
  size: number;
  publishedAt: Date;
}

/**
 * Stored checkpoints newest first, only those smaller than `before` when it
 * is given, at most `limit`: a backward walk of the primary key.
 */
export async function listCheckpoints(db: Db | Tx, before: number | undefined, limit: number): Promise<CheckpointListing[]> {
  let query = db.selectFrom('checkpoint').select(['size', 'published_at']).orderBy('size', 'desc').limit(limit);
  if (before !== undefined) query = query.where('size', '<', before);
  return (await query.execute()).map((row) => ({ size: row.size, publishedAt: row.published_at }));
}

export async function insertCheckpoint(tx: Tx, row: CheckpointRow): Promise<void> {
  await tx.insertInto('checkpoint').values(row).execute();
}

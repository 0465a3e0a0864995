/**
 * The log's tables: the sequencer head, entries and the tree's stored
 * perfect-subtree hashes (docs/design.md §3: sequence and integrate in one
 * transaction, so every committed entry is in the tree).
 */
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { toBase64 } from '../crypto/base64.ts';
import { appendLeaves, frontier as frontierOf, type GetNode, type NodeId, type StoredNode } from '../crypto/merkle.ts';
import type { EntryKind } from '../domain/payloads.ts';
import { GridproofError } from '../errors.ts';
import { hashColumn, packBytes } from './packed-bytes.ts';
import { nativeHashChildren } from '../platform/node-sha256.ts';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;

export interface NewEntry {
  bytes: Uint8Array;
  leafHash: Uint8Array;
  kind: EntryKind;
}

/**
 * Locks the head row and returns the log size. Every append holds this lock
 * until commit, so indexes are handed out one transaction at a time across
 * all processes; "select the last entry, insert the next" is not safe under
 * READ COMMITTED (docs/design.md §10).
 */
export async function lockLogHead(tx: Tx): Promise<number> {
  const row = await tx.selectFrom('log_head').select('size').forUpdate().executeTakeFirstOrThrow();
  return row.size;
}

/** Records the log's reading interval on first use and returns the one recorded. */
export async function recordedInterval(tx: Tx, intervalSeconds: number): Promise<number> {
  await tx
    .insertInto('log_setting')
    .values({ singleton: true, interval_seconds: intervalSeconds })
    .onConflict((c) => c.doNothing())
    .execute();
  const row = await tx.selectFrom('log_setting').select('interval_seconds').executeTakeFirstOrThrow();
  return row.interval_seconds;
}

export async function readLogSize(db: Db | Tx): Promise<number> {
  const row = await db.selectFrom('log_head').select('size').executeTakeFirstOrThrow();
  return row.size;
}

const nodeKey = (id: NodeId): string => `${id.level}:${id.index}`;

/** Fetches stored tree nodes in one query; throws if one is missing. */
export async function readNodes(db: Db | Tx, ids: readonly NodeId[]): Promise<(id: NodeId) => Uint8Array> {
  const found = new Map<string, Uint8Array>();
  const unique = [...new Map(ids.map((id) => [nodeKey(id), id])).values()];
  if (unique.length > 0) {
    // Two array parameters, however many nodes: a bundle's proofs need tens of thousands.
    const rows = await db
      .selectFrom('tree_node')
      .select(['level', 'idx', 'hash'])
      .where(sql<boolean>`(level, idx) in (select * from unnest(${unique.map((id) => id.level)}::smallint[], ${unique.map((id) => id.index)}::bigint[]))`)
      .execute();
    for (const row of rows) found.set(nodeKey({ level: row.level, index: row.idx }), row.hash);
  }
  return (id) => {
    const hash = found.get(nodeKey(id));
    if (!hash) throw new GridproofError('internal-error', `tree node ${nodeKey(id)} is missing`);
    return hash;
  };
}

/**
 * Appends entries at indexes size, size+1, … with their tree nodes, and moves
 * the head, in one statement (one round trip however many entries: each
 * column travels as one array, and the byte columns as one binary parameter
 * each, packed-bytes.ts); returns the nodes written. The caller holds
 * the head lock (lockLogHead) in this transaction. `frontier` may supply the
 * nodes of frontier(size) when they are known already (they depend only on
 * the first `size` entries, which never change); otherwise they are read
 * here. `project`, when given, is an INSERT of the entries' projection rows
 * run by the same statement; the database's rules (gapless GP002, leaf
 * hashes, chains) check all of it when the statement ends.
 */
export async function appendEntries(
  tx: Tx,
  size: number,
  entries: readonly NewEntry[],
  frontier?: GetNode,
  project?: RawBuilder<unknown>,
): Promise<StoredNode[]> {
  if (entries.length === 0) return [];
  const getNode = frontier ?? (await readNodes(tx, frontierOf(size)));
  const nodes = appendLeaves(
    size,
    entries.map((entry) => entry.leafHash),
    getNode,
    nativeHashChildren,
  );
  const bytes = packBytes(entries.map((entry) => entry.bytes));
  const leafHashes = hashColumn(
    entries.map((entry) => entry.leafHash),
    'n',
  );
  const nodeHashes = hashColumn(
    nodes.map((node) => node.hash),
    'n',
  );
  await sql`
    with new_entry as (
      insert into entry (idx, leaf_hash, bytes, kind)
      select idx, ${leafHashes}, substring(${bytes.packed}::bytea from e.offset_ + 1 for e.length_), kind
        from unnest(${entries.map((_, i) => size + i)}::bigint[], ${bytes.offsets}::int[], ${bytes.lengths}::int[],
                    ${entries.map((entry) => entry.kind)}::text[]) with ordinality as e (idx, offset_, length_, kind, n)
    ), new_node as (
      insert into tree_node (level, idx, hash)
      select level, idx, ${nodeHashes}
        from unnest(${nodes.map((node) => node.level)}::smallint[], ${nodes.map((node) => node.index)}::bigint[]) with ordinality as t (level, idx, n)
    ), new_head as (
      update log_head set size = ${size + entries.length}
    )
    ${project ?? sql`select 1`}`.execute(tx);
  return nodes;
}

/**
 * Every stored node of each range: level, and indexes [from, to). Nodes of
 * a level are written left to right, so a range's rows are contiguous from
 * `from`, fewer at the right edge of the tree.
 */
export async function readNodeRanges(
  db: Db | Tx,
  ranges: ReadonlyArray<{ level: number; from: number; to: number }>,
): Promise<Array<{ level: number; idx: number; hash: Uint8Array }>> {
  if (ranges.length === 0) return [];
  const result = await sql<{ level: number; idx: number; hash: Uint8Array }>`
    select t.level, t.idx, t.hash
      from unnest(${ranges.map((r) => r.level)}::smallint[], ${ranges.map((r) => r.from)}::bigint[], ${ranges.map((r) => r.to)}::bigint[]) as r (level, lo, hi)
      join tree_node t on t.level = r.level and t.idx >= r.lo and t.idx < r.hi
     order by t.level, t.idx`.execute(db);
  return result.rows.map((row) => ({ level: Number(row.level), idx: Number(row.idx), hash: row.hash }));
}

/** Index of each already-logged leaf hash among `hashes`. */
export async function findLogged(db: Db | Tx, hashes: readonly Uint8Array[]): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  if (hashes.length === 0) return found;
  const rows = await db.selectFrom('entry').select(['idx', 'leaf_hash']).where('leaf_hash', 'in', hashes).execute();
  for (const row of rows) found.set(toBase64(row.leaf_hash), row.idx);
  return found;
}

export async function readEntry(db: Db | Tx, idx: number): Promise<{ idx: number; bytes: Uint8Array; kind: string } | undefined> {
  return db.selectFrom('entry').select(['idx', 'bytes', 'kind']).where('idx', '=', idx).executeTakeFirst();
}

export async function readEntryByLeafHash(db: Db | Tx, leafHash: Uint8Array): Promise<{ idx: number; bytes: Uint8Array } | undefined> {
  return db.selectFrom('entry').select(['idx', 'bytes']).where('leaf_hash', '=', leafHash).executeTakeFirst();
}

export async function readEntryRange(db: Db | Tx, start: number, limit: number): Promise<Array<{ idx: number; bytes: Uint8Array }>> {
  return db
    .selectFrom('entry')
    .select(['idx', 'bytes'])
    .where('idx', '>=', start)
    .where('idx', '<', start + limit)
    .orderBy('idx')
    .execute();
}

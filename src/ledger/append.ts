/**
 * One transaction that appends operator-signed entries: lock the head, let
 * the use case check and build its entries against a stable log, append them
 * with their tree nodes, write its projections, commit.
 */
import type { RawBuilder } from 'kysely';
import { frontier, type StoredNode } from '../crypto/merkle.ts';
import { appendEntries, lockLogHead, readNodes, type NewEntry, type Tx } from '../db/log.ts';
import { sealEntryWithBytes } from '../domain/entry.ts';
import type { Payload } from '../domain/payloads.ts';
import { isRetiredKeyRefusal } from '../db/registry.ts';
import { GridproofError } from '../errors.ts';
import { nativeHashLeaf } from '../platform/node-sha256.ts';
import type { Ledger } from './ledger.ts';

export interface SealedEntry extends NewEntry {
  note: string;
  payload: Payload;
}

export function sealOperatorEntry(ledger: Ledger, payload: Payload): SealedEntry {
  const { note, bytes } = sealEntryWithBytes(payload, ledger.operatorSigner, ledger.sign);
  return { note, bytes, leafHash: nativeHashLeaf(bytes), kind: payload.kind, payload };
}

export type Appended<E extends NewEntry = SealedEntry> = E & { idx: number };

/**
 * `build` runs under the head lock, once this process's operator key is
 * known to be the one in force (operator-key.ts), and returns the entries to
 * append (signed with sealOperatorEntry, or on the shared pool when matching) and a
 * function writing their projections once their indexes are known.
 */
export async function appendInTransaction<R, E extends NewEntry = SealedEntry>(
  ledger: Ledger,
  build: (tx: Tx, size: number) => Promise<{ entries: E[]; project: (tx: Tx, appended: Array<Appended<E>>) => Promise<R> }>,
): Promise<R> {
  let written: TreeWrite | undefined;
  const result = await committed(ledger, async (tx) => {
    const size = await lockLogHead(tx);
    await ledger.operatorKey.requireInForce(tx);
    const { entries, project } = await build(tx, size);
    written = await appendToLog(ledger, tx, size, entries);
    return project(
      tx,
      entries.map((entry, i) => ({ ...entry, idx: size + i })),
    );
  });
  if (written) ledger.tree.remember(written.nodes, written.size);
  return result;
}

/**
 * Runs the transaction; migration 016's refusal at COMMIT (an operator entry
 * not signed by the operator key in force, GP007) becomes the coded problem.
 * The check under the head lock keeps this process from reaching it; should
 * an entry signed before that check with a key since retired reach it all
 * the same, the append fails with a code rather than as an internal error.
 */
async function committed<R>(ledger: Ledger, work: (tx: Tx) => Promise<R>): Promise<R> {
  try {
    return await ledger.db.transaction().execute(work);
  } catch (error) {
    if (!isRetiredKeyRefusal(error)) throw error;
    throw new GridproofError('operator-key-rotated', `the database refused an entry not signed by the operator key in force: ${(error as Error).message}`);
  }
}

/** The tree nodes an append read and wrote, to remember once it commits. */
export interface TreeWrite {
  nodes: StoredNode[];
  size: number;
}

/**
 * appendEntries with the frontier from memory when the tree cache has it
 * (no query), else read in the transaction; `project` (an INSERT of the
 * entries' projection rows) runs in the same statement. The caller remembers the result
 * after COMMIT: the frontier then the new nodes, left to right per level.
 */
export async function appendToLog(ledger: Ledger, tx: Tx, size: number, entries: readonly NewEntry[], project?: RawBuilder<unknown>): Promise<TreeWrite> {
  if (entries.length === 0) return { nodes: [], size };
  const ids = frontier(size);
  const known = ledger.tree.cached(ids) ?? (await readNodes(tx, ids));
  const nodes = await appendEntries(tx, size, entries, known, project);
  return { nodes: [...ids.map((id) => ({ ...id, hash: known(id) })), ...nodes], size: size + entries.length };
}

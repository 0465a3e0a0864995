/**
 * One transaction that appends operator-signed entries: lock the head, let
 * the use case check and build its entries against a stable log, append them
 * with their tree nodes, write its projections, commit.
 */
import { utf8 } from '../crypto/base64.ts';
import { frontier, hashLeaf, type StoredNode } from '../crypto/merkle.ts';
import { appendEntries, lockLogHead, type NewEntry, type Tx } from '../db/log.ts';
import { sealEntry } from '../domain/entry.ts';
import type { Payload } from '../domain/payloads.ts';
import type { Ledger } from './ledger.ts';

export interface SealedEntry extends NewEntry {
  note: string;
  payload: Payload;
}

export function sealOperatorEntry(ledger: Ledger, payload: Payload): SealedEntry {
  const note = sealEntry(payload, ledger.operatorSigner, ledger.sign);
  const bytes = utf8(note);
  return { note, bytes, leafHash: hashLeaf(bytes), kind: payload.kind, payload };
}

export interface Appended extends SealedEntry {
  idx: number;
}

/**
 * `build` runs under the head lock and returns the entries to append (signed
 * with sealOperatorEntry) and a function writing their projections once their
 * indexes are known.
 */
export async function appendInTransaction<R>(
  ledger: Ledger,
  build: (tx: Tx, size: number) => Promise<{ entries: SealedEntry[]; project: (tx: Tx, appended: Appended[]) => Promise<R> }>,
): Promise<R> {
  let written: { nodes: StoredNode[]; size: number } | undefined;
  const result = await ledger.db.transaction().execute(async (tx) => {
    const size = await lockLogHead(tx);
    const { entries, project } = await build(tx, size);
    const nodes = await appendEntries(tx, size, entries, ledger.tree.cached(frontier(size)));
    written = { nodes, size: size + entries.length };
    return project(tx, entries.map((entry, i) => ({ ...entry, idx: size + i })));
  });
  if (written) ledger.tree.rememberCommitted(written.nodes, written.size);
  return result;
}

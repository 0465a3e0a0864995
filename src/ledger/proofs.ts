/**
 * Inclusion and consistency proofs (RFC 9162 §2.1.3, §2.1.4) from the stored
 * perfect-subtree hashes: one query fetches every node a proof needs.
 */
import { toBase64 } from '../crypto/base64.ts';
import { consistencyProof, consistencyProofNodes, inclusionProof, inclusionProofNodes } from '../crypto/merkle.ts';
import { readEntryByLeafHash } from '../db/log.ts';
import { GridproofError } from '../errors.ts';
import type { Ledger } from './ledger.ts';

export interface InclusionProof {
  index: number;
  treeSize: number;
  leafHash: string;
  proof: string[];
}

async function requireSize(ledger: Ledger, treeSize: number): Promise<void> {
  const size = await ledger.tree.size(treeSize);
  if (treeSize < 1 || treeSize > size) throw new GridproofError('size-out-of-range', `tree size ${treeSize} is not between 1 and the log size ${size}`);
}

export async function proveInclusion(ledger: Ledger, index: number, treeSize: number): Promise<InclusionProof> {
  await requireSize(ledger, treeSize);
  if (index >= treeSize) throw new GridproofError('index-out-of-range', `index ${index} is not below tree size ${treeSize}`);
  const leaf = { level: 0, index };
  const getNode = await ledger.tree.nodes([leaf, ...inclusionProofNodes(index, treeSize)]);
  return {
    index,
    treeSize,
    leafHash: toBase64(getNode(leaf)),
    proof: inclusionProof(index, treeSize, getNode).map(toBase64),
  };
}

export async function proveInclusionOfLeaf(ledger: Ledger, leafHash: Uint8Array, treeSize: number): Promise<InclusionProof> {
  const entry = await readEntryByLeafHash(ledger.db, leafHash);
  if (!entry) throw new GridproofError('not-found', 'no entry has this leaf hash');
  return proveInclusion(ledger, entry.idx, treeSize);
}

export interface ConsistencyProof {
  from: number;
  to: number;
  proof: string[];
}

export async function proveConsistency(ledger: Ledger, from: number, to: number): Promise<ConsistencyProof> {
  await requireSize(ledger, to);
  // RFC 9162 §2.1.4: a proof from the empty tree proves nothing; sizes only grow.
  if (from < 1 || from > to) throw new GridproofError('size-out-of-range', `from must be between 1 and to (${to})`);
  const getNode = await ledger.tree.nodes(consistencyProofNodes(from, to));
  return { from, to, proof: consistencyProof(from, to, getNode).map(toBase64) };
}

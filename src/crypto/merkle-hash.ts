/**
 * Merkle tree hashing of RFC 9162 §2.1.1 (identical to RFC 6962 §2.1, so Go's
 * sumdb/tlog and transparency-dev/merkle agree with every hash here).
 */
import { GridproofError } from '../errors.ts';
import { sha256 } from './sha256.ts';

export const HASH_BYTES = 32;

// RFC 9162 §2.1.1: domain separation between leaves and interior nodes, so a
// leaf can never be passed off as a node (second-preimage resistance).
const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/** MTH({}) = SHA-256() (RFC 9162 §2.1.1): the root of the empty tree. */
export const EMPTY_ROOT: Uint8Array = sha256();

/** MTH({d}) = SHA-256(0x00 || d). */
export function hashLeaf(data: Uint8Array): Uint8Array {
  return sha256(LEAF_PREFIX, data);
}

/** SHA-256(0x01 || left || right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(NODE_PREFIX, left, right);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** k, the largest power of two smaller than n (n >= 2), where MTH splits (RFC 9162 §2.1.1). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function half(n: number): number {
  return Math.floor(n / 2);
}

/**
 * MTH(D[n]) from the leaf hashes, computed left to right with a stack of
 * perfect subtrees (the frontier), so it is linear in n and keeps only
 * log2(n) hashes: equal to the recursive definition of RFC 9162 §2.1.1.
 */
export function rootFromLeafHashes(leafHashes: Uint8Array[]): Uint8Array {
  const stack: Uint8Array[] = [];
  leafHashes.forEach((leafHash, i) => {
    if (leafHash.length !== HASH_BYTES) throw new GridproofError('bad-hash', `leaf hash ${i} is not 32 bytes`);
    let hash = leafHash;
    // Leaf i completes one perfect subtree per trailing 1 bit of i.
    for (let n = i; n % 2 === 1; n = half(n)) hash = hashChildren(stack.pop()!, hash);
    stack.push(hash);
  });
  let root = stack.pop();
  if (root === undefined) return EMPTY_ROOT.slice();
  while (stack.length > 0) root = hashChildren(stack.pop()!, root);
  return root;
}

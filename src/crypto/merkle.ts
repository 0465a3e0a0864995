/**
 * Merkle proof verification of RFC 9162 §2.1.3.2 and §2.1.4.2. Sizes and
 * indexes are plain numbers below 2^53; halving uses arithmetic, never 32-bit
 * shifts. This module is the one entry point for Merkle code: it re-exports
 * the hashing (merkle-hash.ts) and the server's stored-subtree model
 * (merkle-subtrees.ts).
 */
import { GridproofError } from '../errors.ts';
import { bytesEqual, hashChildren, HASH_BYTES } from './merkle-hash.ts';

export * from './merkle-hash.ts';
export * from './merkle-subtrees.ts';

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

function half(n: number): number {
  return Math.floor(n / 2);
}

function isOdd(n: number): boolean {
  return n % 2 === 1;
}

function fail(detail: string): never {
  throw new GridproofError('bad-proof', detail);
}

function checkHashes(hashes: Uint8Array[]): void {
  for (const hash of hashes) if (hash.length !== HASH_BYTES) fail('every hash is 32 bytes');
}

/**
 * Interior node hashes already computed, by their two children. The proofs of
 * many leaves of one tree share their upper nodes (a bundle of 2,500 entries
 * computes about 30,000 node hashes of which a fifth are distinct), so a
 * verifier checking them all passes one cache. Looking a pair up returns
 * exactly what hashing it would, so no verdict depends on the cache.
 */
export class NodeHashCache {
  // Buckets by the first four bytes of each child; a hit still compares all 64 bytes,
  // since proof hashes are whatever a bundle says and may share any prefix.
  readonly #buckets = new Map<number, { left: Uint8Array; right: Uint8Array; node: Uint8Array }[]>();

  hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
    const key = (left[0]! | (left[1]! << 8) | (left[2]! << 16) | (left[3]! << 24)) ^ ((right[0]! << 24) | (right[1]! << 16) | (right[2]! << 8) | right[3]!);
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = [];
      this.#buckets.set(key, bucket);
    }
    for (const known of bucket) if (bytesEqual(known.left, left) && bytesEqual(known.right, right)) return known.node;
    const node = hashChildren(left, right);
    bucket.push({ left, right, node });
    return node;
  }
}

const uncached = { hashChildren };

/**
 * RFC 9162 §2.1.3.2: checks that `leafHash` is leaf `index` of the tree of
 * `size` leaves whose root is `root`. Throws 'bad-proof'.
 */
export function verifyInclusion(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: Uint8Array[],
  root: Uint8Array,
  nodes: Pick<NodeHashCache, 'hashChildren'> = uncached,
): void {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    fail('leaf index outside the tree');
  }
  checkHashes([leafHash, root, ...proof]);
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) fail('inclusion proof too long');
    if (isOdd(fn) || fn === sn) {
      r = nodes.hashChildren(p, r);
      // A right-edge node has no right sibling: climb until fn is a right child.
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodes.hashChildren(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) fail('inclusion proof too short');
  if (!bytesEqual(r, root)) fail('inclusion proof does not lead to the root');
}

/**
 * RFC 9162 §2.1.4.2: checks that the tree of `size1` leaves with root `root1`
 * is a prefix of the tree of `size2` leaves with root `root2`. Throws
 * 'bad-proof'. A proof from the empty tree is refused (RFC 9162 §2.1.4
 * defines proofs for 0 < m only); equal sizes need an empty proof and equal
 * roots.
 */
export function verifyConsistency(size1: number, size2: number, proof: Uint8Array[], root1: Uint8Array, root2: Uint8Array): void {
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2)) fail('tree sizes are integers');
  if (size1 < 1) fail('no consistency proof from the empty tree');
  if (size1 > size2) fail('the first tree is larger than the second');
  checkHashes([root1, root2, ...proof]);
  if (size1 === size2) {
    if (proof.length !== 0) fail('equal sizes need an empty proof');
    if (!bytesEqual(root1, root2)) fail('equal sizes with different roots');
    return;
  }
  if (proof.length === 0) fail('empty consistency proof');
  // Step 2: when size1 is a power of two, its root is a node of the path.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) fail('consistency proof too long');
    if (isOdd(fn) || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) fail('consistency proof too short');
  if (!bytesEqual(fr, root1)) fail('consistency proof does not lead to the first root');
  if (!bytesEqual(sr, root2)) fail('consistency proof does not lead to the second root');
}

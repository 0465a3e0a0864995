/**
 * The server's stored-subtree model of the log (docs/design.md §3): the
 * tree is kept as the hashes of its perfect subtrees. NodeId {level, index} is
 * the perfect subtree over leaves [index·2^level, (index+1)·2^level); its hash
 * is MTH of those leaves (RFC 9162 §2.1.1). Every node is written once, when
 * its last leaf arrives, and never changes: about two nodes per leaf.
 *
 * Every root and proof hash of RFC 9162 is MTH of a range [lo, hi) that the
 * recursion of §2.1.1 reaches. Such a range starts on a multiple of a power of
 * two at least hi - lo, so it is the concatenation of the perfect subtrees of
 * the binary decomposition of hi - lo, left to right (rangeNodes); MTH of the
 * range folds their hashes from the right (hashRange). A range that is not a
 * perfect subtree only occurs on the right edge of the tree.
 *
 * The *Nodes functions list every stored node a proof needs, so the database
 * layer can fetch them in one query and pass them back through getNode.
 */
import { GridproofError } from '../errors.ts';
import { EMPTY_ROOT, hashChildren, HASH_BYTES, splitPoint } from './merkle-hash.ts';

export interface NodeId {
  level: number;
  index: number;
}

export type StoredNode = NodeId & { hash: Uint8Array };

/** Reads a stored node's hash; the caller fetched the ids listed by a *Nodes function. */
export type GetNode = (id: NodeId) => Uint8Array;

type Range = readonly [lo: number, hi: number];

function checkSize(size: number, min: number): void {
  if (!Number.isSafeInteger(size) || size < min) {
    throw new GridproofError('size-out-of-range', `tree size ${size} is not an integer >= ${min}`);
  }
}

/** The perfect subtrees covering [lo, hi), largest first (see the module comment). */
function rangeNodes([lo, hi]: Range): NodeId[] {
  const nodes: NodeId[] = [];
  let width = 1;
  let level = 0;
  while (width * 2 <= hi - lo) {
    width *= 2;
    level++;
  }
  for (let start = lo; start < hi; width /= 2, level--) {
    if (hi - start >= width) {
      nodes.push({ level, index: start / width });
      start += width;
    }
  }
  return nodes;
}

function readNode(getNode: GetNode, id: NodeId): Uint8Array {
  const hash = getNode(id);
  if (hash.length !== HASH_BYTES) {
    throw new GridproofError('internal-error', `stored node ${id.level}/${id.index} is not 32 bytes`);
  }
  return hash;
}

/** MTH of the leaves in [lo, hi): the hashes of rangeNodes folded from the right. */
function hashRange(range: Range, getNode: GetNode): Uint8Array {
  const hashes = rangeNodes(range).map((id) => readNode(getNode, id));
  let hash = hashes.pop()!;
  while (hashes.length > 0) hash = hashChildren(hashes.pop()!, hash);
  return hash;
}

/**
 * The perfect subtrees of the binary decomposition of `size`, left to right:
 * exactly what the root needs and what the next appended leaf merges with.
 */
export function frontier(size: number): NodeId[] {
  checkSize(size, 0);
  return rangeNodes([0, size]);
}

/** MTH of the first `size` leaves from the frontier nodes (EMPTY_ROOT for 0). */
export function rootFromFrontier(size: number, getNode: GetNode): Uint8Array {
  checkSize(size, 0);
  return size === 0 ? EMPTY_ROOT.slice() : hashRange([0, size], getNode);
}

/**
 * Appends leaves at positions size, size+1, …: returns every perfect subtree
 * they complete (level 0 included), in order of completion. Reads only the
 * frontier(size) nodes. `hashNode` is hashChildren by default; the server
 * passes the same function on Node's native SHA-256 (about one node per leaf).
 */
export function appendLeaves(
  size: number,
  leafHashes: Uint8Array[],
  getNode: GetNode,
  hashNode: (left: Uint8Array, right: Uint8Array) => Uint8Array = hashChildren,
): StoredNode[] {
  checkSize(size, 0);
  checkSize(size + leafHashes.length, 0);
  if (leafHashes.length === 0) return [];
  // The frontier as a stack: the smallest subtree, the next to merge, on top.
  const stack = frontier(size).map((id) => readNode(getNode, id));
  const completed: StoredNode[] = [];
  leafHashes.forEach((leafHash, i) => {
    if (leafHash.length !== HASH_BYTES) throw new GridproofError('bad-hash', `leaf hash ${i} is not 32 bytes`);
    let index = size + i;
    let level = 0;
    let hash = leafHash;
    completed.push({ level, index, hash });
    // A node with an odd index is a right child: it completes its parent.
    while (index % 2 === 1) {
      hash = hashNode(stack.pop()!, hash);
      index = (index - 1) / 2;
      level++;
      completed.push({ level, index, hash });
    }
    stack.push(hash);
  });
  return completed;
}

/** PATH(m, D[n]) of RFC 9162 §2.1.3.1 as ranges, deepest first. */
function inclusionRanges(index: number, size: number): Range[] {
  checkSize(size, 1);
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
    throw new GridproofError('index-out-of-range', `leaf index ${index} is not in a tree of ${size}`);
  }
  const ranges: Range[] = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (index < lo + k) {
      ranges.push([lo + k, hi]);
      hi = lo + k;
    } else {
      ranges.push([lo, lo + k]);
      lo += k;
    }
  }
  return ranges.reverse();
}

/**
 * PROOF(m, D[n]) of RFC 9162 §2.1.4.1 as ranges, deepest first: SUBPROOF with
 * b = true until the recursion goes right, after which the subtree holding
 * the old tree's last leaves is itself a proof element.
 */
function consistencyRanges(size1: number, size2: number): Range[] {
  checkSize(size1, 1);
  checkSize(size2, size1);
  const ranges: Range[] = [];
  let lo = 0;
  let hi = size2;
  let m = size1;
  let complete = true;
  while (m !== hi - lo) {
    const k = splitPoint(hi - lo);
    if (m <= k) {
      ranges.push([lo + k, hi]);
      hi = lo + k;
    } else {
      ranges.push([lo, lo + k]);
      lo += k;
      m -= k;
      complete = false;
    }
  }
  if (!complete) ranges.push([lo, hi]);
  return ranges.reverse();
}

export function inclusionProofNodes(index: number, size: number): NodeId[] {
  return inclusionRanges(index, size).flatMap(rangeNodes);
}

/** The audit path of leaf `index` in the tree of `size` leaves (RFC 9162 §2.1.3.1). */
export function inclusionProof(index: number, size: number, getNode: GetNode): Uint8Array[] {
  return inclusionRanges(index, size).map((range) => hashRange(range, getNode));
}

export function consistencyProofNodes(size1: number, size2: number): NodeId[] {
  return consistencyRanges(size1, size2).flatMap(rangeNodes);
}

/** The consistency proof from `size1` to `size2` leaves (RFC 9162 §2.1.4.1); [] when equal. */
export function consistencyProof(size1: number, size2: number, getNode: GetNode): Uint8Array[] {
  return consistencyRanges(size1, size2).map((range) => hashRange(range, getNode));
}

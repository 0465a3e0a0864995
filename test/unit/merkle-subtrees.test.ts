/**
 * The stored-subtree model: a store built by appendLeaves in random batches
 * must give the reference roots, and proofs assembled from it must verify
 * (and equal the recursive definitions of RFC 9162 §2.1.3.1 and §2.1.4.1).
 */
import fc from 'fast-check';
import t from 'tap';
import { toHex, utf8 } from '../../src/crypto/base64.ts';
import {
  appendLeaves,
  consistencyProof,
  consistencyProofNodes,
  frontier,
  hashChildren,
  hashLeaf,
  inclusionProof,
  inclusionProofNodes,
  rootFromFrontier,
  rootFromLeafHashes,
  splitPoint,
  verifyConsistency,
  verifyInclusion,
  type NodeId,
} from '../../src/crypto/merkle.ts';
import { errorCode as code } from '../helpers/error-code.ts';

const key = ({ level, index }: NodeId) => `${level}/${index}`;

/** A node store as the database keeps it: each node written once. */
class Store {
  readonly nodes = new Map<string, Uint8Array>();
  readonly leaves: Uint8Array[] = [];

  /** A getNode that allows reading only `allowed` nodes. */
  reader(allowed: NodeId[]) {
    const permitted = new Set(allowed.map(key));
    return (id: NodeId) => {
      if (!permitted.has(key(id))) throw new Error(`read of unlisted node ${key(id)}`);
      const hash = this.nodes.get(key(id));
      if (hash === undefined) throw new Error(`node ${key(id)} was never stored`);
      return hash;
    };
  }

  append(leafHashes: Uint8Array[]): void {
    const size = this.leaves.length;
    for (const node of appendLeaves(size, leafHashes, this.reader(frontier(size)))) {
      if (this.nodes.has(key(node))) throw new Error(`node ${key(node)} written twice`);
      this.nodes.set(key(node), node.hash);
    }
    this.leaves.push(...leafHashes);
  }

  root(size: number): Uint8Array {
    return rootFromFrontier(size, this.reader(frontier(size)));
  }

  inclusion(index: number, size: number): Uint8Array[] {
    return inclusionProof(index, size, this.reader(inclusionProofNodes(index, size)));
  }

  consistency(size1: number, size2: number): Uint8Array[] {
    return consistencyProof(size1, size2, this.reader(consistencyProofNodes(size1, size2)));
  }
}

function leafHashes(from: number, count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => hashLeaf(utf8(`entry ${from + i}`)));
}

/** Fills a store with `total` leaves in the given batch sizes (then the rest). */
function build(total: number, batches: number[]): Store {
  const store = new Store();
  for (const batch of batches) {
    const count = Math.min(batch, total - store.leaves.length);
    store.append(leafHashes(store.leaves.length, count));
  }
  store.append(leafHashes(store.leaves.length, total - store.leaves.length));
  return store;
}

/** PATH(m, D[n]) by the recursive definition of RFC 9162 §2.1.3.1. */
function referencePath(m: number, d: Uint8Array[]): Uint8Array[] {
  if (d.length === 1) return [];
  const k = splitPoint(d.length);
  return m < k
    ? [...referencePath(m, d.slice(0, k)), rootFromLeafHashes(d.slice(k))]
    : [...referencePath(m - k, d.slice(k)), rootFromLeafHashes(d.slice(0, k))];
}

/** SUBPROOF(m, D[n], b) by the recursive definition of RFC 9162 §2.1.4.1. */
function referenceSubproof(m: number, d: Uint8Array[], complete: boolean): Uint8Array[] {
  if (m === d.length) return complete ? [] : [rootFromLeafHashes(d)];
  const k = splitPoint(d.length);
  return m <= k
    ? [...referenceSubproof(m, d.slice(0, k), complete), rootFromLeafHashes(d.slice(k))]
    : [...referenceSubproof(m - k, d.slice(k), false), rootFromLeafHashes(d.slice(0, k))];
}

const hex = (hashes: Uint8Array[]) => hashes.map(toHex);

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = bytes.slice();
  copy[bit >> 3]! ^= 1 << (bit & 7);
  return copy;
}

t.test('every size up to 300: roots, every inclusion and consistency proof', async (t) => {
  const n = 300;
  const store = build(n, [1, 2, 3, 7, 1, 64, 5, 100]);
  let exact = 0;
  const roots = [rootFromLeafHashes([])];
  for (let size = 1; size <= n; size++) {
    const root = store.root(size);
    if (toHex(root) !== toHex(rootFromLeafHashes(store.leaves.slice(0, size)))) t.fail(`root of ${size}`);
    roots.push(root);
  }
  t.equal(toHex(store.root(0)), toHex(roots[0]!), 'the empty tree');
  // Perfect subtrees of 300 leaves: 300 + 150 + 75 + 37 + 18 + 9 + 4 + 2 + 1.
  t.equal(store.nodes.size, 596, 'about two stored nodes per leaf');
  for (let size = 1; size <= n; size++) {
    const d = store.leaves.slice(0, size);
    for (let index = 0; index < size; index++) {
      const proof = store.inclusion(index, size);
      verifyInclusion(index, size, store.leaves[index]!, proof, roots[size]!);
      if (size <= 64 && hex(proof).join() === hex(referencePath(index, d)).join()) exact++;
    }
    for (let size1 = 1; size1 <= size; size1++) {
      const proof = store.consistency(size1, size);
      verifyConsistency(size1, size, proof, roots[size1]!, roots[size]!);
      if (size <= 64 && hex(proof).join() === hex(referenceSubproof(size1, d, true)).join()) exact++;
    }
  }
  t.equal(exact, 2 * ((64 * 65) / 2), 'proofs equal the recursive definitions (sizes up to 64)');
  t.pass('all proofs verify');
});

t.test('any batch split stores the same nodes as one leaf at a time', async (t) => {
  const oneByOne = build(400, new Array<number>(400).fill(1));
  fc.assert(
    fc.property(fc.array(fc.nat(60), { maxLength: 30 }), fc.nat(400), (batches, total) => {
      const store = build(total, batches);
      const expected = [...oneByOne.nodes].filter(([id]) => {
        const [level, index] = id.split('/').map(Number) as [number, number];
        return (index + 1) * 2 ** level <= total;
      });
      return (
        store.nodes.size === expected.length &&
        expected.every(([id, hash]) => toHex(store.nodes.get(id) ?? new Uint8Array()) === toHex(hash)) &&
        toHex(store.root(total)) === toHex(rootFromLeafHashes(oneByOne.leaves.slice(0, total)))
      );
    }),
    { numRuns: 100 },
  );
  t.pass('same nodes');
});

t.test('random sizes up to 3000, one flipped bit fails', async (t) => {
  const n = 3000;
  const store = build(n, [1000, 1, 2, 999, 3, 500]);
  t.equal(toHex(store.root(n)), toHex(rootFromLeafHashes(store.leaves)));
  const root = (size: number) => store.root(size);
  /** The hashes with one bit flipped in each of them in turn. */
  const flips = (hashes: Uint8Array[], bit: number) => hashes.map((h, i) => hashes.with(i, flipBit(h, bit % 256)));
  fc.assert(
    fc.property(fc.integer({ min: 1, max: n }), fc.nat(), fc.nat(), (size, i, bit) => {
      const index = i % size;
      const run =
        ([leaf, top, ...proof]: Uint8Array[]) =>
        () =>
          verifyInclusion(index, size, leaf!, proof, top!);
      const hashes = [store.leaves[index]!, root(size), ...store.inclusion(index, size)];
      run(hashes)();
      return flips(hashes, bit).every((flipped) => code(run(flipped)) === 'bad-proof');
    }),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: n }), fc.integer({ min: 1, max: n }), fc.nat(), (a, b, bit) => {
      const [size1, size2] = a <= b ? [a, b] : [b, a];
      const run =
        ([root1, root2, ...proof]: Uint8Array[]) =>
        () =>
          verifyConsistency(size1, size2, proof, root1!, root2!);
      const hashes = [root(size1), root(size2), ...store.consistency(size1, size2)];
      run(hashes)();
      return flips(hashes, bit).every((flipped) => code(run(flipped)) === 'bad-proof');
    }),
    { numRuns: 300 },
  );
  t.pass('properties hold');
});

t.test('node lists at sizes near 2^53 tile the tree', async (t) => {
  const width = (id: NodeId) => 2 ** id.level;
  const sizes = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
  fc.assert(
    fc.property(sizes, fc.double({ min: 0, max: 1, noNaN: true }), (size, f) => {
      const index = Math.min(size - 1, Math.floor(f * size));
      // The leaf, its proof's subtrees and nothing else cover [0, size) once.
      const span = (id: NodeId) => [id.index * width(id), (id.index + 1) * width(id)];
      const ranges = [[index, index + 1], ...inclusionProofNodes(index, size).map(span)];
      ranges.sort((x, y) => x[0]! - y[0]!);
      let next = 0;
      for (const [lo, hi] of ranges) {
        if (lo !== next || !Number.isSafeInteger(hi)) return false;
        next = hi!;
      }
      const tiles = frontier(size).reduce((sum, id) => sum + width(id), 0);
      return next === size && tiles === size;
    }),
    { numRuns: 500 },
  );
  t.same(frontier(13), [
    { level: 3, index: 0 },
    { level: 2, index: 2 },
    { level: 0, index: 12 },
  ]);
  t.same(frontier(0), []);
  t.pass('tiles');
});

t.test('argument checks', async (t) => {
  const leaf = hashLeaf(utf8('x'));
  const get = () => leaf;
  t.equal(
    code(() => inclusionProofNodes(3, 3)),
    'index-out-of-range',
  );
  t.equal(
    code(() => inclusionProofNodes(-1, 3)),
    'index-out-of-range',
  );
  t.equal(
    code(() => inclusionProofNodes(0, 0)),
    'size-out-of-range',
  );
  t.equal(
    code(() => consistencyProofNodes(0, 3)),
    'size-out-of-range',
  );
  t.equal(
    code(() => consistencyProofNodes(4, 3)),
    'size-out-of-range',
  );
  t.same(consistencyProofNodes(3, 3), []);
  t.equal(
    code(() => frontier(-1)),
    'size-out-of-range',
  );
  t.equal(
    code(() => frontier(1.5)),
    'size-out-of-range',
  );
  t.equal(
    code(() => frontier(2 ** 53)),
    'size-out-of-range',
  );
  t.equal(
    code(() => appendLeaves(0, [leaf.subarray(1)], get)),
    'bad-hash',
  );
  t.same(appendLeaves(5, [], get), []);
  t.equal(
    code(() => rootFromFrontier(2, () => new Uint8Array(31))),
    'internal-error',
  );
  t.same(appendLeaves(3, [leaf], get).map(key), ['0/3', '1/1', '2/0'], 'leaf 3 completes [2,4) and [0,4)');
  t.equal(toHex(appendLeaves(1, [leaf], get).at(-1)!.hash), toHex(hashChildren(leaf, leaf)));
});

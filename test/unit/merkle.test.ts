/**
 * RFC 9162 §2.1 hashing and proof verification against the 196 vectors of
 * transparency-dev/merkle (test/fixtures/PROVENANCE.md), plus the reference
 * root computation.
 */
import { readdirSync, readFileSync } from 'node:fs';
import t from 'tap';
import { fromBase64, toBase64, toHex, utf8 } from '../../src/crypto/base64.ts';
import {
  EMPTY_ROOT,
  hashChildren,
  hashLeaf,
  NodeHashCache,
  rootFromLeafHashes,
  splitPoint,
  verifyConsistency,
  verifyInclusion,
} from '../../src/crypto/merkle.ts';
import { errorCode as codeOf } from '../helpers/error-code.ts';

const VECTORS = new URL('../fixtures/rfc6962-merkle/', import.meta.url);

interface InclusionVector {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}
interface ConsistencyVector {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

/**
 * This vector expects success for two equal 12-byte "roots"; we require every
 * hash to be 32 bytes (a root always is), so we reject it on purpose.
 */
const STRICTER_THAN_VECTOR = new Set(['consistency/additional/sizes-are-equal-one-and-proof-is-empty.json']);

function vectors<T>(kind: 'inclusion' | 'consistency'): Array<[string, T]> {
  const dir = new URL(`${kind}/`, VECTORS);
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => [`${kind}/${file}`, JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as T]);
}

t.test('all 196 RFC 6962 proof vectors', async (t) => {
  const inclusion = vectors<InclusionVector>('inclusion');
  const consistency = vectors<ConsistencyVector>('consistency');
  t.equal(inclusion.length + consistency.length, 196);
  let failures = 0;
  for (const [file, v] of inclusion) {
    const [leaf, proof, root] = [fromBase64(v.leafHash), (v.proof ?? []).map(fromBase64), fromBase64(v.root)];
    const run = () => verifyInclusion(v.leafIdx, v.treeSize, leaf, proof, root);
    failures += v.wantErr ? 1 : 0;
    t.equal(codeOf(run), v.wantErr ? 'bad-proof' : undefined, `${file}: ${v.desc}`);
  }
  for (const [file, v] of consistency) {
    const [proof, root1, root2] = [(v.proof ?? []).map(fromBase64), fromBase64(v.root1), fromBase64(v.root2)];
    const run = () => verifyConsistency(v.size1, v.size2, proof, root1, root2);
    const wantErr = v.wantErr || STRICTER_THAN_VECTOR.has(file);
    failures += wantErr ? 1 : 0;
    t.equal(codeOf(run), wantErr ? 'bad-proof' : undefined, `${file}: ${v.desc}`);
  }
  t.comment(`${failures} of 196 vectors are rejected`);
  t.equal(STRICTER_THAN_VECTOR.size, 1);
});

t.test('one node cache shared by every inclusion vector gives each its own verdict', async (t) => {
  // The vectors run in file order through one cache, so the tampered proofs meet
  // nodes that honest proofs of the same trees put in it.
  const nodes = new NodeHashCache();
  for (const [file, v] of vectors<InclusionVector>('inclusion')) {
    const [leaf, proof, root] = [fromBase64(v.leafHash), (v.proof ?? []).map(fromBase64), fromBase64(v.root)];
    t.equal(
      codeOf(() => verifyInclusion(v.leafIdx, v.treeSize, leaf, proof, root, nodes)),
      v.wantErr ? 'bad-proof' : undefined,
      file,
    );
  }
});

t.test('the node cache compares whole hashes: a proof hash sharing the first bytes of a known one is not that one', async (t) => {
  const leaves = Array.from({ length: 8 }, (_, i) => hashLeaf(utf8(`leaf ${i}`)));
  const root = rootFromLeafHashes(leaves);
  const pair = (a: Uint8Array, b: Uint8Array) => hashChildren(a, b);
  // The honest proof of leaf 0 in a tree of 8: leaf 1, node(2,3), node(4..7).
  const honest = [leaves[1]!, pair(leaves[2]!, leaves[3]!), pair(pair(leaves[4]!, leaves[5]!), pair(leaves[6]!, leaves[7]!))];
  const nodes = new NodeHashCache();
  t.equal(
    codeOf(() => verifyInclusion(0, 8, leaves[0]!, honest, root, nodes)),
    undefined,
    'the honest proof verifies and fills the cache',
  );
  const forged = honest.map((hash) => hash.slice());
  const first = forged[0]!;
  first[31] = first[31]! ^ 1; // same first bytes as leaf 1, not leaf 1
  t.equal(
    codeOf(() => verifyInclusion(0, 8, leaves[0]!, forged, root, nodes)),
    'bad-proof',
    'refused with the cache',
  );
  t.equal(
    codeOf(() => verifyInclusion(0, 8, leaves[0]!, forged, root)),
    'bad-proof',
    'and without it',
  );
  t.equal(
    codeOf(() => verifyInclusion(0, 8, leaves[0]!, honest, root, nodes)),
    undefined,
    'the honest proof still verifies',
  );
});

t.test('RFC 9162 §2.1.1 hashing', async (t) => {
  t.equal(toBase64(EMPTY_ROOT), '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
  t.equal(toBase64(rootFromLeafHashes([])), toBase64(EMPTY_ROOT));
  t.not(rootFromLeafHashes([]), EMPTY_ROOT, 'a copy: the constant cannot be altered through it');
  t.equal(toBase64(hashLeaf(new Uint8Array(0))), 'bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=');
  // The RFC 6962 reference tree of 8 leaves (as in transparency-dev/merkle's testdata).
  const leaves = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
  const hashes = leaves.map((hex) => hashLeaf(Uint8Array.from(Buffer.from(hex, 'hex'))));
  t.equal(toBase64(rootFromLeafHashes(hashes)), 'XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=');
  t.equal(toHex(hashChildren(hashes[0]!, hashes[1]!)), toHex(rootFromLeafHashes(hashes.slice(0, 2))));
  t.equal(
    codeOf(() => rootFromLeafHashes([new Uint8Array(31)])),
    'bad-hash',
  );
});

/** MTH by the recursive definition of RFC 9162 §2.1.1. */
function referenceRoot(hashes: Uint8Array[]): Uint8Array {
  if (hashes.length === 1) return hashes[0]!;
  const k = splitPoint(hashes.length);
  return hashChildren(referenceRoot(hashes.slice(0, k)), referenceRoot(hashes.slice(k)));
}

t.test('the linear root equals the recursive definition', async (t) => {
  const hashes = Array.from({ length: 300 }, (_, i) => hashLeaf(utf8(`leaf ${i}`)));
  for (let n = 1; n <= hashes.length; n++) {
    const slice = hashes.slice(0, n);
    if (toHex(rootFromLeafHashes(slice)) !== toHex(referenceRoot(slice))) t.fail(`size ${n}`);
  }
  t.equal(splitPoint(2), 1);
  t.equal(splitPoint(8), 4);
  t.equal(splitPoint(9), 8);
  t.equal(splitPoint(2 ** 53 - 1), 2 ** 52);
});

t.test('a root over 10^6 leaves equals the RFC 9162 definition', async (t) => {
  // For n equal leaves MTH depends on n alone, so the recursive definition
  // (RFC 9162 §2.1.1), memoised by n, is an independent answer at any size.
  const leaf = hashLeaf(utf8('same'));
  const memo = new Map<number, Uint8Array>([[1, leaf]]);
  const definition = (n: number): Uint8Array => {
    let root = memo.get(n);
    if (!root) {
      const k = splitPoint(n);
      root = hashChildren(definition(k), definition(n - k));
      memo.set(n, root);
    }
    return root;
  };
  const start = performance.now();
  const root = rootFromLeafHashes(new Array<Uint8Array>(1_000_000).fill(leaf));
  t.comment(`10^6 leaves: ${Math.round(performance.now() - start)} ms`);
  t.equal(toBase64(root), toBase64(definition(1_000_000)));
});

t.test('verifiers check every argument', async (t) => {
  const leaf = hashLeaf(utf8('a'));
  const other = hashLeaf(utf8('b'));
  const root = hashChildren(leaf, other);
  verifyInclusion(0, 2, leaf, [other], root);
  verifyConsistency(1, 2, [other], leaf, root);
  const bad: Array<[string, () => void]> = [
    ['index = size', () => verifyInclusion(2, 2, leaf, [other], root)],
    ['negative index', () => verifyInclusion(-1, 2, leaf, [other], root)],
    ['fractional index', () => verifyInclusion(0.5, 2, leaf, [other], root)],
    ['unsafe size', () => verifyInclusion(0, 2 ** 53, leaf, [other], root)],
    ['short leaf hash', () => verifyInclusion(0, 2, leaf.subarray(1), [other], root)],
    ['long proof element', () => verifyInclusion(0, 2, leaf, [Uint8Array.from([...other, 0])], root)],
    ['short root', () => verifyInclusion(0, 2, leaf, [other], root.subarray(1))],
    ['from size 0', () => verifyConsistency(0, 2, [], EMPTY_ROOT, root)],
    ['0 to 0', () => verifyConsistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)],
    ['backwards', () => verifyConsistency(2, 1, [other], root, leaf)],
    ['equal sizes, proof', () => verifyConsistency(2, 2, [other], root, root)],
    ['equal sizes, other root', () => verifyConsistency(2, 2, [], root, leaf)],
    ['fractional size', () => verifyConsistency(1, 2.5, [other], leaf, root)],
    ['short first root', () => verifyConsistency(1, 2, [other], leaf.subarray(1), root)],
  ];
  for (const [what, run] of bad) t.equal(codeOf(run), 'bad-proof', what);
});

import t from 'tap';
import { sha256 } from '../../src/crypto/sha256.ts';
import { frontier, hashChildren, hashLeaf, rootFromLeafHashes } from '../../src/crypto/merkle.ts';
import { Frontier } from '../../src/domain/monitor/frontier.ts';
import { nativeHashChildren } from '../../src/platform/node-sha256.ts';

const leaves = Array.from({ length: 300 }, (_, i) => hashLeaf(sha256(Uint8Array.of(i & 0xff, i >> 8))));

t.test('the incremental root equals the root from all leaves, at every size', async (t) => {
  let f = Frontier.empty();
  t.same(f.root(), rootFromLeafHashes([]), 'empty tree');
  for (let n = 1; n <= leaves.length; n++) {
    f.append(leaves[n - 1]!);
    t.equal(f.size, n);
    const saved = f.toJSON();
    if (saved.hashes.length !== frontier(n).length) t.fail(`size ${n}: ${saved.hashes.length} hashes`);
    // Restarting from the saved frontier changes nothing.
    f = Frontier.fromJSON(JSON.parse(JSON.stringify(saved)));
    if (Buffer.compare(f.root(), rootFromLeafHashes(leaves.slice(0, n))) !== 0) t.fail(`root of size ${n}`);
  }
  t.pass('roots of sizes 1…300');
});

t.test("with Node's native SHA-256 the roots are the same", async (t) => {
  let f = Frontier.empty(nativeHashChildren);
  for (let n = 1; n <= leaves.length; n++) {
    f.append(leaves[n - 1]!);
    if (n % 37 === 0) f = Frontier.fromJSON(f.toJSON(), nativeHashChildren);
    if (Buffer.compare(f.root(), rootFromLeafHashes(leaves.slice(0, n))) !== 0) t.fail(`root of size ${n}`);
  }
  t.same(nativeHashChildren(leaves[0]!, leaves[1]!), hashChildren(leaves[0]!, leaves[1]!));
  t.pass('roots of sizes 1…300');
});

t.test('a saved frontier is checked', async (t) => {
  const f = Frontier.empty();
  for (const leaf of leaves.slice(0, 5)) f.append(leaf);
  const saved = f.toJSON();
  t.equal(saved.hashes.length, 2, '5 = 4 + 1');
  t.throws(() => Frontier.fromJSON({ size: 7, hashes: saved.hashes }), { code: 'bad-request' });
  t.throws(() => Frontier.fromJSON({ size: -1, hashes: [] }), { code: 'bad-request' });
  t.throws(() => Frontier.fromJSON({ size: 1, hashes: ['AAAA'] }), { code: 'bad-hash' });
  t.throws(() => f.append(new Uint8Array(31)), { code: 'bad-hash' });
});

/**
 * The tree cache never answers with a node the log does not hold: nodes are
 * remembered only after COMMIT (appendInTransaction), chunks that grew are
 * read again, and eviction only costs a query.
 */
import t from 'tap';
import { toBase64 } from '../../src/crypto/base64.ts';
import { frontier, inclusionProof, inclusionProofNodes, rootFromFrontier, rootFromLeafHashes, verifyInclusion, type NodeId } from '../../src/crypto/merkle.ts';
import { readLogSize, readNodes } from '../../src/db/log.ts';
import { appendInTransaction, sealOperatorEntry } from '../../src/ledger/append.ts';
import { TreeCache } from '../../src/ledger/tree-cache.ts';
import { ORIGIN, startTestApp } from '../helpers/app.ts';
import { testBackends } from '../helpers/database.ts';

/** Every perfect subtree of a tree of this size. */
function allNodes(size: number): NodeId[] {
  const ids: NodeId[] = [];
  for (let level = 0; 2 ** level <= size; level++) {
    for (let index = 0; (index + 1) * 2 ** level <= size; index++) ids.push({ level, index });
  }
  return ids;
}

for (const backend of await testBackends()) {
  t.test(`${backend}: cached nodes are the stored nodes`, async (t) => {
    const env = await startTestApp(backend);
    t.teardown(env.close);
    const { ledger } = env;
    let made = 0;
    const rolledBack = new Error('roll back');
    const append = (count: number, fail: boolean) =>
      appendInTransaction(ledger, async () => ({
        entries: Array.from({ length: count }, () =>
          sealOperatorEntry(ledger, { kind: 'zone', log: ORIGIN, zone: 'DE-LU', gCO2PerKWh: made++, validFrom: '2024-01-01T00:00:00Z' }),
        ),
        project: async () => {
          if (fail) throw rolledBack;
        },
      }));

    for (const count of [1, 3, 1500, 7, 1, 2100]) {
      await append(count, false);
      // Its nodes were computed and written, then rolled back: none may be remembered.
      await t.rejects(append(5, true), rolledBack);
    }
    const size = await readLogSize(ledger.db);
    t.equal(size, 2 + 1 + 3 + 1500 + 7 + 1 + 2100, 'only the committed appends are in the log');

    const leaves = (await ledger.db.selectFrom('entry').select('leaf_hash').orderBy('idx').execute()).map((row) => row.leaf_hash);
    const root = rootFromLeafHashes(leaves);
    const edge = ledger.tree.cached(frontier(size));
    t.ok(edge, 'the frontier is remembered: the next append reads no node');
    t.equal(toBase64(rootFromFrontier(size, edge!)), toBase64(root), 'the remembered frontier gives the root');

    const ids = allNodes(size);
    const fromCache = await ledger.tree.nodes(ids);
    const stored = await readNodes(ledger.db, ids);
    const wrong = ids.filter((id) => toBase64(fromCache(id)) !== toBase64(stored(id)));
    t.equal(ids.length, 2 * size - [...size.toString(2)].filter((bit) => bit === '1').length, 'every perfect subtree is compared');
    t.same(wrong, [], "the service's cache holds no node the table does not");

    // A small cache evicts: every answer must still be the stored node.
    const small = new TreeCache(ledger.db, 2);
    const indexes = [0, 1, 1023, 1024, 2047, 2048, size - 1, 5, size - 2];
    for (const index of indexes) {
      const proofIds = inclusionProofNodes(index, size);
      const getNode = await small.nodes([{ level: 0, index }, ...proofIds]);
      const expected = await readNodes(ledger.db, proofIds);
      t.same(
        proofIds.map((id) => toBase64(getNode(id))),
        proofIds.map((id) => toBase64(expected(id))),
        `proof nodes of ${index}`,
      );
      t.doesNotThrow(
        () => verifyInclusion(index, size, getNode({ level: 0, index }), inclusionProof(index, size, getNode), root),
        `the proof of ${index} verifies`,
      );
    }
  });
}

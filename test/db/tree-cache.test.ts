/**
 * The tree cache never answers with a node the log does not hold: nodes are
 * remembered only after COMMIT, chunks that grew are read again, eviction
 * only costs a query.
 */
import t from 'tap';
import { toBase64, utf8 } from '../../src/crypto/base64.ts';
import { hashLeaf, inclusionProof, inclusionProofNodes, rootFromLeafHashes, verifyInclusion, frontier, rootFromFrontier } from '../../src/crypto/merkle.ts';
import { lockLogHead, readNodes } from '../../src/db/log.ts';
import { appendToLog } from '../../src/ledger/append.ts';
import { TreeCache } from '../../src/ledger/tree-cache.ts';
import { startTestApp } from '../helpers/app.ts';
import { testBackends } from '../helpers/database.ts';

for (const backend of await testBackends()) {
  t.test(`${backend}: cached nodes are the stored nodes`, async (t) => {
    const env = await startTestApp(backend);
    t.teardown(env.close);
    const { ledger } = env;
    const leaves: Uint8Array[] = [];
    const entry = (n: number) => {
      const bytes = utf8(`test entry ${n}`);
      return { bytes, leafHash: hashLeaf(bytes), kind: 'reading' as const };
    };
    const append = async (count: number, fail = false) => {
      const batch = Array.from({ length: count }, (_, i) => entry(leaves.length + i + (fail ? 1_000_000 : 0)));
      let written;
      try {
        await ledger.db.transaction().execute(async (tx) => {
          const size = await lockLogHead(tx);
          written = await appendToLog(ledger, tx, size, batch);
          if (fail) throw new Error('roll back');
        });
      } catch (error) {
        if (!fail) throw error;
        return;
      }
      ledger.tree.remember(written!.nodes, written!.size);
      leaves.push(...(await ledger.db.selectFrom('entry').select('leaf_hash').where('idx', '>=', leaves.length).orderBy('idx').execute()).map((r) => r.leaf_hash));
    };
    leaves.push(...(await ledger.db.selectFrom('entry').select('leaf_hash').orderBy('idx').execute()).map((r) => r.leaf_hash));
    for (const count of [1, 3, 1500, 7, 1, 2100]) {
      await append(count);
      await append(5, true);
    }
    const size = leaves.length;
    const root = rootFromLeafHashes(leaves);
    t.equal(toBase64(rootFromFrontier(size, ledger.tree.cached(frontier(size))!)), toBase64(root), 'the remembered frontier gives the root');

    // A small cache evicts: every answer must still be the stored node.
    const small = new TreeCache(ledger.db, 2);
    for (const index of [0, 1, 1023, 1024, 2047, 2048, size - 1, 5, size - 2]) {
      const ids = inclusionProofNodes(index, size);
      const fromCache = await small.nodes([{ level: 0, index }, ...ids]);
      const stored = await readNodes(ledger.db, ids);
      for (const id of ids) t.equal(toBase64(fromCache(id)), toBase64(stored(id)));
      verifyInclusion(index, size, fromCache({ level: 0, index }), inclusionProof(index, size, fromCache), root);
    }
    t.pass('every proof from the small cache verifies');
  });
}

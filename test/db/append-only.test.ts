import t from 'tap';
import { sql } from 'kysely';
import { openTestStore, testBackends } from '../helpers/database.ts';
import { hashLeaf } from '../../src/crypto/merkle.ts';
import { utf8 } from '../../src/crypto/base64.ts';

for (const backend of await testBackends()) {
  t.test(`${backend}: the log refuses change`, async (t) => {
    const { store, cleanup } = await openTestStore(backend);
    t.teardown(cleanup);
    const { db } = store;
    const bytes = utf8('gridproof/entry/v1\n{}\n');
    await db.insertInto('entry').values({ idx: 0, leaf_hash: hashLeaf(bytes), bytes, kind: 'key' }).execute();

    await t.rejects(db.updateTable('entry').set({ kind: 'zone' }).execute(), /append-only/);
    await t.rejects(db.deleteFrom('entry').execute(), /append-only/);
    await t.rejects(sql`truncate entry cascade`.execute(db), /append-only/);
    await t.rejects(
      db.insertInto('entry').values({ idx: 2, leaf_hash: hashLeaf(utf8('x')), bytes: utf8('x'), kind: 'key' }).execute(),
      /not the next index/,
      'a gap in the indexes is refused',
    );
    await t.rejects(
      db.insertInto('entry').values({ idx: 1, leaf_hash: hashLeaf(utf8('y')), bytes: utf8('x'), kind: 'key' }).execute(),
      /entry_leaf_hash_matches/,
      'a leaf hash of other bytes is refused',
    );
    const rows = await db.selectFrom('entry').select(['idx', 'kind']).execute();
    t.same(rows, [{ idx: 0, kind: 'key' }], 'the accepted entry is unchanged');
  });
}

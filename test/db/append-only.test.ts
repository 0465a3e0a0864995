/**
 * The database itself keeps the log append-only (docs/design.md §3): UPDATE, DELETE
 * and TRUNCATE are refused on the log's tables and on their projections, and
 * inserts must take the next index with the leaf hash of their bytes.
 */
import t from 'tap';
import { sql } from 'kysely';
import { testBackends } from '../helpers/database.ts';
import { hashLeaf } from '../../src/crypto/merkle.ts';
import { utf8 } from '../../src/crypto/base64.ts';
import { publishCheckpoint } from '../../src/ledger/publish.ts';
import { addDevice, addParticipant, auth, OPERATOR_TOKEN, postEntries, signReading, startTestApp } from '../helpers/app.ts';
import { logSnapshot } from '../helpers/log-state.ts';

for (const backend of await testBackends()) {
  t.test(`${backend}: the log's tables refuse UPDATE, DELETE, TRUNCATE and out-of-order inserts`, async (t) => {
    const env = await startTestApp(backend, { now: () => Date.parse('2024-06-01T00:00:00Z') });
    t.teardown(env.close);
    const db = env.ledger.db;
    const gen = await addParticipant(env.app, 'generator', 'windco');
    const key = await addDevice(env.app, { id: 'wind-1', owner: gen.id, type: 'wind' });
    const note = signReading(key.signer, {
      device: 'wind-1',
      seq: 0,
      start: '2024-01-01T00:00:00Z',
      end: '2024-01-01T01:00:00Z',
      importWh: '0',
      exportWh: '12500',
    });
    t.equal((await postEntries(env.app, gen.token, [note])).statusCode, 200);
    const tenant = await addParticipant(env.app, 'tenant', 'factory');
    const operator = { headers: auth(OPERATOR_TOKEN) };
    t.equal(
      (await env.app.inject({ method: 'POST', url: '/v1/zones', ...operator, payload: { zone: 'DE-LU', gCO2PerKWh: 380, validFrom: '2024-01-01T00:00:00Z' } }))
        .statusCode,
      201,
    );
    t.equal(
      (
        await env.app.inject({
          method: 'POST',
          url: '/v1/contracts',
          ...operator,
          payload: { id: 'ppa-1', device: 'wind-1', tenant: tenant.id, priority: 1, validFrom: '2024-01-01T00:00:00Z' },
        })
      ).statusCode,
      201,
    );
    t.ok((await publishCheckpoint(env.ledger)).published, 'a checkpoint exists');

    const tables = {
      entry: sql`update entry set kind = 'zone' where idx = 0`,
      tree_node: sql`update tree_node set hash = sha256(hash) where level = 0 and idx = 0`,
      checkpoint: sql`update checkpoint set note = 'forged'`,
      reading: sql`update reading set export_wh = export_wh + 1`,
      participant: sql`update participant set name = 'x'`,
      device: sql`update device set capacity_w = capacity_w * 2`,
      key_entry: sql`update key_entry set valid_until = valid_from + interval '1 day'`,
      key_point_check: sql`update key_point_check set passed = not passed`,
      zone: sql`update zone set g_co2_per_kwh = 0`,
      contract: sql`update contract set share_bp = 1`,
    } as const;
    const snapshot = async () => ({
      log: await logSnapshot(db),
      nodes: (await sql`select level, idx, encode(hash, 'base64') as h from tree_node order by level, idx`.execute(db)).rows,
      checkpoints: (await sql`select size, note from checkpoint order by size`.execute(db)).rows,
      readings: (await sql`select * from reading order by entry_idx`.execute(db)).rows,
      registry: (
        await sql`select (select json_agg(p order by id) from participant p) as p, (select json_agg(d order by id) from device d) as d, (select json_agg(k order by entry_idx) from key_entry k) as k, (select json_agg(z) from zone z) as z, (select json_agg(c) from contract c) as c`.execute(
          db,
        )
      ).rows,
    });
    const before = await snapshot();
    t.equal(before.readings.length, 1);
    for (const [table, update] of Object.entries(tables)) {
      const count = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(db);
      t.ok(count.rows[0]!.n > 0, `${table} has rows to protect`);
      await t.rejects(update.execute(db), { code: 'GP001' }, `UPDATE ${table} refused`);
      await t.rejects(sql`delete from ${sql.table(table)}`.execute(db), { code: 'GP001' }, `DELETE ${table} refused`);
      // Without CASCADE a referenced table is refused by its foreign keys (0A000) before the trigger runs.
      await t.rejects(sql`truncate ${sql.table(table)}`.execute(db), { code: /^(GP001|0A000)$/ }, `TRUNCATE ${table} refused`);
      await t.rejects(sql`truncate ${sql.table(table)} cascade`.execute(db), { code: 'GP001' }, `TRUNCATE ${table} CASCADE refused`);
    }
    const size = before.log.size;
    await t.rejects(
      db
        .insertInto('entry')
        .values({ idx: size + 1, leaf_hash: hashLeaf(utf8('x')), bytes: utf8('x'), kind: 'key' })
        .execute(),
      { code: 'GP002' },
      'a gap in the indexes is refused',
    );
    await t.rejects(
      db
        .insertInto('entry')
        .values({ idx: size - 1, leaf_hash: hashLeaf(utf8('x')), bytes: utf8('x'), kind: 'key' })
        .execute(),
      { code: /^(23505|GP002)$/ },
      'a used index is refused',
    );
    // An entry beyond the new ones (planted with triggers off, then rolled back) makes the next indexes no longer the next ones.
    const rolledBack = new Error('roll back');
    await t.rejects(
      db.transaction().execute(async (tx) => {
        await sql`set local session_replication_role = replica`.execute(tx);
        await tx
          .insertInto('entry')
          .values({ idx: size + 5, leaf_hash: hashLeaf(utf8('planted')), bytes: utf8('planted'), kind: 'key' })
          .execute();
        await sql`set local session_replication_role = origin`.execute(tx);
        await t.rejects(
          tx
            .insertInto('entry')
            .values([size, size + 1].map((idx) => ({ idx, leaf_hash: hashLeaf(utf8(`n${idx}`)), bytes: utf8(`n${idx}`), kind: 'key' as const })))
            .execute(),
          { code: 'GP002' },
          'new entries with an entry beyond them are refused',
        );
        throw rolledBack;
      }),
      rolledBack,
    );
    await t.rejects(
      db
        .insertInto('entry')
        .values({ idx: size, leaf_hash: hashLeaf(utf8('y')), bytes: utf8('x'), kind: 'key' })
        .execute(),
      { code: '23514', constraint: 'entry_leaf_hash_matches' },
      'a leaf hash of other bytes is refused',
    );
    // A reading projection must carry its own entry's leaf hash (matching reads it from there).
    // The planted reading continues the device's chain, so the chain rule (GP013) lets it
    // through and only the leaf-hash rule is left to refuse it.
    const readingRow = before.readings[0] as Record<string, unknown>;
    const otherEntry = await db
      .selectFrom('entry')
      .select(['idx', 'leaf_hash'])
      .where('idx', '<>', Number(readingRow.entry_idx))
      .limit(1)
      .executeTakeFirstOrThrow();
    await t.rejects(
      db.transaction().execute(async (tx) => {
        const size = (await tx.selectFrom('log_head').select('size').forUpdate().executeTakeFirstOrThrow()).size;
        const bytes = utf8('a reading-shaped entry');
        await tx
          .insertInto('entry')
          .values({ idx: size, leaf_hash: hashLeaf(bytes), bytes, kind: 'reading' })
          .execute();
        await tx
          .insertInto('reading')
          .values({
            entry_idx: size,
            leaf_hash: otherEntry.leaf_hash,
            device_id: String(readingRow.device_id),
            seq: Number(readingRow.seq) + 1,
            start_at: new Date('2030-01-01T00:00:00Z'),
            end_at: new Date('2030-01-01T01:00:00Z'),
            import_wh: 0,
            export_wh: 1,
          })
          .execute();
      }),
      { code: 'GP005' },
      "a reading carrying another entry's leaf hash is refused",
    );
    await t.rejects(
      db
        .insertInto('tree_node')
        .values({ level: 0, idx: 0, hash: hashLeaf(utf8('x')) })
        .execute(),
      { code: '23505' },
      'a stored tree node cannot be replaced',
    );
    t.strictSame(await snapshot(), before, 'every table is unchanged');
  });
}

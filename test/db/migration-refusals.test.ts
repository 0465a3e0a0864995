/**
 * Migrations that refuse a log they cannot carry over (the log is immutable):
 * 009 (settlement sinks) stops with SQLSTATE GP004 on a log that holds a
 * settlement of the earlier form, one that spelled out each allocation's sink
 * and rule, and records nothing; a log whose settlements have `sinks`
 * migrates. Each log is built on a database migrated only up to 008, as a
 * server of that version left it.
 */
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import t from 'tap';
import { toBase64, utf8 } from '../../src/crypto/base64.ts';
import { canonicalJson } from '../../src/crypto/canonical-json.ts';
import { hashLeaf } from '../../src/crypto/merkle.ts';
import { generateSigner, signNote, verifierOf } from '../../src/crypto/note.ts';
import { sha256 } from '../../src/crypto/sha256.ts';
import { openPGlite, openPostgres, type Backend, type Store } from '../../src/db/connect.ts';
import { migrate, migrationFiles } from '../../src/db/migrate.ts';
import { compareText } from '../../src/domain/compare.ts';
import { parseEntry, sealEntry } from '../../src/domain/entry.ts';
import { ENTRY_HEADER } from '../../src/domain/payloads.ts';
import { errorCode } from '../helpers/error-code.ts';
import { createPostgresDatabase, testBackends } from '../helpers/database.ts';

const MIGRATIONS_DIR = new URL('../../migrations/', import.meta.url);
const SINKS = '009_settlement_sinks.sql';
const ORIGIN = 'migrations.example/gridproof';
const logSigner = generateSigner(ORIGIN);
const operator = generateSigner(`${ORIGIN}/operator`);
/** Stand-ins for the readings' leaf hashes: the migration reads no projection. */
const h = (name: string) => toBase64(sha256(utf8(name)));

/** Entry 0 of every log: the operator key, signed by the log key. It has no `sinks` and is no settlement. */
const keyEntry = sealEntry({ kind: 'key', log: ORIGIN, subjectType: 'operator', verifierKey: verifierOf(operator).vkey, validFrom: '2024-01-01T00:00:00Z' }, logSigner);
const hour = { kind: 'settlement', log: ORIGIN, start: '2024-01-01T00:00:00Z', end: '2024-01-01T01:00:00Z', zone: 'DE-LU' } as const;
/** A settlement as this version writes it: sinks listed once, allocations by position. */
const currentSettlement = sealEntry({
  ...hour,
  sinks: [h('meter'), h('tenant')].sort(compareText),
  sources: [{ reading: h('wind'), supplyWh: '1000', allocatedWh: '700', allocations: [{ sink: 0, wh: '400', contract: h('ppa') }, { sink: 1, wh: '300' }] }],
}, operator);
/**
 * A settlement as 008's version wrote it: each allocation spelled out its
 * sink's leaf hash and its rule. Sealed by hand, as sealEntry's types no
 * longer allow this form.
 */
const earlierSettlement = signNote(`${ENTRY_HEADER}\n${canonicalJson({
  ...hour,
  start: '2024-01-01T01:00:00Z',
  end: '2024-01-01T02:00:00Z',
  sources: [{ reading: h('wind 2'), supplyWh: '1000', allocatedWh: '700', allocations: [{ sink: h('meter 2'), wh: '400', rule: 'contract', contract: h('ppa') }, { sink: h('tenant 2'), wh: '300', rule: 'pool' }] }],
})}\n`, [operator]);

const before009 = migrationFiles().filter((name) => name < SINKS);
const from009 = migrationFiles().filter((name) => name >= SINKS);

/** A new, empty database: nothing migrated. */
async function openEmpty(backend: Backend): Promise<{ store: Store; cleanup: () => Promise<void> }> {
  if (backend === 'pglite') {
    const store = await openPGlite(undefined);
    return { store, cleanup: () => store.close() };
  }
  const database = await createPostgresDatabase();
  const store = await openPostgres(database.url);
  return {
    store,
    async cleanup() {
      await store.close();
      await database.drop();
    },
  };
}

/**
 * Applies and records the migrations before 009 as migrate() does (its own
 * bookkeeping table and statements), so migrate() then applies 009 and later
 * only: migrate() itself has no "up to" option.
 */
async function migrateBefore009(store: Store): Promise<void> {
  await store.exec('create table if not exists schema_migration (name text primary key, applied_at timestamptz not null default now())');
  for (const name of before009) {
    const text = readFileSync(new URL(name, MIGRATIONS_DIR), 'utf8');
    await store.exec(`begin;\n${text}\n;insert into schema_migration (name) values ('${name}');\ncommit;`);
  }
}

/** Appends notes at the next indexes, with their leaf hashes, and moves the head as the ledger would. */
async function append(store: Store, entries: Array<[kind: string, note: string]>): Promise<void> {
  await store.db.transaction().execute(async (tx) => {
    const { size } = await tx.selectFrom('log_head').select('size').forUpdate().executeTakeFirstOrThrow();
    await tx.insertInto('entry').values(entries.map(([kind, note], i) => ({ idx: size + i, leaf_hash: hashLeaf(utf8(note)), bytes: utf8(note), kind }))).execute();
    await tx.updateTable('log_head').set({ size: size + entries.length }).execute();
  });
}

const applied = async (store: Store) =>
  (await sql<{ name: string }>`select name from schema_migration order by name`.execute(store.db)).rows.map((row) => row.name);

t.test('the fixtures are the two settlement forms', async (t) => {
  // So the test below cannot pass on a fixture that is not what it claims to be.
  t.ok(migrationFiles().includes(SINKS), `${SINKS} exists`);
  t.ok(before009.length > 0, 'migrations before 009 exist');
  t.equal(errorCode(() => parseEntry(currentSettlement, ORIGIN)), undefined, 'the current form parses');
  t.equal(errorCode(() => parseEntry(earlierSettlement, ORIGIN)), 'schema-violation', 'the earlier form is refused by this version');
  t.match(currentSettlement, '"sinks":');
  t.notMatch(earlierSettlement, '"sinks":');
  t.notMatch(keyEntry, '"sinks":');
});

for (const backend of await testBackends()) {
  t.test(`${backend}: migration 009 refuses a log holding a settlement of the earlier form (GP004)`, async (t) => {
    const { store, cleanup } = await openEmpty(backend);
    t.teardown(cleanup);
    await migrateBefore009(store);
    t.same(await applied(store), before009, 'migrated up to 008');
    // The earlier-form settlement after one of the current form: every settlement is checked, not the first.
    await append(store, [['key', keyEntry], ['settlement', currentSettlement], ['settlement', earlierSettlement]]);

    await t.rejects(migrate(store), { code: 'GP004' }, 'migrate refuses');
    t.same(await applied(store), before009, 'neither 009 nor any later migration is recorded as applied');
    await t.rejects(migrate(store), { code: 'GP004' }, 'and refuses again on the next start');
    const entries = await store.db.selectFrom('entry').select(['idx', 'kind']).orderBy('idx').execute();
    t.same(entries, [{ idx: 0, kind: 'key' }, { idx: 1, kind: 'settlement' }, { idx: 2, kind: 'settlement' }], 'the log is as it was');
  });

  t.test(`${backend}: migration 009 carries over a log whose settlements have sinks`, async (t) => {
    const { store, cleanup } = await openEmpty(backend);
    t.teardown(cleanup);
    await migrateBefore009(store);
    await append(store, [['key', keyEntry], ['settlement', currentSettlement]]);

    t.same(await migrate(store), from009, 'migrate applies 009 and what follows it');
    t.same(await applied(store), migrationFiles(), 'every migration is recorded');
    t.same(await migrate(store), [], 'a second run has nothing to do');
  });
}

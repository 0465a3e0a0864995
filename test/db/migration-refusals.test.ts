/**
 * Migrations that must carry over a log written by an earlier version (the
 * log is immutable), each checked on a database migrated only up to the
 * migration before it, as a server of that version left it:
 * - 009 (settlement sinks) stops with SQLSTATE GP004 on a log that holds a
 *   settlement of the earlier form, one that spelled out each allocation's
 *   sink and rule, and records nothing; a log whose settlements have `sinks`
 *   migrates.
 * - 011 (reading leaf hashes) fills the new `reading.leaf_hash` of readings
 *   already projected from their entries, with the append-only rule back in
 *   force afterwards and the column required from then on.
 */
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import t from 'tap';
import { toBase64, utf8 } from '../../src/crypto/base64.ts';
import { canonicalJson } from '../../src/crypto/canonical-json.ts';
import { hashLeaf } from '../../src/crypto/merkle.ts';
import { generateSigner, signNote, verifierOf, type Signer } from '../../src/crypto/note.ts';
import { sha256 } from '../../src/crypto/sha256.ts';
import { openPGlite, openPostgres, type Backend, type Store } from '../../src/db/connect.ts';
import { migrate, migrationFiles } from '../../src/db/migrate.ts';
import { compareText } from '../../src/domain/compare.ts';
import { parseEntry, sealEntry } from '../../src/domain/entry.ts';
import { ENTRY_HEADER, type DevicePayload, type ParticipantPayload, type ReadingPayload } from '../../src/domain/payloads.ts';
import { errorCode } from '../helpers/error-code.ts';
import { createPostgresDatabase, testBackends } from '../helpers/database.ts';

const MIGRATIONS_DIR = new URL('../../migrations/', import.meta.url);
const SINKS = '009_settlement_sinks.sql';
const LEAF_HASHES = '011_reading_leaf_hash.sql';
const ORIGIN = 'migrations.example/gridproof';
const logSigner = generateSigner(ORIGIN);
const operator = generateSigner(`${ORIGIN}/operator`);
/** Stand-ins for the readings' leaf hashes: the migration reads no projection. */
const h = (name: string) => toBase64(sha256(utf8(name)));

/** Entry 0 of every log: the operator key, signed by the log key. It has no `sinks` and is no settlement. */
const keyEntry = sealEntry(
  { kind: 'key', log: ORIGIN, subjectType: 'operator', verifierKey: verifierOf(operator).vkey, validFrom: '2024-01-01T00:00:00Z' },
  logSigner,
);
const hour = { kind: 'settlement', log: ORIGIN, start: '2024-01-01T00:00:00Z', end: '2024-01-01T01:00:00Z', zone: 'DE-LU' } as const;
/** A settlement as this version writes it: sinks listed once, allocations by position. */
const currentSettlement = sealEntry(
  {
    ...hour,
    sinks: [h('meter'), h('tenant')].sort(compareText),
    sources: [
      {
        reading: h('wind'),
        supplyWh: '1000',
        allocatedWh: '700',
        allocations: [
          { sink: 0, wh: '400', contract: h('ppa') },
          { sink: 1, wh: '300' },
        ],
      },
    ],
  },
  operator,
);
/**
 * A settlement as 008's version wrote it: each allocation spelled out its
 * sink's leaf hash and its rule. Sealed by hand, as sealEntry's types no
 * longer allow this form.
 */
const earlierSettlement = signNote(
  `${ENTRY_HEADER}\n${canonicalJson({
    ...hour,
    start: '2024-01-01T01:00:00Z',
    end: '2024-01-01T02:00:00Z',
    sources: [
      {
        reading: h('wind 2'),
        supplyWh: '1000',
        allocatedWh: '700',
        allocations: [
          { sink: h('meter 2'), wh: '400', rule: 'contract', contract: h('ppa') },
          { sink: h('tenant 2'), wh: '300', rule: 'pool' },
        ],
      },
    ],
  })}\n`,
  [operator],
);

/*
 * A small log as 010's version wrote it, for migration 011: two participants,
 * a wind turbine and a consumption meter with their keys, and two hours of
 * readings from each, every entry sealed as the service seals it.
 */
const participant = (id: string, role: ParticipantPayload['role']): ParticipantPayload => ({ kind: 'participant', log: ORIGIN, id, role, name: `${id} GmbH` });
const device = (id: string, owner: string, type: DevicePayload['type']): DevicePayload => ({
  kind: 'device',
  log: ORIGIN,
  id,
  owner,
  type,
  capacityW: 10_000_000,
  commissioningDate: '2018-01-01',
  country: 'DE',
  biddingZone: 'DE-LU',
  connection: 'park-grid',
  support: 'none',
  ...(type === 'wind' ? { eecsEnergySource: 'F01050100', eecsTechnology: 'T020001' } : {}),
});
const windMeter = generateSigner('meter/wind-1');
const factoryMeter = generateSigner('meter/meter-1');
const deviceKey = (id: string, meter: Signer) =>
  sealEntry(
    { kind: 'key', log: ORIGIN, subjectType: 'device', subjectId: id, verifierKey: verifierOf(meter).vkey, validFrom: '2024-01-01T00:00:00Z' },
    operator,
  );
const registry: Array<[kind: string, note: string]> = [
  ['key', keyEntry],
  ['participant', sealEntry(participant('windco', 'generator'), operator)],
  ['participant', sealEntry(participant('factory', 'tenant'), operator)],
  ['device', sealEntry(device('wind-1', 'windco', 'wind'), operator)],
  ['key', deviceKey('wind-1', windMeter)],
  ['device', sealEntry(device('meter-1', 'factory', 'consumption'), operator)],
  ['key', deviceKey('meter-1', factoryMeter)],
];

interface ChainedReading {
  note: string;
  payload: ReadingPayload;
}

/** A device's reading at `seq`, hour `seq` of 2024-01-01, chained to `previous`. */
function reading(deviceId: string, meter: Signer, seq: number, importWh: string, exportWh: string, previous?: ChainedReading): ChainedReading {
  const payload: ReadingPayload = {
    kind: 'reading',
    log: ORIGIN,
    device: deviceId,
    seq,
    ...(previous === undefined ? {} : { prev: toBase64(hashLeaf(utf8(previous.note))) }),
    start: new Date(Date.UTC(2024, 0, 1, seq)).toISOString().replace('.000Z', 'Z'),
    end: new Date(Date.UTC(2024, 0, 1, seq + 1)).toISOString().replace('.000Z', 'Z'),
    importWh,
    exportWh,
    quality: 'measured',
  };
  return { note: sealEntry(payload, meter), payload };
}
const wind0 = reading('wind-1', windMeter, 0, '0', '12500');
const wind1 = reading('wind-1', windMeter, 1, '0', '9000', wind0);
const factory0 = reading('meter-1', factoryMeter, 0, '7000', '0');
const factory1 = reading('meter-1', factoryMeter, 1, '11000', '0', factory0);
/** Interleaved, so the readings' indexes are not consecutive. */
const readings = [wind0, factory0, wind1, factory1];
/** The reading logged after the migration, to insert into the migrated projection. */
const wind2 = reading('wind-1', windMeter, 2, '0', '4000', wind1);

const before009 = migrationFiles().filter((name) => name < SINKS);
const from009 = migrationFiles().filter((name) => name >= SINKS);
const before011 = migrationFiles().filter((name) => name < LEAF_HASHES);
const from011 = migrationFiles().filter((name) => name >= LEAF_HASHES);

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
 * Applies and records `names` (the migrations before the one under test) as
 * migrate() does (its own bookkeeping table and statements), so migrate()
 * then applies the rest only: migrate() itself has no "up to" option.
 */
async function migrateOnly(store: Store, names: readonly string[]): Promise<void> {
  await store.exec('create table if not exists schema_migration (name text primary key, applied_at timestamptz not null default now())');
  for (const name of names) {
    const text = readFileSync(new URL(name, MIGRATIONS_DIR), 'utf8');
    await store.exec(`begin;\n${text}\n;insert into schema_migration (name) values ('${name}');\ncommit;`);
  }
}

/** Appends notes at the next indexes, with their leaf hashes, and moves the head as the ledger would; returns their indexes. */
async function append(store: Store, entries: Array<[kind: string, note: string]>): Promise<number[]> {
  return store.db.transaction().execute(async (tx) => {
    const { size } = await tx.selectFrom('log_head').select('size').forUpdate().executeTakeFirstOrThrow();
    await tx
      .insertInto('entry')
      .values(entries.map(([kind, note], i) => ({ idx: size + i, leaf_hash: hashLeaf(utf8(note)), bytes: utf8(note), kind })))
      .execute();
    await tx
      .updateTable('log_head')
      .set({ size: size + entries.length })
      .execute();
    return entries.map((_, i) => size + i);
  });
}

const applied = async (store: Store) =>
  (await sql<{ name: string }>`select name from schema_migration order by name`.execute(store.db)).rows.map((row) => row.name);

t.test('the fixtures are the two settlement forms', async (t) => {
  // So the test below cannot pass on a fixture that is not what it claims to be.
  t.ok(migrationFiles().includes(SINKS), `${SINKS} exists`);
  t.ok(before009.length > 0, 'migrations before 009 exist');
  t.equal(
    errorCode(() => parseEntry(currentSettlement, ORIGIN)),
    undefined,
    'the current form parses',
  );
  t.equal(
    errorCode(() => parseEntry(earlierSettlement, ORIGIN)),
    'schema-violation',
    'the earlier form is refused by this version',
  );
  t.match(currentSettlement, '"sinks":');
  t.notMatch(earlierSettlement, '"sinks":');
  t.notMatch(keyEntry, '"sinks":');
});

t.test('the log for migration 011 is one this version accepts', async (t) => {
  t.ok(migrationFiles().includes(LEAF_HASHES), `${LEAF_HASHES} exists`);
  t.ok(before011.includes('010_gapless_by_index.sql'), 'the log is built on 010');
  for (const [kind, note] of [...registry, ...[...readings, wind2].map((r): [string, string] => ['reading', r.note])]) {
    t.equal(
      errorCode(() => parseEntry(note, ORIGIN)),
      undefined,
      `a ${kind} entry parses`,
    );
  }
  t.equal(new Set(readings.map((r) => toBase64(hashLeaf(utf8(r.note))))).size, readings.length, 'the readings have distinct leaf hashes');
});

for (const backend of await testBackends()) {
  t.test(`${backend}: migration 009 refuses a log holding a settlement of the earlier form (GP004)`, async (t) => {
    const { store, cleanup } = await openEmpty(backend);
    t.teardown(cleanup);
    await migrateOnly(store, before009);
    t.same(await applied(store), before009, 'migrated up to 008');
    // The earlier-form settlement after one of the current form: every settlement is checked, not the first.
    await append(store, [
      ['key', keyEntry],
      ['settlement', currentSettlement],
      ['settlement', earlierSettlement],
    ]);

    await t.rejects(migrate(store), { code: 'GP004' }, 'migrate refuses');
    t.same(await applied(store), before009, 'neither 009 nor any later migration is recorded as applied');
    await t.rejects(migrate(store), { code: 'GP004' }, 'and refuses again on the next start');
    const entries = await store.db.selectFrom('entry').select(['idx', 'kind']).orderBy('idx').execute();
    t.same(
      entries,
      [
        { idx: 0, kind: 'key' },
        { idx: 1, kind: 'settlement' },
        { idx: 2, kind: 'settlement' },
      ],
      'the log is as it was',
    );
  });

  t.test(`${backend}: migration 009 carries over a log whose settlements have sinks`, async (t) => {
    const { store, cleanup } = await openEmpty(backend);
    t.teardown(cleanup);
    await migrateOnly(store, before009);
    await append(store, [
      ['key', keyEntry],
      ['settlement', currentSettlement],
    ]);

    t.same(await migrate(store), from009, 'migrate applies 009 and what follows it');
    t.same(await applied(store), migrationFiles(), 'every migration is recorded');
    t.same(await migrate(store), [], 'a second run has nothing to do');
  });

  t.test(`${backend}: migration 011 gives every projected reading its entry's leaf hash`, async (t) => {
    const { store, cleanup } = await openEmpty(backend);
    t.teardown(cleanup);
    const db = store.db;
    await migrateOnly(store, before011);
    t.same(await applied(store), before011, 'migrated up to 010');
    const column = sql<{ n: number }>`select count(*)::int as n from information_schema.columns where table_name = 'reading' and column_name = 'leaf_hash'`;
    t.equal((await column.execute(db)).rows[0]!.n, 0, 'reading has no leaf_hash column at 010');

    // The registry and its projections, as 010's version wrote them.
    const [, windco, factory, windDevice, windKey, meterDevice, meterKey] = await append(store, registry);
    await db
      .insertInto('participant')
      .values([
        { id: 'windco', entry_idx: windco!, role: 'generator', name: 'windco GmbH' },
        { id: 'factory', entry_idx: factory!, role: 'tenant', name: 'factory GmbH' },
      ])
      .execute();
    const deviceRow = { bidding_zone: 'DE-LU', capacity_w: 10_000_000, energy_capacity_wh: null, efficiency_bp: null, commissioning_date: '2018-01-01' };
    await db
      .insertInto('device')
      .values([
        { ...deviceRow, id: 'wind-1', entry_idx: windDevice!, owner: 'windco', type: 'wind', eecs_technology: 'T020001' },
        { ...deviceRow, id: 'meter-1', entry_idx: meterDevice!, owner: 'factory', type: 'consumption', eecs_technology: null },
      ])
      .execute();
    const validFrom = new Date('2024-01-01T00:00:00Z');
    await db
      .insertInto('key_entry')
      .values([
        { entry_idx: 0, subject_type: 'operator', device_id: null, verifier_key: verifierOf(operator).vkey, valid_from: validFrom, valid_until: null },
        {
          entry_idx: windKey!,
          subject_type: 'device',
          device_id: 'wind-1',
          verifier_key: verifierOf(windMeter).vkey,
          valid_from: validFrom,
          valid_until: null,
        },
        {
          entry_idx: meterKey!,
          subject_type: 'device',
          device_id: 'meter-1',
          verifier_key: verifierOf(factoryMeter).vkey,
          valid_from: validFrom,
          valid_until: null,
        },
      ])
      .execute();

    // The readings, each appended and then projected; 010's reading has no leaf_hash.
    const expected: Array<{ entry_idx: number; leaf_hash: string }> = [];
    for (const { note, payload } of readings) {
      const [idx] = await append(store, [['reading', note]]);
      await sql`insert into reading (entry_idx, device_id, seq, start_at, end_at, import_wh, export_wh)
        values (${idx!}, ${payload.device}, ${payload.seq}, ${payload.start}::timestamptz, ${payload.end}::timestamptz, ${payload.importWh}::bigint, ${payload.exportWh}::bigint)`.execute(
        db,
      );
      expected.push({ entry_idx: idx!, leaf_hash: toBase64(hashLeaf(utf8(note))) });
    }
    const projected = sql`select entry_idx, device_id, seq, start_at, end_at, import_wh, export_wh from reading order by entry_idx`;
    const before = (await projected.execute(db)).rows;
    t.equal(before.length, readings.length, 'the readings are projected');

    t.same(await migrate(store), from011, 'migrate applies 011 and what follows it');
    t.same(await applied(store), migrationFiles(), 'every migration is recorded');

    const hashes = await sql<{ entry_idx: number; leaf_hash: Uint8Array; entry_leaf_hash: Uint8Array }>`
      select r.entry_idx, r.leaf_hash, e.leaf_hash as entry_leaf_hash from reading r join entry e on e.idx = r.entry_idx order by r.entry_idx`.execute(db);
    t.same(
      hashes.rows.map((row) => ({ entry_idx: Number(row.entry_idx), leaf_hash: toBase64(new Uint8Array(row.leaf_hash)) })),
      expected,
      'each reading holds the leaf hash of its own entry, SHA-256(0x00 || bytes)',
    );
    t.same(
      hashes.rows.filter((row) => toBase64(new Uint8Array(row.leaf_hash)) !== toBase64(new Uint8Array(row.entry_leaf_hash))).map((row) => row.entry_idx),
      [],
      'no reading differs from entry.leaf_hash',
    );
    t.same((await projected.execute(db)).rows, before, 'nothing else about the readings changed');

    // 013 starts each device's chain head at its highest seq.
    const heads = await sql<{ device_id: string; seq: string; entry_idx: string; leaf_hash: Uint8Array }>`
      select device_id, seq::text, entry_idx::text, leaf_hash from device_chain order by device_id`.execute(db);
    const highest = new Map<string, { seq: number; entry_idx: number }>();
    for (const row of before as Array<{ device_id: string; seq: number | string; entry_idx: number | string }>) {
      const seen = highest.get(row.device_id);
      if (!seen || Number(row.seq) > seen.seq) highest.set(row.device_id, { seq: Number(row.seq), entry_idx: Number(row.entry_idx) });
    }
    t.same(
      heads.rows.map((row) => ({
        device: row.device_id,
        seq: Number(row.seq),
        entry_idx: Number(row.entry_idx),
        leaf_hash: toBase64(new Uint8Array(row.leaf_hash)),
      })),
      [...highest]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([device, head]) => ({ device, ...head, leaf_hash: expected.find((e) => e.entry_idx === head.entry_idx)!.leaf_hash })),
      "device_chain holds each device's latest reading (013)",
    );

    // The append-only rule is back in force.
    const enabled = await sql<{
      tgenabled: string;
    }>`select tgenabled::text as tgenabled from pg_trigger where tgname = 'reading_append_only' and tgrelid = 'reading'::regclass`.execute(db);
    t.same(enabled.rows, [{ tgenabled: 'O' }], 'reading_append_only is enabled');
    await t.rejects(sql`update reading set export_wh = export_wh + 1`.execute(db), { code: 'GP001' }, 'UPDATE reading refused');
    await t.rejects(sql`update reading set leaf_hash = sha256(leaf_hash)`.execute(db), { code: 'GP001' }, 'UPDATE of a leaf hash refused');
    await t.rejects(sql`delete from reading`.execute(db), { code: 'GP001' }, 'DELETE reading refused');

    // From now on a reading must carry its entry's leaf hash.
    const [idx] = await append(store, [['reading', wind2.note]]);
    const insert = (leafHash: Uint8Array | undefined) =>
      leafHash === undefined
        ? sql`insert into reading (entry_idx, device_id, seq, start_at, end_at, import_wh, export_wh)
            values (${idx!}, 'wind-1', 2, ${wind2.payload.start}::timestamptz, ${wind2.payload.end}::timestamptz, 0, 4000)`.execute(db)
        : sql`insert into reading (entry_idx, leaf_hash, device_id, seq, start_at, end_at, import_wh, export_wh)
            values (${idx!}, ${leafHash}, 'wind-1', 2, ${wind2.payload.start}::timestamptz, ${wind2.payload.end}::timestamptz, 0, 4000)`.execute(db);
    await t.rejects(insert(undefined), { code: '23502' }, 'a reading without a leaf hash is refused (not null)');
    await t.rejects(insert(hashLeaf(utf8(wind1.note))), { code: 'GP005' }, "a reading with another entry's leaf hash is refused");
    await t.resolves(insert(hashLeaf(utf8(wind2.note))), "the same reading with its entry's leaf hash is accepted");
    const last = await sql<{ leaf_hash: Uint8Array }>`select leaf_hash from reading where entry_idx = ${idx!}`.execute(db);
    t.same(
      last.rows.map((row) => toBase64(new Uint8Array(row.leaf_hash))),
      [toBase64(hashLeaf(utf8(wind2.note)))],
      'and holds it',
    );

    // 013: the head moved with it; a reading that does not continue the chain is refused, and heads are the trigger's alone.
    const head = sql<{ seq: string; entry_idx: string }>`select seq::text, entry_idx::text from device_chain where device_id = 'wind-1'`;
    t.same((await head.execute(db)).rows, [{ seq: '2', entry_idx: String(idx!) }], 'the head of wind-1 is seq 2');
    const wind3 = reading('wind-1', windMeter, 3, '0', '10', wind2);
    const [idx3] = await append(store, [['reading', wind3.note]]);
    const insert3 = (seq: number, start: string) =>
      sql`insert into reading (entry_idx, leaf_hash, device_id, seq, start_at, end_at, import_wh, export_wh)
        values (${idx3!}, ${hashLeaf(utf8(wind3.note))}, 'wind-1', ${seq}, ${start}::timestamptz, ${wind3.payload.end}::timestamptz, 0, 10)`.execute(db);
    await t.rejects(insert3(4, wind3.payload.start), { code: 'GP013' }, 'a seq gap is refused');
    await t.rejects(insert3(3, '2024-01-01T02:30:00Z'), { code: 'GP013' }, 'an interval starting before the head ends is refused');
    t.same((await head.execute(db)).rows, [{ seq: '2', entry_idx: String(idx!) }], 'the head did not move');
    await t.rejects(sql`update device_chain set seq = 7`.execute(db), { code: 'GP001' }, 'a head cannot be written directly');
    await t.rejects(sql`delete from device_chain`.execute(db), { code: 'GP001' }, 'nor deleted');
    await t.rejects(sql`truncate device_chain`.execute(db), { code: 'GP001' }, 'nor truncated');
    await t.resolves(insert3(3, wind3.payload.start), 'the next reading continues the chain');
    t.same((await head.execute(db)).rows, [{ seq: '3', entry_idx: String(idx3!) }], 'and becomes the head');
  });
}

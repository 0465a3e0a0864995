/**
 * Matching under concurrency and the SQL invariants (docs/design.md §5): two runs started at once write one set of allocations;
 * 50 concurrent claims claim each allocation once; the database itself
 * refuses an allocation beyond a reading's export or import, a second
 * settlement of a reading and a second matching settlement of an interval.
 */
import t from 'tap';
import { sql } from 'kysely';
import { testBackends } from '../helpers/database.ts';
import { addZone, addDevice, addParticipant, auth, OPERATOR_TOKEN, postEntries, signReading, startTestApp, ORIGIN, type TestApp } from '../helpers/app.ts';
import { hashLeaf } from '../../src/crypto/merkle.ts';
import { toBase64, utf8 } from '../../src/crypto/base64.ts';
import { openPostgres } from '../../src/db/connect.ts';
import { appendEntries, lockLogHead, readLogSize } from '../../src/db/log.ts';
import { insertSettledSources, insertSettlements } from '../../src/db/matching.ts';
import { openLedger } from '../../src/ledger/open.ts';
import { runMatching } from '../../src/ledger/matching/run.ts';
import { sealOperatorEntry } from '../../src/ledger/append.ts';
import type { SettlementPayload } from '../../src/domain/payloads.ts';

const T0 = Date.parse('2024-03-01T00:00:00Z');
const HOURS = 12;
const UNTIL = T0 + HOURS * 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** Two wind farms, three tenants (steelco with two meters); supply below demand every hour, so every pair gets Wh. */
async function buildPark(env: TestApp): Promise<{ steel: { id: string; token: string } }> {
  const { app } = env;
  await addZone(app);
  const gen = await addParticipant(app, 'generator', 'windco');
  const steel = await addParticipant(app, 'tenant', 'steelco');
  const chem = await addParticipant(app, 'tenant', 'chemco');
  const devices = [
    { id: 'wind-a', owner: gen, type: 'wind' as const, wh: (h: number) => ({ importWh: 0, exportWh: 1000 + 37 * h }) },
    { id: 'wind-b', owner: gen, type: 'wind' as const, wh: (h: number) => ({ importWh: 0, exportWh: 700 + 11 * h }) },
    { id: 'steel-1', owner: steel, type: 'consumption' as const, wh: (h: number) => ({ importWh: 1500 + 13 * h, exportWh: 0 }) },
    { id: 'steel-2', owner: steel, type: 'consumption' as const, wh: (h: number) => ({ importWh: 900 + 7 * h, exportWh: 0 }) },
    { id: 'chem-1', owner: chem, type: 'consumption' as const, wh: () => ({ importWh: 1200, exportWh: 0 }) },
  ];
  for (const d of devices) {
    const key = await addDevice(app, { id: d.id, owner: d.owner.id, type: d.type });
    const notes: string[] = [];
    let prev: string | undefined;
    for (let h = 0; h < HOURS; h++) {
      const { importWh, exportWh } = d.wh(h);
      const note = signReading(key.signer, {
        device: d.id,
        seq: h,
        ...(prev ? { prev } : {}),
        start: iso(T0 + h * 3_600_000),
        end: iso(T0 + (h + 1) * 3_600_000),
        importWh: String(importWh),
        exportWh: String(exportWh),
      });
      prev = toBase64(hashLeaf(utf8(note)));
      notes.push(note);
    }
    const response = await postEntries(app, d.owner.token, notes);
    if (response.statusCode !== 200 || response.json().results.some((r: { error?: unknown }) => r.error)) throw new Error(`readings: ${response.body}`);
  }
  return { steel };
}

async function count(env: TestApp, query: ReturnType<typeof sql<{ n: number | string }>>): Promise<number> {
  const { rows } = await query.execute(env.ledger.db);
  return Number(rows[0]!.n);
}

async function matchingFacts(env: TestApp) {
  return {
    allocations: await count(env, sql`select count(*) as n from allocation`),
    allocatedWh: await count(env, sql`select coalesce(sum(wh), 0) as n from allocation`),
    settlements: await count(env, sql`select count(*) as n from settlement`),
    settlementEntries: await count(env, sql`select count(*) as n from entry where kind = 'settlement'`),
    settledSources: await count(env, sql`select count(*) as n from settled_source`),
    supplyReadings: await count(
      env,
      sql`select count(*) as n from reading r join device d on d.id = r.device_id where d.type in ('wind', 'solar', 'storage') and r.export_wh > 0`,
    ),
    unsettledSupply: await count(
      env,
      sql`select count(*) as n from reading r join device d on d.id = r.device_id left join settled_source s on s.source_idx = r.entry_idx where d.type in ('wind', 'solar', 'storage') and r.export_wh > 0 and s.source_idx is null`,
    ),
    overExport: await count(
      env,
      sql`select count(*) as n from (select a.source_idx from allocation a join reading r on r.entry_idx = a.source_idx group by a.source_idx, r.export_wh having sum(a.wh) > r.export_wh) x`,
    ),
    overImport: await count(
      env,
      sql`select count(*) as n from (select a.sink_idx from allocation a join reading r on r.entry_idx = a.sink_idx group by a.sink_idx, r.import_wh having sum(a.wh) > r.import_wh) x`,
    ),
    allocatedMismatch: await count(
      env,
      sql`select count(*) as n from settled_source s where s.allocated_wh <> (select coalesce(sum(a.wh), 0) from allocation a where a.source_idx = s.source_idx)`,
    ),
    matchedIntervals: await count(env, sql`select count(*) as n from matched_interval`),
  };
}

for (const backend of await testBackends()) {
  t.test(`${backend}: two matching runs started at once write one set of allocations`, async (t) => {
    // Reference: the same park matched by one run alone.
    const alone = await startTestApp(backend);
    t.teardown(alone.close);
    await buildPark(alone);
    const soloSummary = await runMatching(alone.ledger, UNTIL);
    const solo = await matchingFacts(alone);
    t.equal(soloSummary.intervals, HOURS);
    t.equal(solo.allocations, HOURS * 2 * 3, 'every source gives to every meter each hour');

    const env = await startTestApp(backend);
    t.teardown(env.close);
    await buildPark(env);
    const runs = [runMatching(env.ledger, UNTIL), runMatching(env.ledger, UNTIL)];
    if (backend === 'postgres') {
      // A second process: its own pool and ledger over the same database.
      const store = await openPostgres(env.testStore.url!);
      t.teardown(() => store.close());
      const { ledger: second } = await openLedger({
        db: store.db,
        origin: ORIGIN,
        intervalSeconds: 3600,
        logSigner: env.logSigner,
        operatorSigner: env.operatorSigner,
        operatorToken: OPERATOR_TOKEN,
      });
      runs.push(runMatching(second, UNTIL), runMatching(second, UNTIL));
    }
    const summaries = await Promise.all(runs);
    t.equal(
      summaries.reduce((s, x) => s + x.intervals, 0),
      HOURS,
      'each interval matched by exactly one of the runs',
    );
    t.equal(
      summaries.reduce((s, x) => s + x.allocations, 0),
      solo.allocations,
    );

    const facts = await matchingFacts(env);
    t.equal(facts.allocations, solo.allocations, 'as many allocations as one run alone');
    t.equal(facts.allocatedWh, solo.allocatedWh, 'the same Wh as one run alone');
    t.equal(facts.settlements, HOURS, 'one settlement per interval');
    t.equal(facts.settlementEntries, facts.settlements, 'no settlement entry without its row');
    t.equal(facts.settledSources, facts.supplyReadings, 'every supply reading settled once');
    t.equal(facts.unsettledSupply, 0);
    t.equal(facts.overExport, 0);
    t.equal(facts.overImport, 0);
    t.equal(facts.allocatedMismatch, 0, 'each settled source states the Σ of its allocations');
    t.equal(facts.matchedIntervals, HOURS);
    const again = await runMatching(env.ledger, UNTIL);
    t.match(again, { intervals: 0, allocations: 0, settlements: 0, lateSettlements: 0 }, 'a later run finds nothing to do');
  });

  t.test(`${backend}: 50 concurrent claims claim each allocation exactly once`, async (t) => {
    const env = await startTestApp(backend);
    t.teardown(env.close);
    const { steel } = await buildPark(env);
    await runMatching(env.ledger, UNTIL);
    const mine = await count(
      env,
      sql`select count(*) as n from allocation a join reading r on r.entry_idx = a.sink_idx join device d on d.id = r.device_id where d.owner = 'steelco'`,
    );
    const mineWh = await count(
      env,
      sql`select sum(a.wh) as n from allocation a join reading r on r.entry_idx = a.sink_idx join device d on d.id = r.device_id where d.owner = 'steelco'`,
    );
    const largest = await count(
      env,
      sql`select max(a.wh) as n from allocation a join reading r on r.entry_idx = a.sink_idx join device d on d.id = r.device_id where d.owner = 'steelco'`,
    );
    t.equal(mine, HOURS * 2 * 2, 'two sources × two meters × hours');

    const period = { start: iso(T0), end: iso(UNTIL) };
    // Room for one to three allocations each: some claims succeed, and fewer than 50.
    const maxWh = String(largest + 1);
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        env.app.inject({
          method: 'POST',
          url: '/v1/claims',
          headers: auth(steel.token),
          payload: { period, purpose: 'scope2', beneficiary: `site ${i}`, maxWh },
        }),
      ),
    );
    const ok = responses.filter((r) => r.statusCode === 201);
    const failed = responses.filter((r) => r.statusCode !== 201);
    t.ok(ok.length >= 2, `several claims succeed (${ok.length})`);
    t.ok(failed.length >= 1, `some find nothing left (${failed.length})`);
    for (const r of failed) {
      t.equal(r.statusCode, 409, r.body);
      t.equal(r.json().code, 'nothing-to-claim');
    }
    for (const r of ok) t.ok(BigInt(r.json().wh) <= BigInt(maxWh), 'a claim stays within maxWh');

    const rows = await count(env, sql`select count(*) as n from claim_allocation`);
    const distinct = await count(env, sql`select count(distinct (settlement_idx, position)) as n from claim_allocation`);
    t.equal(rows, distinct, 'no allocation in two claims');
    t.equal(rows, mine, 'every allocation of the tenant claimed by the end');
    const claimWh = await count(env, sql`select coalesce(sum(wh), 0) as n from claim`);
    const claimedAllocationWh = await count(
      env,
      sql`select coalesce(sum(a.wh), 0) as n from claim_allocation c join allocation a on a.settlement_idx = c.settlement_idx and a.position = c.position`,
    );
    t.equal(claimWh, claimedAllocationWh, 'Σ claim wh = Σ claimed allocation wh');
    t.equal(claimWh, mineWh);
    t.equal(
      ok.reduce((s, r) => s + Number(r.json().wh), 0),
      claimWh,
      'the replies add up to the claims',
    );
    t.equal(await count(env, sql`select count(*) as n from claim`), ok.length);
    t.equal(await count(env, sql`select count(*) as n from entry where kind = 'claim'`), ok.length, 'one claim entry per success, none for failures');
  });

  t.test(`${backend}: the database refuses allocations over an export or import, and a second settlement`, async (t) => {
    const env = await startTestApp(backend);
    t.teardown(env.close);
    await buildPark(env);
    await runMatching(env.ledger, T0 + 6 * 3_600_000);
    const { ledger } = env;
    const { rows } = await sql<{ entry_idx: number; leaf_hash: Uint8Array; device_id: string; export_wh: number; import_wh: number }>`
      select r.entry_idx, e.leaf_hash, r.device_id, r.export_wh, r.import_wh from reading r join entry e on e.idx = r.entry_idx
       where r.start_at = ${new Date(T0)} order by r.device_id`.execute(ledger.db);
    const source = rows.find((r) => r.device_id === 'wind-a')!;
    const sink = rows.find((r) => r.device_id === 'chem-1')!;
    const fromSource = await count(env, sql`select sum(wh) as n from allocation where source_idx = ${source.entry_idx}`);
    t.equal(fromSource, Number(source.export_wh), 'wind-a is fully allocated (supply < demand)');

    // Each attempt appends a settlement entry and projects it in one transaction, as a run does.
    const start = new Date(T0 + HOURS * 3_600_000);
    const sizeBefore = await readLogSize(ledger.db);
    const attempt = (row: { start_at: Date; late: boolean; source_idx: number[]; sink_idx: number[]; wh: number[] }, settled: number[] = []) => {
      const payload: SettlementPayload = {
        kind: 'settlement',
        log: ORIGIN,
        start: iso(row.start_at.getTime()),
        end: iso(row.start_at.getTime() + 3_600_000),
        zone: 'DE-LU',
        sinks: [],
        sources: [],
      };
      const sealed = sealOperatorEntry(ledger, payload);
      return ledger.db.transaction().execute(async (tx) => {
        const size = await lockLogHead(tx);
        await appendEntries(tx, size, [sealed]);
        await insertSettlements(tx, [{ entry_idx: size, zone: 'DE-LU', ...row }]);
        await insertSettledSources(
          tx,
          settled.map((idx) => ({ source_idx: idx, settlement_idx: size, supply_wh: Number(source.export_wh), allocated_wh: 0 })),
        );
      });
    };
    const hour0 = new Date(T0);
    await t.rejects(
      attempt({ start_at: start, late: false, source_idx: [source.entry_idx], sink_idx: [sink.entry_idx], wh: [1] }),
      { code: 'GP003' },
      "an allocation outside its settlement's interval",
    );
    await t.rejects(
      attempt({ start_at: hour0, late: true, source_idx: [source.entry_idx], sink_idx: [sink.entry_idx], wh: [1] }),
      { code: '23514' },
      'a late settlement allocates nothing',
    );
    await t.rejects(
      attempt({ start_at: hour0, late: false, source_idx: [], sink_idx: [], wh: [] }),
      { code: '23505', constraint: 'settlement_matched' },
      'a second matching settlement of an interval and zone',
    );
    await t.rejects(
      attempt({ start_at: hour0, late: true, source_idx: [], sink_idx: [], wh: [] }, [source.entry_idx]),
      { code: '23505', constraint: 'settled_source_pkey' },
      'a reading settled twice',
    );
    t.equal(await readLogSize(ledger.db), sizeBefore, 'every transaction rolled back');

    // The SQL checks on their own: hour 8 is not matched yet, so no unique index can be what refuses.
    const hour8 = new Date(T0 + 8 * 3_600_000);
    const later = await sql<{ entry_idx: number; device_id: string; export_wh: number; import_wh: number }>`
      select entry_idx, device_id, export_wh, import_wh from reading where start_at = ${hour8}`.execute(ledger.db);
    const idx = (device: string) => later.rows.find((r) => r.device_id === device)!;
    const [windA, windB, steel1, chem1] = [idx('wind-a'), idx('wind-b'), idx('steel-1'), idx('chem-1')];
    const overExport = { source_idx: [windA.entry_idx, windA.entry_idx], sink_idx: [steel1.entry_idx, chem1.entry_idx], wh: [Number(windA.export_wh), 1] };
    const overImport = { source_idx: [windA.entry_idx, windB.entry_idx], sink_idx: [steel1.entry_idx, steel1.entry_idx], wh: [1, Number(steel1.import_wh)] };
    const backwards = { source_idx: [steel1.entry_idx], sink_idx: [windA.entry_idx], wh: [1] };
    const zero = { source_idx: [windA.entry_idx], sink_idx: [steel1.entry_idx], wh: [0] };
    for (const [arrays, name] of [
      [overExport, 'Σ from a reading beyond its export'],
      [overImport, 'Σ to a reading beyond its import'],
      [backwards, 'from a consumption reading to a generator'],
      [zero, 'an allocation of zero Wh'],
    ] as const) {
      await t.rejects(attempt({ start_at: hour8, late: false, ...arrays }), { code: 'GP003' }, name);
    }
    const fits = {
      source_idx: [windA.entry_idx, windB.entry_idx],
      sink_idx: [steel1.entry_idx, steel1.entry_idx],
      wh: [Number(windA.export_wh), Number(steel1.import_wh) - Number(windA.export_wh)],
    };
    await attempt({ start_at: hour8, late: false, ...fits });
    t.equal(await readLogSize(ledger.db), sizeBefore + 1, 'the same check accepts allocations within the readings');
  });
}

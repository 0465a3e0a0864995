/**
 * The late-supply pass reads the log from a watermark (migration 020): every
 * due supply reading below it is settled, due meaning its interval is at or
 * before its zone's last matched one. A pass moves it to the log size it read
 * under the lock, or to the first unsettled supply reading not yet due,
 * whichever is smaller, so that reading is read again and settled once it is
 * due: by a matching window, or by a later late pass when the frontier passes
 * its hour unmatched. The watermark only rises (GP008), and the pass reads
 * readings from it by reading's primary key, not the log's whole history.
 */
import { sql } from 'kysely';
import t from 'tap';
import { toBase64, utf8 } from '../../src/crypto/base64.ts';
import { hashLeaf } from '../../src/crypto/merkle.ts';
import type { Signer } from '../../src/crypto/note.ts';
import type { Db } from '../../src/db/log.ts';
import { readLogSize } from '../../src/db/log.ts';
import { lateSupplyQuery } from '../../src/db/late-supply.ts';
import { runMatching } from '../../src/ledger/matching/run.ts';
import { planWindow, writeWindow } from '../../src/ledger/matching/window.ts';
import { addDevice, addParticipant, addZone, postEntries, signReading, startTestApp, type TestApp } from '../helpers/app.ts';
import { testBackends } from '../helpers/database.ts';

const T0 = Date.parse('2024-06-01T00:00:00Z');
const H = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

const watermark = async (db: Db) => Number((await sql<{ w: string | number }>`select watermark as w from late_supply_pass`.execute(db)).rows[0]!.w);
const settled = async (db: Db, idx: number) =>
  Number((await sql<{ n: string | number }>`select count(*) as n from settled_source where source_idx = ${idx}`.execute(db)).rows[0]!.n);

/** Posts readings in each device's chain order (seq, prev) and returns each one's index. */
function poster(env: TestApp) {
  const chains = new Map<string, { seq: number; prev: string }>();
  return async (owner: { token: string }, signer: Signer, device: string, h: number, importWh: number, exportWh: number): Promise<number> => {
    const chain = chains.get(device);
    const note = signReading(signer, {
      device,
      seq: chain ? chain.seq + 1 : 0,
      ...(chain ? { prev: chain.prev } : {}),
      start: iso(T0 + h * H),
      end: iso(T0 + (h + 1) * H),
      importWh: String(importWh),
      exportWh: String(exportWh),
    });
    const response = await postEntries(env.app, owner.token, [note]);
    const result = response.json().results[0];
    if (response.statusCode !== 200 || result.error) throw new Error(response.body);
    chains.set(device, { seq: chain ? chain.seq + 1 : 0, prev: toBase64(hashLeaf(utf8(note))) });
    return Number(result.index);
  };
}

/** Every plan node of an EXPLAIN (FORMAT JSON) answer, depth first. */
function planNodes(plan: Record<string, unknown>): Array<Record<string, unknown>> {
  const children = (plan['Plans'] as Array<Record<string, unknown>> | undefined) ?? [];
  return [plan, ...children.flatMap(planNodes)];
}

/** The plan's nodes that read `reading`, with how. */
async function readingScans(db: Db, from: number): Promise<Array<Record<string, unknown>>> {
  const rows = await lateSupplyQuery(db, from).explain('json');
  const cell = Object.values(rows[0]!)[0];
  const plan = (typeof cell === 'string' ? JSON.parse(cell) : cell) as Array<{ Plan: Record<string, unknown> }>;
  return planNodes(plan[0]!.Plan).filter((node) => node['Relation Name'] === 'reading' || node['Index Name'] === 'reading_pkey');
}

for (const backend of await testBackends()) {
  t.test(`${backend}: the watermark stops at the first supply reading not yet due, which is settled once it is`, async (t) => {
    const env = await startTestApp(backend);
    t.teardown(env.close);
    const { app, ledger } = env;
    const { db } = ledger;
    const post = poster(env);
    await addZone(app);
    const gen = await addParticipant(app, 'generator', 'windco');
    const tenant = await addParticipant(app, 'tenant', 'steelco');
    const windA = await addDevice(app, { id: 'wind-a', owner: gen.id, type: 'wind' });
    const windB = await addDevice(app, { id: 'wind-b', owner: gen.id, type: 'wind' });
    const meter = await addDevice(app, { id: 'meter-1', owner: tenant.id, type: 'consumption' });
    t.equal(await watermark(db), 0, 'the migration starts it at 0');

    await post(gen, windA.signer, 'wind-a', 0, 0, 1000);
    await post(tenant, meter.signer, 'meter-1', 0, 800, 0);
    t.match(await runMatching(ledger, T0 + H), { intervals: 1, lateSettlements: 0 }, 'hour 0 matched');
    t.equal(await watermark(db), await readLogSize(db), 'nothing undue: the log size read under the lock');

    const size = await readLogSize(db);
    const high = await watermark(db);
    for (const pass of [1, 2]) t.match(await runMatching(ledger, T0 + H), { intervals: 0, lateSettlements: 0 }, `pass ${pass} with nothing new`);
    t.equal(await readLogSize(db), size, 'two passes with nothing new append nothing');
    t.equal(await watermark(db), high, 'and leave the watermark where it was');

    // Hour 1 is read but not closed yet; wind-b's hour 0 arrives after hour 0 was matched.
    const undue = await post(gen, windA.signer, 'wind-a', 1, 0, 700);
    await post(tenant, meter.signer, 'meter-1', 1, 500, 0);
    const late = await post(gen, windB.signer, 'wind-b', 0, 0, 300);
    t.match(await runMatching(ledger, T0 + H), { intervals: 0, lateSettlements: 1 }, "wind-b's hour 0 is settled late");
    t.equal(await settled(db, late), 1, 'the late reading has its settlement');
    t.equal(await settled(db, undue), 0, "wind-a's hour 1 is not due");
    t.equal(await watermark(db), undue, `the watermark stops at it (entry ${undue}), below the late reading (${late}) and the log size`);

    t.match(await runMatching(ledger, T0 + 2 * H), { intervals: 1, lateSettlements: 0 }, 'hour 1 matched by its window');
    t.equal(await settled(db, undue), 1, 'the reading the watermark waited on is settled by the window');
    t.equal(await watermark(db), await readLogSize(db), 'the watermark moves on to the log size');

    // A run plans hour 3 (consumption only); wind-b's hour 2 arrives, then that run writes hour 3:
    // the frontier passes hour 2 unmatched (late-supply-skipped-interval.test.ts), and only a late pass settles it.
    await post(tenant, meter.signer, 'meter-1', 3, 400, 0);
    const plan = await planWindow(ledger, db, 'DE-LU', [new Date(T0 + 3 * H)]);
    const skipped = await post(gen, windB.signer, 'wind-b', 2, 0, 200);
    t.match(await runMatching(ledger, T0 + 2 * H), { intervals: 0, lateSettlements: 0 }, 'hour 2 is neither closed nor behind the frontier');
    t.equal(await watermark(db), skipped, `the pass leaves the watermark at it (entry ${skipped}), below the log size`);
    t.match(await writeWindow(ledger, plan, new Map()), { intervals: 1, replanned: false }, 'hour 3 written; hour 2 never matched');
    const before = await readLogSize(db);
    t.match(await runMatching(ledger, T0 + 4 * H), { intervals: 0, lateSettlements: 1 }, 'the next late pass settles it');
    t.equal(await settled(db, skipped), 1, 'the reading of the hour passed unmatched has its settlement');
    t.equal(await watermark(db), before, "and the watermark moves on to the log size under the lock, before the pass's own settlement");
  });

  t.test(`${backend}: the watermark never moves back, and its row stays`, async (t) => {
    const env = await startTestApp(backend);
    t.teardown(env.close);
    const { ledger } = env;
    const { db } = ledger;
    await runMatching(ledger, T0);
    const high = await watermark(db);
    t.ok(high > 0, `a pass moved it to the log size (${high})`);
    await t.rejects(sql`update late_supply_pass set watermark = ${high - 1}`.execute(db), { code: 'GP008' }, 'a lower watermark is refused');
    await t.rejects(sql`delete from late_supply_pass`.execute(db), { code: 'GP001' }, 'DELETE refused');
    await t.rejects(sql`truncate late_supply_pass`.execute(db), { code: 'GP001' }, 'TRUNCATE refused');
    await t.rejects(sql`insert into late_supply_pass (singleton, watermark) values (true, 0)`.execute(db), { code: '23505' }, 'one row only');
    t.same(
      (await sql`select singleton, watermark::text as watermark from late_supply_pass`.execute(db)).rows,
      [{ singleton: true, watermark: String(high) }],
      'the row is unchanged',
    );
  });

  t.test(`${backend}: the late pass reads readings from the watermark by reading's primary key`, async (t) => {
    const env = await startTestApp(backend);
    t.teardown(env.close);
    const { app, ledger } = env;
    const { db } = ledger;
    await addZone(app);
    const gen = await addParticipant(app, 'generator', 'windco');
    await addDevice(app, { id: 'wind-a', owner: gen.id, type: 'wind' });
    await addDevice(app, { id: 'wind-b', owner: gen.id, type: 'wind' });
    // A year of hours from two meters, written as the intake writes them
    // (entries, readings with their leaf hashes, chains), without signing each.
    const fill = async (fromHour: number, hours: number) => {
      const size = await readLogSize(db);
      await sql`insert into entry (idx, leaf_hash, bytes, kind)
                select ${size} + g, sha256('\\x00'::bytea || b), b, 'reading'
                  from generate_series(0, ${2 * hours - 1}) g, convert_to('filler reading ' || (${size} + g), 'UTF8') b`.execute(db);
      await sql`insert into reading (entry_idx, leaf_hash, device_id, seq, start_at, end_at, import_wh, export_wh)
                select e.idx, e.leaf_hash, case when (e.idx - ${size}) % 2 = 0 then 'wind-a' else 'wind-b' end, h, s, s + interval '1 hour', 0, 500
                  from entry e,
                       lateral (select ${fromHour} + (e.idx - ${size}) / 2 as h) hh,
                       lateral (select ${new Date(T0).toISOString()}::timestamptz + make_interval(hours => hh.h::int) as s) ss
                 where e.idx >= ${size}
                 order by e.idx`.execute(db);
      await sql`update log_head set size = ${size + 2 * hours}`.execute(db);
      return size;
    };
    await fill(0, 8760);
    await sql`analyze`.execute(db);
    // The hour logged since the statistics were taken, as a pass usually finds it.
    const since = await fill(8760, 1);

    const all = await readingScans(db, 0);
    t.ok(
      all.some((node) => node['Node Type'] === 'Seq Scan'),
      `from 0 the planner reads all ${2 * 8761} readings in sequence, so the table is large enough to tell (${JSON.stringify(all.map((node) => node['Node Type']))})`,
    );
    const scans = await readingScans(db, since);
    t.ok(scans.length > 0, 'the plan reads reading');
    t.same(
      scans.filter((node) => node['Node Type'] === 'Seq Scan'),
      [],
      `from the watermark, no sequential scan of reading (${JSON.stringify(scans.map((node) => node['Node Type']))})`,
    );
    t.ok(
      scans.some((node) => node['Index Name'] === 'reading_pkey' && /entry_idx >=/.test(String(node['Index Cond']))),
      `a range on reading's primary key (${JSON.stringify(scans.map((node) => [node['Node Type'], node['Index Name'], node['Index Cond']]))})`,
    );
  });
}

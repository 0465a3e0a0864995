/**
 * A window is planned without the head lock and written under it
 * (src/ledger/matching/window.ts). What the log gained in between must not
 * be lost: a reading or contract logged after the plan makes the write plan
 * the window again, and a window another run matched meanwhile is not
 * written twice. docs/design.md §5: the readings matched are exactly those
 * logged before the settlement.
 */
import t from 'tap';
import { sql } from 'kysely';
import { testBackends } from '../helpers/database.ts';
import { addZone, addDevice, addParticipant, auth, OPERATOR_TOKEN, ORIGIN, postEntries, signReading, startTestApp, type TestApp } from '../helpers/app.ts';
import { hashLeaf } from '../../src/crypto/merkle.ts';
import { toBase64, utf8 } from '../../src/crypto/base64.ts';
import { parseEntry } from '../../src/domain/entry.ts';
import { allocationId, allocationsOf } from '../../src/domain/allocation-id.ts';
import type { SettlementPayload } from '../../src/domain/payloads.ts';
import { planWindow, writeWindow } from '../../src/ledger/matching/window.ts';
import { runMatching } from '../../src/ledger/matching/run.ts';
import type { Signer } from '../../src/crypto/note.ts';

const T0 = Date.parse('2024-06-01T00:00:00Z');
const H = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const STARTS = [new Date(T0), new Date(T0 + H)];

async function post(env: TestApp, owner: { token: string }, signer: Signer, device: string, h: number, importWh: number, exportWh: number): Promise<void> {
  const note = signReading(signer, {
    device,
    seq: h,
    start: iso(T0 + h * H),
    end: iso(T0 + (h + 1) * H),
    importWh: String(importWh),
    exportWh: String(exportWh),
  });
  const response = await postEntries(env.app, owner.token, [note]);
  if (response.statusCode !== 200 || response.json().results[0].error) throw new Error(response.body);
}

/** Wind and one tenant with hour 0 read; a second tenant whose meter has not sent yet. */
async function park(env: TestApp) {
  const { app } = env;
  await addZone(app);
  const gen = await addParticipant(app, 'generator', 'windco');
  const first = await addParticipant(app, 'tenant', 'firstco');
  const second = await addParticipant(app, 'tenant', 'secondco');
  const wind = await addDevice(app, { id: 'wind-1', owner: gen.id, type: 'wind' });
  const meter1 = await addDevice(app, { id: 'meter-1', owner: first.id, type: 'consumption' });
  const meter2 = await addDevice(app, { id: 'meter-2', owner: second.id, type: 'consumption' });
  await post(env, gen, wind.signer, 'wind-1', 0, 0, 1000);
  await post(env, first, meter1.signer, 'meter-1', 0, 400, 0);
  return { second, meter2 };
}

async function allocatedTo(env: TestApp, device: string): Promise<number> {
  const { rows } = await sql<{ wh: string | number | null }>`
    select sum(a.wh) as wh from allocation a join reading r on r.entry_idx = a.sink_idx where r.device_id = ${device}`.execute(env.ledger.db);
  return Number(rows[0]?.wh ?? 0);
}

for (const backend of await testBackends()) {
  t.test(`${backend}: a reading logged between plan and write is matched all the same`, async (t) => {
    const env = await startTestApp(backend);
    t.teardown(env.close);
    const { second, meter2 } = await park(env);
    const plan = await planWindow(env.ledger, env.ledger.db, 'DE-LU', STARTS.slice(0, 1));
    t.equal(plan.seen.readings, 2, 'the plan saw wind-1 and meter-1');
    await post(env, second, meter2.signer, 'meter-2', 0, 600, 0);

    const written = await writeWindow(env.ledger, plan, new Map());
    t.equal(written?.replanned, true, 'planned again under the lock');
    t.equal(await allocatedTo(env, 'meter-1'), 400);
    t.equal(await allocatedTo(env, 'meter-2'), 600, 'the new reading got its share of the wind');
  });

  t.test(`${backend}: a contract logged between plan and write is honoured`, async (t) => {
    const env = await startTestApp(backend);
    t.teardown(env.close);
    const { second, meter2 } = await park(env);
    await post(env, second, meter2.signer, 'meter-2', 0, 900, 0);
    const plan = await planWindow(env.ledger, env.ledger.db, 'DE-LU', STARTS.slice(0, 1));
    const contract = await env.app.inject({
      method: 'POST',
      url: '/v1/contracts',
      headers: auth(OPERATOR_TOKEN),
      payload: { id: 'ppa-1', device: 'wind-1', tenant: 'secondco', priority: 0, validFrom: '2024-01-01T00:00:00Z' },
    });
    t.equal(contract.statusCode, 201, contract.body);

    const written = await writeWindow(env.ledger, plan, new Map());
    t.equal(written?.replanned, true);
    // Pro rata alone would give 692 and 307 of the 1000 Wh.
    t.equal(await allocatedTo(env, 'meter-2'), 900, 'the PPA tenant is served first');
    t.equal(await allocatedTo(env, 'meter-1'), 100, 'the pool gets the rest');
    const { rows } = await sql<{ n: string | number }>`select count(*) as n from entry where kind = 'settlement'`.execute(env.ledger.db);
    t.equal(Number(rows[0]!.n), 1, 'one settlement: the stale plan was not written');
  });

  t.test(`${backend}: an unchanged plan is written as planned; a window matched meanwhile is not written again`, async (t) => {
    const env = await startTestApp(backend);
    t.teardown(env.close);
    await park(env);
    const plan = await planWindow(env.ledger, env.ledger.db, 'DE-LU', STARTS.slice(0, 1));
    const stale = await planWindow(env.ledger, env.ledger.db, 'DE-LU', STARTS.slice(0, 1));
    const written = await writeWindow(env.ledger, plan, new Map());
    t.match(written, { intervals: 1, settlements: 1, replanned: false });
    t.equal(await writeWindow(env.ledger, stale, new Map()), undefined, 'the zone frontier moved: nothing written');
    const again = await runMatching(env.ledger, T0 + H);
    t.match(again, { intervals: 0, settlements: 0 }, 'and a run finds nothing left');
    const { rows } = await sql<{ n: string | number }>`select count(*) as n from settlement`.execute(env.ledger.db);
    t.equal(Number(rows[0]!.n), 1);
  });
}

/**
 * A run that starts while a battery holds a lot charged in an earlier run,
 * and discharges only in its second window: the draw names the charge's
 * settlement, which that run wrote no entry for, so its index must come
 * from the lots the first window read from the database (writeWindow's
 * `settled`), not from the window that draws.
 */
const WINDOW = 168; // src/ledger/matching/run.ts: intervals per window
const LAST = WINDOW + 1; // hours 1..WINDOW are the run's first window, LAST its second

/** Signs one device's readings as a chain (seq, prev) and posts them in one request. */
async function postChain(
  env: TestApp,
  owner: { token: string },
  signer: Signer,
  device: string,
  hours: Array<[h: number, importWh: number, exportWh: number]>,
): Promise<void> {
  const notes: string[] = [];
  let prev: string | undefined;
  for (const [seq, [h, importWh, exportWh]] of hours.entries()) {
    const note = signReading(signer, {
      device,
      seq,
      ...(prev ? { prev } : {}),
      start: iso(T0 + h * H),
      end: iso(T0 + (h + 1) * H),
      importWh: String(importWh),
      exportWh: String(exportWh),
    });
    prev = toBase64(hashLeaf(utf8(note)));
    notes.push(note);
  }
  const response = await postEntries(env.app, owner.token, notes);
  if (response.statusCode !== 200 || response.json().results.some((r: { error?: unknown }) => r.error)) throw new Error(response.body);
}

interface ChargeRow {
  settlement_idx: number;
  position: number;
  lot_wh: number;
  leaf_hash: Uint8Array;
}

async function charges(env: TestApp): Promise<ChargeRow[]> {
  const { rows } = await sql<ChargeRow>`
    select c.settlement_idx, c.position, c.lot_wh, e.leaf_hash from storage_charge c join entry e on e.idx = c.settlement_idx
     order by c.settlement_idx, c.position`.execute(env.ledger.db);
  return rows.map((r) => ({ ...r, settlement_idx: Number(r.settlement_idx), position: Number(r.position), lot_wh: Number(r.lot_wh) }));
}

for (const backend of await testBackends()) {
  t.test(`${backend}: a later window of a run draws on a lot charged before the run`, async (t) => {
    const env = await startTestApp(backend);
    t.teardown(env.close);
    const { app } = env;
    await addZone(app);
    const gen = await addParticipant(app, 'generator', 'parkco');
    const tenant = await addParticipant(app, 'tenant', 'nightco');
    const wind = await addDevice(app, { id: 'wind-1', owner: gen.id, type: 'wind' });
    const battery = await addDevice(app, { id: 'battery-1', owner: gen.id, type: 'storage', energyCapacityWh: '10000', efficiencyBp: 9000 });
    const meter = await addDevice(app, { id: 'night-meter', owner: tenant.id, type: 'consumption' });
    // Hour 0: the tenant takes 1000 of 5000 Wh of wind, the battery charges 3000 (a lot of 2700).
    // Hour 1: 100 of 1100, the battery charges 1000 (900): a lot the run itself writes, behind the first in FIFO.
    // Hours 2..WINDOW: the tenant alone, with no supply: they only fill the first window.
    // Hour LAST: the battery discharges 3000 into the tenant's 3000, drawing 2700 then 300.
    await postChain(env, gen, wind.signer, 'wind-1', [
      [0, 0, 5000],
      [1, 0, 1100],
    ]);
    await postChain(env, gen, battery.signer, 'battery-1', [
      [0, 3000, 0],
      [1, 1000, 0],
      [LAST, 0, 3000],
    ]);
    await postChain(env, tenant, meter.signer, 'night-meter', [
      [0, 1000, 0],
      [1, 100, 0],
      ...Array.from({ length: LAST - 1 }, (_, i): [number, number, number] => [i + 2, i + 2 === LAST ? 3000 : 100, 0]),
    ]);

    t.match(await runMatching(env.ledger, T0 + H), { intervals: 1, settlements: 1 }, 'the earlier run matches hour 0 only');
    const [held, ...more] = await charges(env);
    t.equal(more.length, 0, 'one charge in hour 0');
    t.equal(held?.lot_wh, 2700, 'the battery holds a lot from the earlier run');

    const summary = await runMatching(env.ledger, T0 + (LAST + 1) * H);
    t.match(summary, { intervals: LAST, settlements: 2 }, 'hours 1..LAST matched; hours 1 and LAST had supply');
    const all = await charges(env);
    t.equal(all.length, 2, "the pre-run charge and hour 1's");
    const [old, fresh] = all as [ChargeRow, ChargeRow];
    t.same([old.settlement_idx, old.position], [held!.settlement_idx, held!.position], 'the pre-run charge is the older');
    t.equal(fresh.lot_wh, 900, 'the run charged a second lot in hour 1');

    const { rows: settlements } = await sql<{ entry_idx: number; start_at: Date; tx: string; bytes: Uint8Array }>`
      select s.entry_idx, s.start_at, s.xmin::text as tx, e.bytes from settlement s join entry e on e.idx = s.entry_idx
       order by s.entry_idx`.execute(env.ledger.db);
    t.same(
      settlements.map((s) => s.start_at.getTime()),
      [T0, T0 + H, T0 + LAST * H],
      'settlements of hours 0, 1 and LAST: no others had supply',
    );
    const [, charged, drawing] = settlements;
    // The scenario needs the draw in a later window than the charge: one transaction per window.
    t.not(drawing?.tx, charged?.tx, 'hour LAST was written in another window than hour 1');

    const payload = parseEntry(new TextDecoder().decode(drawing!.bytes), ORIGIN).payload as SettlementPayload;
    const discharge = allocationsOf(payload);
    t.equal(discharge.length, 1, 'one allocation: battery to tenant');
    t.same(
      discharge[0]?.draws,
      [
        { allocation: allocationId(toBase64(old.leaf_hash), old.position), wh: '2700' },
        { allocation: allocationId(toBase64(fresh.leaf_hash), fresh.position), wh: '300' },
      ],
      'FIFO: the pre-run lot first, all of it, then the run’s own',
    );
    const { rows: draws } = await sql<{ settlement_idx: number; position: number; charge_settlement_idx: number; charge_position: number; wh: number }>`
      select * from allocation_draw order by charge_settlement_idx, charge_position`.execute(env.ledger.db);
    t.same(
      draws.map((d) => [d.settlement_idx, d.position, d.charge_settlement_idx, d.charge_position, d.wh].map(Number)),
      [
        [Number(drawing!.entry_idx), 0, old.settlement_idx, old.position, 2700],
        [Number(drawing!.entry_idx), 0, fresh.settlement_idx, fresh.position, 300],
      ],
      'each draw projected at the index of the settlement its payload names',
    );
    const { rows: left } = await sql<{ settlement_idx: number; remaining: number }>`
      select c.settlement_idx, c.lot_wh - coalesce((select sum(d.wh) from allocation_draw d
                                where d.charge_settlement_idx = c.settlement_idx and d.charge_position = c.position), 0) as remaining
        from storage_charge c order by c.settlement_idx`.execute(env.ledger.db);
    t.same(
      left.map((l) => Number(l.remaining)),
      [0, 600],
      'the pre-run lot is spent; 600 Wh of the run’s own lot remain',
    );
  });
}

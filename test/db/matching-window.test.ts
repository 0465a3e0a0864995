/**
 * A window is planned without the head lock and written under it
 * (src/ledger/matching-window.ts). What the log gained in between must not
 * be lost: a reading or contract logged after the plan makes the write plan
 * the window again, and a window another run matched meanwhile is not
 * written twice. DESIGN.md "Matching": the readings matched are exactly those
 * logged before the settlement.
 */
import t from 'tap';
import { sql } from 'kysely';
import { testBackends } from '../helpers/database.ts';
import { addDevice, addParticipant, auth, OPERATOR_TOKEN, postEntries, signReading, startTestApp, type TestApp } from '../helpers/app.ts';
import { planWindow, writeWindow } from '../../src/ledger/matching-window.ts';
import { runMatching } from '../../src/ledger/matching.ts';
import type { Signer } from '../../src/crypto/note.ts';

const T0 = Date.parse('2024-06-01T00:00:00Z');
const H = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const STARTS = [new Date(T0), new Date(T0 + H)];

async function post(env: TestApp, owner: { token: string }, signer: Signer, device: string, h: number, importWh: number, exportWh: number): Promise<void> {
  const note = signReading(signer, { device, seq: h, start: iso(T0 + h * H), end: iso(T0 + (h + 1) * H), importWh: String(importWh), exportWh: String(exportWh) });
  const response = await postEntries(env.app, owner.token, [note]);
  if (response.statusCode !== 200 || response.json().results[0].error) throw new Error(response.body);
}

/** Wind and one tenant with hour 0 read; a second tenant whose meter has not sent yet. */
async function park(env: TestApp) {
  const { app } = env;
  await app.inject({ method: 'POST', url: '/v1/zones', headers: auth(OPERATOR_TOKEN), payload: { zone: 'DE-LU', gCO2PerKWh: 380, validFrom: '2018-01-01T00:00:00Z' } });
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
      method: 'POST', url: '/v1/contracts', headers: auth(OPERATOR_TOKEN),
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

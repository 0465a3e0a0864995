/**
 * End to end on one week of real data (docs/design.md §5): the first week of
 * 2019 of German national wind, solar and load (test/fixtures/park-week,
 * see its PROVENANCE.md) scaled to one park — a 20 MW wind farm, a 10 MW
 * solar field, three tenants (flat, day shift, load following) — posted
 * through POST /v1/entries, matched, and checked against a calculation
 * written here, independently of src/domain. A second park adds an
 * 8 MWh / 4 MW battery at 90 % and checks the storage invariants.
 */
import { readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { testBackends } from '../helpers/database.ts';
import { signChain, addDevice, addParticipant, auth, OPERATOR_TOKEN, postEntries, startTestApp, type TestApp } from '../helpers/app.ts';
import { hashLeaf } from '../../src/crypto/merkle.ts';
import { verifierOf } from '../../src/crypto/note.ts';
import { readEntryRange, readLogSize } from '../../src/db/log.ts';
import { LogReplay } from '../../src/domain/monitor/replay.ts';

const H = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

interface Row {
  start: number;
  wind: number;
  solar: number;
  load: number;
}
const rows: Row[] = readFileSync(new URL('../fixtures/park-week/de-2019-week1.csv', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [ts, , , wind, solar, load] = line.split(',');
    return { start: Date.parse(ts!), wind: Number(wind), solar: Number(solar), load: Number(load) };
  });
const HOURS = rows.length;
const FROM = rows[0]!.start;
const TO = FROM + HOURS * H;

const maxOf = (f: (r: Row) => number) => Math.max(...rows.map(f));
const [maxWind, maxSolar, maxLoad] = [maxOf((r) => r.wind), maxOf((r) => r.solar), maxOf((r) => r.load)];
/** Integer Wh: the national hour scaled so that the week's peak is `peakWh`. */
const scale = (value: number, max: number, peakWh: number) => Math.floor((value * peakWh) / max);

const BATTERY = { capacityWh: 8_000_000, powerWh: 4_000_000, efficiencyBp: 9000 };

interface Series {
  id: string;
  type: 'wind' | 'solar' | 'storage' | 'consumption';
  owner: string;
  capacityW: number;
  importWh: number[];
  exportWh: number[];
}

const zeros = () => rows.map(() => 0);
const wind: Series = {
  id: 'wind-farm',
  type: 'wind',
  owner: 'parkco',
  capacityW: 20_000_000,
  importWh: zeros(),
  exportWh: rows.map((r) => scale(r.wind, maxWind, 20_000_000)),
};
const solar: Series = {
  id: 'solar-field',
  type: 'solar',
  owner: 'parkco',
  capacityW: 10_000_000,
  exportWh: rows.map((r) => scale(r.solar, maxSolar, 10_000_000)),
  importWh: zeros(),
};
const localHour = (ms: number) => (new Date(ms).getUTCHours() + 1) % 24; // CET in January
const tenants: Series[] = [
  // Flat: the week's mean load, scaled to 8 MWh at the peak, every hour.
  {
    id: 'flat-meter',
    type: 'consumption',
    owner: 'flatco',
    capacityW: 20_000_000,
    exportWh: zeros(),
    importWh: rows.map(() => scale(rows.reduce((s, r) => s + r.load, 0) / HOURS, maxLoad, 8_000_000)),
  },
  // Day shift: 06:00–18:00 local, following the load, nothing at night.
  {
    id: 'day-meter',
    type: 'consumption',
    owner: 'dayco',
    capacityW: 20_000_000,
    exportWh: zeros(),
    importWh: rows.map((r) => (localHour(r.start) >= 6 && localHour(r.start) < 18 ? scale(r.load, maxLoad, 12_000_000) : 0)),
  },
  // Load following: the national load shape, 10 MWh at the peak.
  {
    id: 'follow-meter',
    type: 'consumption',
    owner: 'followco',
    capacityW: 20_000_000,
    exportWh: zeros(),
    importWh: rows.map((r) => scale(r.load, maxLoad, 10_000_000)),
  },
];

/** The battery's dispatch (the test's own, physical): charge the surplus, discharge into the deficit, within power and energy. */
function batterySeries(): Series & { soc: number[] } {
  const importWh = zeros();
  const exportWh = zeros();
  const soc: number[] = [];
  let held = 0;
  for (let h = 0; h < HOURS; h++) {
    const supply = wind.exportWh[h]! + solar.exportWh[h]!;
    const demand = tenants.reduce((s, x) => s + x.importWh[h]!, 0);
    if (supply > demand) {
      const charge = Math.min(supply - demand, BATTERY.powerWh, Math.floor(((BATTERY.capacityWh - held) * 10000) / BATTERY.efficiencyBp));
      importWh[h] = charge;
      held += Math.floor((charge * BATTERY.efficiencyBp) / 10000);
    } else {
      const discharge = Math.min(demand - supply, BATTERY.powerWh, held);
      exportWh[h] = discharge;
      held -= discharge;
    }
    soc.push(held);
  }
  return { id: 'battery', type: 'storage', owner: 'parkco', capacityW: 4_000_000, importWh, exportWh, soc };
}

async function buildPark(env: TestApp, withBattery: boolean): Promise<Array<Series & { soc?: number[] }>> {
  const { app } = env;
  await app.inject({
    method: 'POST',
    url: '/v1/zones',
    headers: auth(OPERATOR_TOKEN),
    payload: { zone: 'DE-LU', gCO2PerKWh: 350, validFrom: '2018-01-01T00:00:00Z' },
  });
  const owners = new Map<string, { id: string; token: string }>();
  owners.set('parkco', await addParticipant(app, 'generator', 'parkco'));
  for (const x of tenants) owners.set(x.owner, await addParticipant(app, 'tenant', x.owner));
  const all = [wind, solar, ...tenants, ...(withBattery ? [batterySeries()] : [])];
  for (const series of all) {
    const key = await addDevice(app, {
      id: series.id,
      owner: series.owner,
      type: series.type,
      capacityW: series.capacityW,
      ...(series.type === 'storage' ? { energyCapacityWh: String(BATTERY.capacityWh), efficiencyBp: BATTERY.efficiencyBp } : {}),
    });
    const notes = signChain(
      key.signer,
      series.id,
      rows.map((r, h) => ({ start: iso(r.start), end: iso(r.start + H), importWh: String(series.importWh[h]), exportWh: String(series.exportWh[h]) })),
    );
    const response = await postEntries(app, owners.get(series.owner)!.token, notes);
    const failed = response.json().results?.filter((r: { error?: unknown }) => r.error) ?? [response.body];
    if (response.statusCode !== 200 || failed.length > 0) throw new Error(`${series.id}: ${JSON.stringify(failed.slice(0, 3))}`);
  }
  return all;
}

async function runAll(app: FastifyInstance) {
  const r = await app.inject({ method: 'POST', url: '/v1/matching/runs', headers: auth(OPERATOR_TOKEN), payload: { until: iso(TO) } });
  if (r.statusCode !== 200) throw new Error(r.body);
  return r.json();
}

async function tenantView(app: FastifyInstance, tenant: string) {
  const r = await app.inject({ url: `/v1/tenants/${tenant}/matching?from=${iso(FROM)}&to=${iso(TO)}`, headers: auth(OPERATOR_TOKEN) });
  if (r.statusCode !== 200) throw new Error(r.body);
  return r.json() as {
    intervals: Array<{ start: string; consumedWh: string; matchedWh: string; bySource: Array<{ device: string; wh: string }> }>;
    totals: { consumedWh: string; matchedWh: string; cfeScore: number };
  };
}

/** Whole Wh pro rata: floor, then the remainder one by one to the largest fractional parts. */
function proRata(total: number, weights: number[]): number[] {
  const sum = weights.reduce((s, w) => s + w, 0);
  if (sum === 0) return weights.map(() => 0);
  const exact = weights.map((w) => BigInt(total) * BigInt(w));
  const shares = exact.map((e) => Number(e / BigInt(sum)));
  let left = total - shares.reduce((s, x) => s + x, 0);
  const order = exact.map((e, i) => ({ i, rem: e % BigInt(sum) })).sort((a, b) => (a.rem === b.rem ? 0 : a.rem > b.rem ? -1 : 1));
  for (const { i } of order) {
    if (left === 0) break;
    shares[i]! += 1;
    left -= 1;
  }
  return shares;
}

/** Invariants over the whole database, in SQL: each query counts offenders. */
const INVARIANTS: Record<string, ReturnType<typeof sql<{ n: string | number }>>> = {
  'Σ allocated from a reading ≤ its export': sql`select count(*) as n from (select a.source_idx from allocation a join reading r on r.entry_idx = a.source_idx group by a.source_idx, r.export_wh having sum(a.wh) > r.export_wh) x`,
  'Σ allocated to a reading ≤ its import': sql`select count(*) as n from (select a.sink_idx from allocation a join reading r on r.entry_idx = a.sink_idx group by a.sink_idx, r.import_wh having sum(a.wh) > r.import_wh) x`,
  'every supply reading is settled': sql`select count(*) as n from reading r join device d on d.id = r.device_id left join settled_source s on s.source_idx = r.entry_idx where d.type in ('wind', 'solar', 'storage') and r.export_wh > 0 and s.source_idx is null`,
  'one matching settlement per interval and zone': sql`select count(*) as n from (select start_at, zone from settlement where not late group by start_at, zone having count(*) > 1) x`,
  'a settlement states what was allocated': sql`select count(*) as n from settled_source s where s.allocated_wh <> coalesce((select sum(a.wh) from allocation a where a.source_idx = s.source_idx), 0)`,
  'a settlement states the export': sql`select count(*) as n from settled_source s join reading r on r.entry_idx = s.source_idx where s.supply_wh <> r.export_wh`,
  'allocations are in their settlement': sql`select count(*) as n from allocation a join settled_source s on s.source_idx = a.source_idx where s.settlement_idx <> a.settlement_idx`,
  'allocations stay in their interval': sql`select count(*) as n from allocation a join reading src on src.entry_idx = a.source_idx join reading snk on snk.entry_idx = a.sink_idx where src.start_at <> a.start_at or snk.start_at <> a.start_at`,
  'a discharge is its draws': sql`select count(*) as n from allocation a join reading r on r.entry_idx = a.source_idx join device d on d.id = r.device_id where d.type = 'storage' and a.wh <> coalesce((select sum(x.wh) from allocation_draw x where x.settlement_idx = a.settlement_idx and x.position = a.position), 0)`,
  'a charge is drawn within its green energy after losses': sql`select count(*) as n from allocation c join reading r on r.entry_idx = c.sink_idx join device d on d.id = r.device_id where (select coalesce(sum(x.wh), 0) from allocation_draw x where x.charge_settlement_idx = c.settlement_idx and x.charge_position = c.position) > c.wh * d.efficiency_bp / 10000`,
  'every charge is projected with its lot': sql`select count(*) as n from allocation c join reading r on r.entry_idx = c.sink_idx join device d on d.id = r.device_id left join storage_charge s on s.settlement_idx = c.settlement_idx and s.position = c.position where d.type = 'storage' and (s.lot_wh is null or s.lot_wh <> c.wh * d.efficiency_bp / 10000)`,
  'a draw is of an earlier charge of the same device': sql`select count(*) as n from allocation_draw x join allocation a on a.settlement_idx = x.settlement_idx and a.position = x.position join allocation c on c.settlement_idx = x.charge_settlement_idx and c.position = x.charge_position join reading src on src.entry_idx = a.source_idx join reading chg on chg.entry_idx = c.sink_idx where c.start_at >= a.start_at or src.device_id <> chg.device_id`,
};

async function checkInvariants(t: Test, env: TestApp): Promise<void> {
  for (const [name, query] of Object.entries(INVARIANTS)) {
    const {
      rows: [row],
    } = await query.execute(env.ledger.db);
    t.equal(Number(row!.n), 0, name);
  }
}

/** The monitor's replay of the whole log, re-executing matching for every settlement (docs/design.md §7): no finding. */
async function checkReplay(t: Test, env: TestApp): Promise<void> {
  const replay = new LogReplay({ origin: env.ledger.origin, logVerifier: verifierOf(env.logSigner), verify: env.ledger.verify });
  const size = await readLogSize(env.ledger.db);
  const findings = [];
  for (let start = 0; start < size; start += 1000) {
    for (const { idx, bytes } of await readEntryRange(env.ledger.db, start, 1000))
      findings.push(...replay.add(idx, new TextDecoder().decode(bytes), hashLeaf(bytes)));
  }
  t.equal(replay.size, size);
  t.same(findings, [], 'the monitor re-executes every settlement of the week: no finding');
}

for (const backend of await testBackends()) {
  t.test(`${backend}: a week of real data, wind and solar, three tenants`, async (t) => {
    t.equal(HOURS, 168);
    const env = await startTestApp(backend);
    t.teardown(env.close);
    await buildPark(env, false);
    const summary = await runAll(env.app);
    t.equal(summary.intervals, HOURS);
    t.equal(summary.lateSettlements, 0);

    // The independent calculation: per hour, matched = min(supply, demand), split pro rata to demand.
    const expected = new Map<string, number[]>(tenants.map((x) => [x.owner, []]));
    let supplyWeek = 0;
    let demandWeek = 0;
    for (let h = 0; h < HOURS; h++) {
      const supply = wind.exportWh[h]! + solar.exportWh[h]!;
      const demands = tenants.map((x) => x.importWh[h]!);
      const demand = demands.reduce((s, d) => s + d, 0);
      supplyWeek += supply;
      demandWeek += demand;
      proRata(Math.min(supply, demand), demands).forEach((wh, i) => expected.get(tenants[i]!.owner)!.push(wh));
    }
    t.ok(supplyWeek > 0 && demandWeek > 0);
    t.ok(
      rows.some((_, h) => wind.exportWh[h]! + solar.exportWh[h]! > tenants.reduce((s, x) => s + x.importWh[h]!, 0)),
      'the week has surplus hours',
    );
    t.ok(
      rows.some((_, h) => wind.exportWh[h]! + solar.exportWh[h]! < tenants.reduce((s, x) => s + x.importWh[h]!, 0)),
      'and deficit hours',
    );

    const hourlyMatched = rows.map(() => 0);
    for (const [i, tenant] of tenants.entries()) {
      const view = await tenantView(env.app, tenant.owner);
      const want = expected.get(tenant.owner)!;
      const byStart = new Map(view.intervals.map((x) => [x.start, x]));
      let worst = 0;
      let week = 0;
      rows.forEach((r, h) => {
        const got = byStart.get(iso(r.start));
        const matched = Number(got?.matchedWh ?? 0);
        worst = Math.max(worst, Math.abs(matched - want[h]!));
        hourlyMatched[h]! += matched;
        week += matched;
        if (got && BigInt(got.consumedWh) !== BigInt(tenant.importWh[h]!)) t.fail(`${tenant.owner} ${iso(r.start)} consumed ${got.consumedWh}`);
      });
      // Pro rata is applied source by source (wind, then solar); each floors, so an hour may differ by one Wh per source.
      t.ok(worst <= 2, `${tenant.owner}: every hour within 2 Wh of the independent pro-rata split (worst ${worst})`);
      const wantWeek = want.reduce((s, x) => s + x, 0);
      t.ok(Math.abs(week - wantWeek) <= 2 * HOURS, `${tenant.owner}: week ${week} Wh vs ${wantWeek} Wh`);
      t.equal(view.totals.matchedWh, String(week), 'totals add up the hours');
      t.equal(view.totals.consumedWh, String(tenant.importWh.reduce((s, x) => s + x, 0)));
      const consumed = tenant.importWh.reduce((s, x) => s + x, 0);
      // The score is rounded half up to 6 decimals.
      t.ok(Math.abs(view.totals.cfeScore - week / consumed) <= 5e-7, `${tenant.owner}: cfeScore ${view.totals.cfeScore}`);
      if (i === 1)
        t.ok(
          view.intervals.every((x) => (localHour(Date.parse(x.start)) >= 6 && localHour(Date.parse(x.start)) < 18) || x.matchedWh === '0'),
          'the day shift is matched only in its hours',
        );
    }
    rows.forEach((_, h) => {
      const exact = Math.min(
        wind.exportWh[h]! + solar.exportWh[h]!,
        tenants.reduce((s, x) => s + x.importWh[h]!, 0),
      );
      if (hourlyMatched[h] !== exact) t.fail(`hour ${h}: tenants matched ${hourlyMatched[h]}, min(supply, demand) = ${exact}`);
    });
    t.pass('every hour: Σ tenants matched = min(supply, demand), exactly');
    await checkInvariants(t, env);
    await checkReplay(t, env);
  });

  t.test(`${backend}: the same week with a battery`, async (t) => {
    const env = await startTestApp(backend);
    t.teardown(env.close);
    const devices = await buildPark(env, true);
    // A PPA from the second day on: re-execution must rank it and honour its validity and share.
    const ppa = await env.app.inject({
      method: 'POST',
      url: '/v1/contracts',
      headers: auth(OPERATOR_TOKEN),
      payload: { id: 'ppa-follow', device: 'wind-farm', tenant: 'followco', priority: 0, shareBp: 3000, validFrom: iso(FROM + 24 * H) },
    });
    t.equal(ppa.statusCode, 201, ppa.body);
    const battery = devices.find((d) => d.type === 'storage')!;
    t.ok(battery.importWh.some((x) => x > 0) && battery.exportWh.some((x) => x > 0), 'the battery both charges and discharges during the week');
    const summary = await runAll(env.app);
    t.equal(summary.intervals, HOURS);
    await checkInvariants(t, env);
    await checkReplay(t, env);

    const { rows: allocations } = await sql<{ id: string; start_at: Date; wh: number; source_type: string; sink_type: string; sink_owner: string }>`
      select a.settlement_idx || '#' || a.position as id, a.start_at, a.wh, ds.type as source_type, dk.type as sink_type, dk.owner as sink_owner
        from allocation a
        join reading src on src.entry_idx = a.source_idx join device ds on ds.id = src.device_id
        join reading snk on snk.entry_idx = a.sink_idx join device dk on dk.id = snk.device_id
       order by a.settlement_idx, a.position`.execute(env.ledger.db);
    const { rows: draws } = await sql<{ id: string; wh: number }>`select settlement_idx || '#' || position as id, wh from allocation_draw`.execute(
      env.ledger.db,
    );
    const hourOf = (a: { start_at: Date }) => Math.round((a.start_at.getTime() - FROM) / H);
    const charges = allocations.filter((a) => a.sink_type === 'storage');
    const discharges = allocations.filter((a) => a.source_type === 'storage');
    t.ok(charges.length > 0 && discharges.length > 0, `green charge (${charges.length}) and green discharge (${discharges.length})`);
    t.equal(allocations.filter((a) => a.source_type === 'storage' && a.sink_type === 'storage').length, 0, 'storage never charges storage');

    // The attributed (green) state of charge, hour by hour: lots after losses less draws, within [0, capacity].
    const green = rows.map(() => 0);
    for (const c of charges) green[hourOf(c)]! += Math.floor((Number(c.wh) * BATTERY.efficiencyBp) / 10000);
    const byId = new Map(allocations.map((a) => [a.id, a]));
    for (const d of draws) green[hourOf(byId.get(d.id)!)]! -= Number(d.wh);
    let soc = 0;
    let low = Infinity;
    let high = -Infinity;
    for (let h = 0; h < HOURS; h++) {
      soc += green[h]!;
      low = Math.min(low, soc);
      high = Math.max(high, soc);
      // Green charge cannot exceed what is physically held (the test's own dispatch).
      if (soc > battery.soc![h]!) t.fail(`hour ${h}: green state of charge ${soc} above the physical ${battery.soc![h]}`);
    }
    t.ok(low >= 0, `green state of charge never below 0 (lowest ${low} Wh)`);
    t.ok(high <= BATTERY.capacityWh, `nor above the energy capacity (highest ${high} Wh)`);

    // Tenants first: in an hour the battery charges green, every tenant is fully matched.
    const tenantMatched = rows.map(() => 0);
    for (const a of allocations) if (a.sink_type === 'consumption') tenantMatched[hourOf(a)]! += Number(a.wh);
    for (const c of charges) {
      const h = hourOf(c);
      const demand = tenants.reduce((s, x) => s + x.importWh[h]!, 0);
      if (tenantMatched[h] !== demand) t.fail(`hour ${h}: the battery charged while tenants had ${demand - tenantMatched[h]!} Wh unmatched`);
    }
    const chargeWh = charges.reduce((s, c) => s + Number(c.wh), 0);
    const dischargeWh = discharges.reduce((s, c) => s + Number(c.wh), 0);
    t.ok(dischargeWh <= (chargeWh * BATTERY.efficiencyBp) / 10000, `discharged green ${dischargeWh} ≤ charged ${chargeWh} × 90 %`);

    // What tenants get: the generation they got without a battery, plus every green discharge.
    let expected = 0;
    for (let h = 0; h < HOURS; h++)
      expected += Math.min(
        wind.exportWh[h]! + solar.exportWh[h]!,
        tenants.reduce((s, x) => s + x.importWh[h]!, 0),
      );
    let viewed = 0;
    for (const tenant of tenants) viewed += Number((await tenantView(env.app, tenant.owner)).totals.matchedWh);
    t.equal(viewed, expected + dischargeWh, 'Σ tenants matched = Σ min(generation, demand) + Σ green discharge');
    const follow = await tenantView(env.app, 'followco');
    t.ok(
      follow.intervals.some((x) => x.bySource.some((s) => s.device === 'battery')),
      'a tenant view shows the battery as a source',
    );
  });
}

/**
 * Matching rules end to end through the API (docs/design.md §5):
 * late readings are logged but not matched; a battery passes green charge on
 * after its losses, naming the charge it draws on; a PPA routes its device's
 * output to its tenant first.
 */
import t from 'tap';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { testBackends } from '../helpers/database.ts';
import {
  addDevice,
  addParticipant,
  auth,
  OPERATOR_TOKEN,
  ORIGIN,
  postEntries,
  signReading,
  startTestApp,
  type DeviceSpec,
  type TestApp,
} from '../helpers/app.ts';
import { hashLeaf } from '../../src/crypto/merkle.ts';
import { toBase64, utf8 } from '../../src/crypto/base64.ts';
import { parseEntry } from '../../src/domain/entry.ts';
import { allocationId, allocationsOf, type PositionedAllocation } from '../../src/domain/allocation-id.ts';
import type { SettledSource, SettlementPayload } from '../../src/domain/payloads.ts';
import type { Signer } from '../../src/crypto/note.ts';
import { leafHashOf, logSnapshot } from '../helpers/log-state.ts';

const T0 = Date.parse('2024-05-01T00:00:00Z');
const H = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** A device and its chain head, posting one reading at a time. */
class Meter {
  seq = 0;
  prev: string | undefined;
  /** Whether the last accepted reading was reported late. */
  lastLate: boolean | undefined;
  /** The last reading posted, as signed. */
  lastNote: string | undefined;
  constructor(
    readonly app: FastifyInstance,
    readonly id: string,
    readonly token: string,
    readonly signer: Signer,
  ) {}
  static async add(app: FastifyInstance, owner: { id: string; token: string }, spec: Omit<DeviceSpec, 'owner'>): Promise<Meter> {
    const key = await addDevice(app, { ...spec, owner: owner.id });
    return new Meter(app, spec.id, owner.token, key.signer);
  }
  /** Posts the reading of hour h; returns its log index. */
  async post(h: number, importWh: number, exportWh: number): Promise<number> {
    const note = signReading(this.signer, {
      device: this.id,
      seq: this.seq,
      ...(this.prev ? { prev: this.prev } : {}),
      start: iso(T0 + h * H),
      end: iso(T0 + (h + 1) * H),
      importWh: String(importWh),
      exportWh: String(exportWh),
    });
    const response = await postEntries(this.app, this.token, [note]);
    const result = response.json().results?.[0];
    if (response.statusCode !== 200 || !result || result.error) throw new Error(`reading ${this.id}@${h}: ${response.body}`);
    this.seq += 1;
    this.prev = toBase64(hashLeaf(utf8(note)));
    this.lastLate = result.late;
    this.lastNote = note;
    return result.index;
  }
  /** Posts the last reading again: the answer for a duplicate. */
  async repost(): Promise<{ index: number; leafHash: string; duplicate: boolean; late?: boolean }> {
    const response = await postEntries(this.app, this.token, [this.lastNote!]);
    if (response.statusCode !== 200) throw new Error(`repost ${this.id}: ${response.body}`);
    return response.json().results[0];
  }
}

async function zone(app: FastifyInstance) {
  const r = await app.inject({
    method: 'POST',
    url: '/v1/zones',
    headers: auth(OPERATOR_TOKEN),
    payload: { zone: 'DE-LU', gCO2PerKWh: 400, validFrom: '2018-01-01T00:00:00Z' },
  });
  if (r.statusCode !== 201) throw new Error(r.body);
}

async function run(app: FastifyInstance, until: number) {
  const r = await app.inject({ method: 'POST', url: '/v1/matching/runs', headers: auth(OPERATOR_TOKEN), payload: { until: iso(until) } });
  if (r.statusCode !== 200) throw new Error(r.body);
  return r.json() as { intervals: number; allocations: number; settlements: number; lateSettlements: number };
}

async function view(app: FastifyInstance, tenant: string, from: number, to: number) {
  const r = await app.inject({ url: `/v1/tenants/${tenant}/matching?from=${iso(from)}&to=${iso(to)}`, headers: auth(OPERATOR_TOKEN) });
  if (r.statusCode !== 200) throw new Error(r.body);
  return r.json() as {
    intervals: Array<{
      start: string;
      consumedWh: string;
      matchedWh: string;
      bySource: Array<{ device: string; type: string; technology?: string; wh: string }>;
    }>;
    totals: { consumedWh: string; matchedWh: string; cfeScore: number; unmatchedEmissionsG: string };
  };
}

interface AllocationRow {
  settlement_idx: number;
  position: number;
  source_device: string;
  sink_device: string;
  wh: number;
  rule: string;
  start_at: Date;
  payload: PositionedAllocation;
  id: string;
}

const decode = (bytes: Uint8Array) => parseEntry(new TextDecoder().decode(bytes), ORIGIN).payload as SettlementPayload;

/** Every allocation, from the projection, with its payload read back from its settlement entry. */
async function allocations(env: TestApp): Promise<AllocationRow[]> {
  const { rows } = await sql<{
    settlement_idx: number;
    position: number;
    source_device: string;
    sink_device: string;
    wh: number;
    start_at: Date;
    bytes: Uint8Array;
    leaf_hash: Uint8Array;
  }>`
    select a.settlement_idx, a.position, src.device_id as source_device, snk.device_id as sink_device, a.wh, a.start_at, e.bytes, e.leaf_hash
      from allocation a join entry e on e.idx = a.settlement_idx
      join reading src on src.entry_idx = a.source_idx join reading snk on snk.entry_idx = a.sink_idx
     order by a.settlement_idx, a.position`.execute(env.ledger.db);
  return rows.map((r) => {
    const payload = allocationsOf(decode(r.bytes))[r.position]!;
    return { ...r, wh: Number(r.wh), rule: payload.rule, payload, id: allocationId(toBase64(r.leaf_hash), r.position) };
  });
}

/** The settlement entries that settle a reading, each reduced to that reading's part. */
async function settlementOf(env: TestApp, readingIdx: number): Promise<SettledSource[]> {
  const { rows } = await sql<{ bytes: Uint8Array; leaf_hash: Uint8Array }>`
    select e.bytes, r.leaf_hash from settled_source s join entry e on e.idx = s.settlement_idx join entry r on r.idx = s.source_idx
     where s.source_idx = ${readingIdx}`.execute(env.ledger.db);
  return rows.map((r) => decode(r.bytes).sources.find((s) => s.reading === toBase64(r.leaf_hash))!);
}

for (const backend of await testBackends()) {
  t.test(`${backend}: late readings are logged, not matched`, async (t) => {
    const env = await startTestApp(backend);
    t.teardown(env.close);
    const { app } = env;
    await zone(app);
    const gen = await addParticipant(app, 'generator', 'windco');
    const early = await addParticipant(app, 'tenant', 'earlyco');
    const late = await addParticipant(app, 'tenant', 'lateco');
    const wind = await Meter.add(app, gen, { id: 'wind-1', type: 'wind' });
    const wind2 = await Meter.add(app, gen, { id: 'wind-2', type: 'wind' });
    const earlyMeter = await Meter.add(app, early, { id: 'early-meter', type: 'consumption' });
    const lateMeter = await Meter.add(app, late, { id: 'late-meter', type: 'consumption' });

    await wind.post(0, 0, 1000);
    const earlyIndex = await earlyMeter.post(0, 600, 0);
    t.equal(earlyMeter.lastLate, false, 'a reading of an interval not yet matched is not late');
    t.match(await earlyMeter.repost(), { index: earlyIndex, duplicate: true, late: false }, 'its duplicate, before matching, is not late either');
    t.match(await run(app, T0 + H), { intervals: 1, allocations: 1, settlements: 1, lateSettlements: 0 });

    const lateConsumption = await lateMeter.post(0, 800, 0);
    const lateSupply = await wind2.post(0, 0, 500);
    t.ok(Number.isInteger(lateConsumption) && lateConsumption > 0, 'a late consumption reading is logged (index returned)');
    t.ok(lateSupply > lateConsumption, 'a late supply reading is logged');
    t.equal(lateMeter.lastLate, true, 'the answer says the consumption reading is late');
    t.equal(wind2.lastLate, true, 'the answer says the supply reading is late');
    // docs/api.md: a duplicate carries `late` too, by the same rule, as of the answer.
    t.strictSame(
      await lateMeter.repost(),
      { index: lateConsumption, leafHash: leafHashOf(lateMeter.lastNote!), duplicate: true, late: true },
      'a late reading posted again: a duplicate, still late',
    );
    const before = await logSnapshot(env.ledger.db);
    t.match(
      await earlyMeter.repost(),
      { index: earlyIndex, duplicate: true, late: true },
      'a duplicate of a reading whose hour was matched since: late, as of the answer',
    );
    t.strictSame(await logSnapshot(env.ledger.db), before, 'duplicates append nothing');

    const second = await run(app, T0 + H);
    t.match(second, { intervals: 0, allocations: 0, settlements: 0, lateSettlements: 1 }, 'the late supply reading is settled, nothing matched');
    t.match(await run(app, T0 + H), { intervals: 0, allocations: 0, lateSettlements: 0 }, 'settled once');

    const all = await allocations(env);
    t.equal(all.length, 1);
    t.equal(all.filter((a) => a.sink_device === 'late-meter' || a.source_device === 'wind-2').length, 0, 'no allocation to or from a late reading');
    const [settlement, ...more] = await settlementOf(env, lateSupply);
    t.equal(more.length, 0, 'one settlement');
    t.match(settlement, { supplyWh: '500', allocatedWh: '0', allocations: [] }, 'a late supply reading is settled with no allocations');

    const lateView = await view(app, 'lateco', T0, T0 + 24 * H);
    t.equal(lateView.totals.consumedWh, '800', 'late consumption counts as consumed');
    t.equal(lateView.totals.matchedWh, '0', 'and unmatched');
    t.equal(lateView.totals.cfeScore, 0);
    t.equal(lateView.totals.unmatchedEmissionsG, '320', '800 Wh at 400 g/kWh');
    const earlyView = await view(app, 'earlyco', T0, T0 + 24 * H);
    t.match(earlyView.totals, { consumedWh: '600', matchedWh: '600', cfeScore: 1 }, 'the surplus of wind-1 did not move to the late reading');

    // Matching moves forward: once hour 2 is matched, hour 1 (which had no
    // reading then) is behind the zone's frontier, and a reading of it is late.
    await wind.post(2, 0, 1000);
    await earlyMeter.post(2, 600, 0);
    t.match(await run(app, T0 + 3 * H), { intervals: 1, allocations: 1, lateSettlements: 0 }, 'hour 2 is matched; hour 1 has nothing to match');
    const wind3 = await Meter.add(app, gen, { id: 'wind-3', type: 'wind' });
    await wind3.post(1, 0, 300);
    t.equal(wind3.lastLate, true, 'a reading of an hour behind the frontier is late');
    t.match(await run(app, T0 + 3 * H), { intervals: 0, allocations: 0, lateSettlements: 1 }, 'it is never matched, and settled empty');
  });

  t.test(`${backend}: a battery charged from wind surplus discharges green to a tenant`, async (t) => {
    const env = await startTestApp(backend);
    t.teardown(env.close);
    const { app } = env;
    await zone(app);
    const gen = await addParticipant(app, 'generator', 'parkco');
    const tenant = await addParticipant(app, 'tenant', 'nightco');
    const wind = await Meter.add(app, gen, { id: 'wind-1', type: 'wind' });
    const battery = await Meter.add(app, gen, { id: 'battery-1', type: 'storage', energyCapacityWh: '10000', efficiencyBp: 9000, capacityW: 5_000_000 });
    const meter = await Meter.add(app, tenant, { id: 'night-meter', type: 'consumption' });

    // Hour 1: 5000 Wh of wind, the tenant takes 1000, the battery charges 3000.
    await wind.post(0, 0, 5000);
    await meter.post(0, 1000, 0);
    const charge = await battery.post(0, 3000, 0);
    // Hour 2: no wind; the battery discharges 2500 and the tenant takes 2000.
    await wind.post(1, 0, 0);
    await meter.post(1, 2000, 0);
    const discharge = await battery.post(1, 0, 2500);
    t.match(await run(app, T0 + 2 * H), { intervals: 2 });

    const all = await allocations(env);
    const chargeAllocation = all.find((a) => a.sink_device === 'battery-1');
    const dischargeAllocation = all.find((a) => a.source_device === 'battery-1');
    if (!chargeAllocation || !dischargeAllocation) {
      t.fail(`a charge and a discharge allocation: ${JSON.stringify(all)}`);
      return;
    }
    t.equal(chargeAllocation.source_device, 'wind-1');
    t.equal(chargeAllocation.wh, 3000, 'the battery charges what the tenant left, up to its import');
    t.equal(chargeAllocation.start_at.getTime(), T0);
    t.equal(all.filter((a) => a.sink_device === 'battery-1').length, 1, 'one charge');
    t.equal(dischargeAllocation.sink_device, 'night-meter');
    t.equal(dischargeAllocation.start_at.getTime(), T0 + H);
    t.ok(dischargeAllocation.wh <= Math.floor((chargeAllocation.wh * 9000) / 10000), 'discharge ≤ charge × efficiency');
    t.equal(dischargeAllocation.wh, 2000, 'the tenant demand, within the 2700 Wh held');
    t.same(dischargeAllocation.payload.draws, [{ allocation: chargeAllocation.id, wh: '2000' }], 'the discharge names the charge it draws on');
    const { rows: draws } = await sql<{
      settlement_idx: number;
      position: number;
      charge_settlement_idx: number;
      charge_position: number;
      wh: number;
    }>`select * from allocation_draw`.execute(env.ledger.db);
    t.same(
      draws.map((d) => [d.settlement_idx, d.position, d.charge_settlement_idx, d.charge_position, d.wh].map(Number)),
      [[dischargeAllocation.settlement_idx, dischargeAllocation.position, chargeAllocation.settlement_idx, chargeAllocation.position, 2000]],
      'the draw is projected too',
    );

    const [chargeSettlement] = await settlementOf(env, charge);
    t.equal(chargeSettlement, undefined, 'a charging reading exports nothing, so no settlement');
    const [dischargeSettlement] = await settlementOf(env, discharge);
    t.match(dischargeSettlement, { supplyWh: '2500', allocatedWh: '2000' });

    const v = await view(app, 'nightco', T0, T0 + 2 * H);
    t.equal(v.totals.consumedWh, '3000');
    t.equal(v.totals.matchedWh, '3000');
    t.equal(v.totals.cfeScore, 1);
    const hour2 = v.intervals.find((i) => i.start === iso(T0 + H));
    t.match(hour2?.bySource, [{ device: 'battery-1', type: 'storage', wh: '2000' }], 'the tenant view names the storage device');
    t.equal(hour2?.bySource.length, 1);
    t.equal(hour2?.bySource[0]?.technology, 'T070000', 'with its EECS technology');
    const csv = await app.inject({ url: `/v1/tenants/nightco/matching?from=${iso(T0)}&to=${iso(T0 + 2 * H)}&format=csv`, headers: auth(OPERATOR_TOKEN) });
    t.equal(csv.statusCode, 200);
    t.match(csv.body, `${iso(T0 + H)},${iso(T0 + 2 * H)},2000,2000,1,battery-1,storage,T070000,2000\n`, 'the CSV row of the discharge');
    t.notMatch(csv.body, /undefined/);
  });

  t.test(`${backend}: a PPA routes its device's output to its tenant first`, async (t) => {
    const env = await startTestApp(backend);
    t.teardown(env.close);
    const { app } = env;
    await zone(app);
    const gen = await addParticipant(app, 'generator', 'parkco');
    const a = await addParticipant(app, 'tenant', 'aco');
    const b = await addParticipant(app, 'tenant', 'bco');
    const wind = await Meter.add(app, gen, { id: 'wind-1', type: 'wind' });
    const solar = await Meter.add(app, gen, { id: 'solar-1', type: 'solar' });
    const meterA = await Meter.add(app, a, { id: 'a-meter', type: 'consumption' });
    const meterB = await Meter.add(app, b, { id: 'b-meter', type: 'consumption' });

    const ppa = await app.inject({
      method: 'POST',
      url: '/v1/contracts',
      headers: auth(OPERATOR_TOKEN),
      payload: { id: 'ppa-wind-b', device: 'wind-1', tenant: 'bco', priority: 0, validFrom: '2024-01-01T00:00:00Z' },
    });
    t.equal(ppa.statusCode, 201, ppa.body);
    const share = await app.inject({
      method: 'POST',
      url: '/v1/contracts',
      headers: auth(OPERATOR_TOKEN),
      payload: { id: 'ppa-solar-a', device: 'solar-1', tenant: 'aco', priority: 1, shareBp: 2500, validFrom: '2024-01-01T00:00:00Z' },
    });
    t.equal(share.statusCode, 201, share.body);
    const badContract = await app.inject({
      method: 'POST',
      url: '/v1/contracts',
      headers: auth(OPERATOR_TOKEN),
      payload: { id: 'ppa-bad', device: 'a-meter', tenant: 'bco', priority: 0, validFrom: '2024-01-01T00:00:00Z' },
    });
    t.equal(badContract.statusCode, 422, 'a contract sells generation or storage output');
    t.equal(badContract.json().code, 'device-not-generation');

    await wind.post(0, 0, 1000);
    await solar.post(0, 0, 800);
    await meterA.post(0, 1500, 0);
    await meterB.post(0, 1500, 0);
    t.match(await run(app, T0 + H), { intervals: 1 });

    const all = await allocations(env);
    const windToB = all.filter((x) => x.source_device === 'wind-1' && x.sink_device === 'b-meter');
    t.equal(all.filter((x) => x.source_device === 'wind-1' && x.sink_device === 'a-meter').length, 0, 'none of the PPA output goes to the other tenant');
    t.equal(windToB.length, 1);
    t.match(windToB[0], { wh: 1000, rule: 'contract' }, 'the whole wind output goes to its PPA tenant');
    const { rows: contracts } = await sql<{
      id: string;
      leaf_hash: Uint8Array;
    }>`select c.id, e.leaf_hash from contract c join entry e on e.idx = c.entry_idx order by c.id`.execute(env.ledger.db);
    const hashOf = new Map(contracts.map((c) => [c.id, toBase64(c.leaf_hash)]));
    t.equal(windToB[0]?.payload.contract, hashOf.get('ppa-wind-b'), 'the allocation names its contract entry');
    const solarContract = all.filter((x) => x.rule === 'contract' && x.source_device === 'solar-1');
    t.match(solarContract, [{ sink_device: 'a-meter', wh: 200 }], 'a 25 % share of 800 Wh');
    t.equal(solarContract[0]?.payload.contract, hashOf.get('ppa-solar-a'));
    // The pool shares the remaining 600 Wh of solar pro rata to 1300 (A) and 500 (B) Wh still unmet: 433.3 and 166.7.
    t.match(
      all
        .filter((x) => x.rule === 'pool')
        .map((x) => [x.source_device, x.sink_device, x.wh])
        .sort(),
      [
        ['solar-1', 'a-meter', 433],
        ['solar-1', 'b-meter', 167],
      ],
    );
    t.equal((await view(app, 'aco', T0, T0 + H)).totals.matchedWh, '633');
    t.equal((await view(app, 'bco', T0, T0 + H)).totals.matchedWh, '1167');
    // The first ordering is visible in the entries as well: each source's contract allocations come first.
    t.same(
      all.filter((x) => x.source_device === 'solar-1').map((x) => x.rule),
      ['contract', 'pool', 'pool'],
    );
  });
}

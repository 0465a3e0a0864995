/**
 * GET /v1/tenants/{id}/matching says of each interval whether matching has
 * settled it (docs/api.md): true once its zone's matching has passed it for
 * every reading of it, late readings included, whether or not any green
 * supply was matched to it; false before, when its matched 0 Wh is no figure
 * yet. A tenant with meters in two zones waits for both.
 */
import t from 'tap';
import { testBackends } from '../helpers/database.ts';
import { addDevice, addParticipant, addZone, auth, OPERATOR_TOKEN, postEntries, signChain, startTestApp } from '../helpers/app.ts';

const H = 3_600_000;
const T0 = Date.parse('2024-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const hour = (i: number, importWh: string, exportWh = '0') => ({ start: iso(T0 + i * H), end: iso(T0 + (i + 1) * H), importWh, exportWh });

interface Interval {
  start: string;
  consumedWh: string;
  matchedWh: string;
  settled: boolean;
  bySource: Array<{ device: string; wh: string }>;
}

for (const backend of await testBackends()) {
  t.test(`${backend}: each interval of the tenant view says whether matching has settled it`, async (t) => {
    const env = await startTestApp(backend);
    t.teardown(env.close);
    const { app } = env;
    await addZone(app);
    const gen = await addParticipant(app, 'generator', 'windco');
    const tenant = await addParticipant(app, 'tenant', 'steelco');
    const wind = await addDevice(app, { id: 'wind-1', owner: gen.id, type: 'wind' });
    const meter = await addDevice(app, { id: 'steel-meter', owner: tenant.id, type: 'consumption' });
    const second = await addDevice(app, { id: 'steel-meter-2', owner: tenant.id, type: 'consumption' });
    const dk = await addDevice(app, { id: 'dk-meter', owner: tenant.id, type: 'consumption', biddingZone: 'DK1' });

    // Hour 1 the wind farm exports nothing: matched, but with no green supply.
    const windNotes = signChain(wind.signer, 'wind-1', [hour(0, '0', '1000'), hour(1, '0', '0'), hour(2, '0', '1000')]);
    const meterNotes = signChain(meter.signer, 'steel-meter', [hour(0, '600'), hour(1, '500'), hour(2, '400'), hour(3, '300')]);
    const dkNotes = signChain(dk.signer, 'dk-meter', [hour(0, '100'), hour(2, '100')]);
    const [lateNote] = signChain(second.signer, 'steel-meter-2', [hour(1, '50')]);
    for (const [token, notes] of [
      [gen.token, windNotes],
      [tenant.token, meterNotes],
      [tenant.token, dkNotes.slice(0, 1)],
    ] as const) {
      const posted = await postEntries(app, token, [...notes]);
      t.equal(posted.statusCode, 200, posted.body);
    }

    const viewUrl = `/v1/tenants/steelco/matching?from=${iso(T0)}&to=${iso(T0 + 4 * H)}`;
    const before = await app.inject({ url: viewUrl, headers: auth(tenant.token) });
    t.equal(before.statusCode, 200, before.body);
    t.same(
      (before.json().intervals as Interval[]).map((i) => [i.start, i.matchedWh, i.settled]),
      [0, 1, 2, 3].map((i) => [iso(T0 + i * H), '0', false]),
      'before any matching run no interval is settled: matched 0 Wh is no figure yet',
    );

    // DE-LU is matched through hour 2, DK1 through hour 0: the zones with readings by then.
    const run = await app.inject({ method: 'POST', url: '/v1/matching/runs', headers: auth(OPERATOR_TOKEN), payload: { until: iso(T0 + 3 * H) } });
    t.equal(run.statusCode, 200, run.body);
    const late = await postEntries(app, tenant.token, [lateNote!]);
    t.equal(late.json().results[0].late, true, 'a reading of hour 1 logged after DE-LU matched it is late');
    const dkAfter = await postEntries(app, tenant.token, [dkNotes[1]!]);
    t.equal(dkAfter.json().results[0].late, false, 'a DK1 reading of hour 2 is not: DK1 is matched only through hour 0');

    for (const token of [tenant.token, OPERATOR_TOKEN]) {
      const view = await app.inject({ url: viewUrl, headers: auth(token) });
      t.equal(view.statusCode, 200, view.body);
      const intervals = view.json().intervals as Interval[];
      t.same(
        intervals.map((i) => ({ start: i.start, consumedWh: i.consumedWh, matchedWh: i.matchedWh, settled: i.settled })),
        [
          { start: iso(T0), consumedWh: '700', matchedWh: '600', settled: true },
          { start: iso(T0 + H), consumedWh: '550', matchedWh: '0', settled: true },
          { start: iso(T0 + 2 * H), consumedWh: '500', matchedWh: '400', settled: false },
          { start: iso(T0 + 3 * H), consumedWh: '300', matchedWh: '0', settled: false },
        ],
        'hour 0 matched; hour 1 matched with no green supply (0 is its figure), its late reading too; ' +
          'hour 2 matched in DE-LU but not yet in DK1; hour 3 not matched yet',
      );
      t.same(intervals[1]!.bySource, [], 'hour 1: no source, and settled');
    }

    const csv = await app.inject({ url: `${viewUrl}&format=csv`, headers: auth(tenant.token) });
    t.equal(csv.statusCode, 200, 'the CSV of the same view still answers');
  });
}

import t from 'tap';
import { testBackends } from '../helpers/database.ts';
import { addDevice, addParticipant, auth, OPERATOR_TOKEN, postEntries, signReading, startTestApp } from '../helpers/app.ts';
import { hashLeaf } from '../../src/crypto/merkle.ts';
import { toBase64, utf8 } from '../../src/crypto/base64.ts';
import { verifyBundle } from '../../src/domain/bundle/verify-bundle.ts';

// A grid factor is optional (docs/design.md, tenant figures): without a zone entry the matching,
// claims and bundles work; only the emissions figure is null, with a warning.
for (const backend of await testBackends()) {
  t.test(`${backend}: without a zone entry the matching is visible and claimable`, async (t) => {
    const env = await startTestApp(backend);
    t.teardown(env.close);
    const { app } = env;
    const logKey = env.ledger.logVerifier.vkey;
    const gen = await addParticipant(app, 'generator', 'windco');
    const tenant = await addParticipant(app, 'tenant', 'steelco');
    const wind = await addDevice(app, { id: 'wind-1', owner: gen.id, type: 'wind' });
    const meter = await addDevice(app, { id: 'steel-meter', owner: tenant.id, type: 'consumption' });
    let windPrev: string | undefined;
    let meterPrev: string | undefined;
    for (const [seq, start] of ['2024-01-01T00:00:00Z', '2024-01-01T01:00:00Z'].entries()) {
      const end = new Date(Date.parse(start) + 3_600_000).toISOString().replace('.000Z', 'Z');
      const w = signReading(wind.signer, { device: 'wind-1', seq, ...(windPrev ? { prev: windPrev } : {}), start, end, importWh: '0', exportWh: '1000' });
      const m = signReading(meter.signer, {
        device: 'steel-meter',
        seq,
        ...(meterPrev ? { prev: meterPrev } : {}),
        start,
        end,
        importWh: seq === 0 ? '600' : '1500',
        exportWh: '0',
      });
      windPrev = toBase64(hashLeaf(utf8(w)));
      meterPrev = toBase64(hashLeaf(utf8(m)));
      t.equal((await postEntries(app, gen.token, [w])).statusCode, 200);
      t.equal((await postEntries(app, tenant.token, [m])).statusCode, 200);
    }
    const run = await app.inject({ method: 'POST', url: '/v1/matching/runs', headers: auth(OPERATOR_TOKEN), payload: { until: '2024-01-01T02:00:00Z' } });
    t.equal(run.statusCode, 200, run.body);

    const viewUrl = '/v1/tenants/steelco/matching?from=2024-01-01T00:00:00Z&to=2024-01-02T00:00:00Z';
    const view = await app.inject({ url: viewUrl, headers: auth(tenant.token) });
    t.equal(view.statusCode, 200, view.body);
    t.same(view.json().totals, { consumedWh: '2100', matchedWh: '1600', cfeScore: 0.761905, unmatchedEmissionsG: null });
    t.same(
      view.json().warnings.map((w: { code: string }) => w.code),
      ['no-grid-factor'],
    );
    t.match(view.json().warnings[0].detail, /DE-LU at 2024-01-01T01:00:00Z/, 'the warning names the zone and the first hour without a factor');
    const csv = await app.inject({ url: `${viewUrl}&format=csv`, headers: auth(tenant.token) });
    t.equal(csv.statusCode, 200, csv.body);
    t.equal(csv.body.split('\n').length, 4, 'header, two intervals, final newline');

    const claim = await app.inject({
      method: 'POST',
      url: '/v1/claims',
      headers: auth(tenant.token),
      payload: { period: { start: '2024-01-01T00:00:00Z', end: '2024-01-02T00:00:00Z' }, purpose: 'cbam', beneficiary: 'EU importer' },
    });
    t.equal(claim.statusCode, 201, claim.body);
    t.equal(claim.json().wh, '1600');
    const bundleUrl = `/v1/claims/${claim.json().id}/bundle`;
    const before = await app.inject({ url: bundleUrl, headers: auth(tenant.token) });
    t.equal(before.statusCode, 200);
    const bundle = before.json();
    t.equal(bundle.statement.unmatchedEmissionsG, null);
    t.notOk(
      bundle.entries.some((e: { bytes: string }) => e.bytes.includes('"kind":"zone"')),
      'no zone entry in the bundle',
    );
    const verdict = await verifyBundle(bundle, { logKey });
    t.same(verdict.reasons, []);
    t.match(verdict, { valid: true, claimed: true });
    const posted = await app.inject({ method: 'POST', url: '/v1/verify', payload: bundle });
    t.match(posted.json(), { valid: true, facts: { unmatchedEmissionsG: null, cbam: { totals: { gridWh: '500', gridEmissionsG: null }, gCO2PerMWh: null } } });
    const planted = structuredClone(bundle);
    planted.statement.unmatchedEmissionsG = '0';
    const plantedVerdict = await verifyBundle(planted, { logKey });
    t.equal(plantedVerdict.valid, false, 'a number the entries cannot give is refused');
    t.ok(plantedVerdict.reasons.some((r) => r.code === 'statement-mismatch'));

    const zone = await app.inject({
      method: 'POST',
      url: '/v1/zones',
      headers: auth(OPERATOR_TOKEN),
      payload: { zone: 'DE-LU', gCO2PerKWh: 380, validFrom: '2018-01-01T00:00:00Z' },
    });
    t.equal(zone.statusCode, 201, zone.body);
    const after = await app.inject({ url: viewUrl, headers: auth(tenant.token) });
    t.equal(after.json().totals.unmatchedEmissionsG, '190', '500 Wh at 380 g/kWh');
    t.notOk('warnings' in after.json(), 'no warning once a factor is logged');
    const withZone = (await app.inject({ url: bundleUrl, headers: auth(tenant.token) })).json();
    t.equal(withZone.statement.unmatchedEmissionsG, '190');
    t.match(await verifyBundle(withZone, { logKey }), { valid: true, reasons: [] });
    const dropped = structuredClone(withZone);
    dropped.statement.unmatchedEmissionsG = null;
    const droppedVerdict = await verifyBundle(dropped, { logKey });
    t.equal(droppedVerdict.valid, false, 'a bundle holding a factor must carry the figure');
    t.ok(droppedVerdict.reasons.some((r) => r.code === 'statement-mismatch'));
  });
}

import { gzipSync } from 'node:zlib';
import t from 'tap';
import { testBackends } from '../helpers/database.ts';
import { addZone, addDevice, addParticipant, auth, OPERATOR_TOKEN, postEntries, signReading, startTestApp } from '../helpers/app.ts';
import { hashLeaf } from '../../src/crypto/merkle.ts';
import { toBase64, utf8 } from '../../src/crypto/base64.ts';
import { verifyBundle } from '../../src/domain/bundle/verify-bundle.ts';

for (const backend of await testBackends()) {
  t.test(`${backend}: readings are matched, viewed and claimed`, async (t) => {
    const env = await startTestApp(backend);
    t.teardown(env.close);
    const { app } = env;
    await addZone(app);
    const gen = await addParticipant(app, 'generator', 'windco');
    const tenant = await addParticipant(app, 'tenant', 'steelco');
    const wind = await addDevice(app, { id: 'wind-1', owner: gen.id, type: 'wind' });
    const meter = await addDevice(app, { id: 'steel-meter', owner: tenant.id, type: 'consumption' });
    const hours = ['2024-01-01T00:00:00Z', '2024-01-01T01:00:00Z'];
    let windPrev: string | undefined;
    let meterPrev: string | undefined;
    for (const [seq, start] of hours.entries()) {
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
      t.equal((await postEntries(app, gen.token, [w])).json().results[0].duplicate, false);
      t.equal((await postEntries(app, tenant.token, [m])).json().results[0].duplicate, false);
    }
    const run = await app.inject({ method: 'POST', url: '/v1/matching/runs', headers: auth(OPERATOR_TOKEN), payload: { until: '2024-01-01T02:00:00Z' } });
    t.equal(run.statusCode, 200, run.body);
    t.match(run.json(), { intervals: 2, allocations: 2, settlements: 2 });
    const again = await app.inject({ method: 'POST', url: '/v1/matching/runs', headers: auth(OPERATOR_TOKEN), payload: { until: '2024-01-01T02:00:00Z' } });
    t.match(again.json(), { intervals: 0, allocations: 0 }, 'a repeated run matches nothing twice');

    const view = await app.inject({ url: '/v1/tenants/steelco/matching?from=2024-01-01T00:00:00Z&to=2024-01-02T00:00:00Z', headers: auth(tenant.token) });
    t.equal(view.statusCode, 200, view.body);
    const totals = view.json().totals;
    t.equal(totals.consumedWh, '2100');
    t.equal(totals.matchedWh, '1600');
    t.equal(totals.unmatchedEmissionsG, '190', '500 Wh at 380 g/kWh');

    const claim = await app.inject({
      method: 'POST',
      url: '/v1/claims',
      headers: auth(tenant.token),
      payload: { period: { start: '2024-01-01T00:00:00Z', end: '2024-01-02T00:00:00Z' }, purpose: 'cbam', beneficiary: 'EU importer' },
    });
    t.equal(claim.statusCode, 201, claim.body);
    t.equal(claim.json().wh, '1600');
    const claimEntry = await app.inject({ url: `/v1/log/entries/${claim.json().index}`, headers: auth(tenant.token) });
    t.equal(claimEntry.statusCode, 200, 'a tenant reads its own claim entry');
    t.match(claimEntry.body, /"kind":"claim"/);
    const notTheirs = await app.inject({ url: `/v1/log/entries/${claim.json().index}`, headers: auth(gen.token) });
    t.equal(notTheirs.json().code, 'forbidden', "another participant may not read a tenant's claim entry");
    const second = await app.inject({
      method: 'POST',
      url: '/v1/claims',
      headers: auth(tenant.token),
      payload: { period: { start: '2024-01-01T00:00:00Z', end: '2024-01-02T00:00:00Z' }, purpose: 'cbam', beneficiary: 'EU importer' },
    });
    t.equal(second.statusCode, 409);
    t.equal(second.json().code, 'nothing-to-claim');

    // Round trip: the claim's bundle verifies offline and through the API.
    const bundleResponse = await app.inject({ url: `/v1/claims/${claim.json().id}/bundle`, headers: auth(tenant.token) });
    t.equal(bundleResponse.statusCode, 200, bundleResponse.body);
    const bundle = bundleResponse.json();
    const verdict = await verifyBundle(bundle, { logKey: env.ledger.logVerifier.vkey });
    t.same(verdict.reasons, []);
    t.equal(verdict.valid, true);
    t.equal(verdict.claimed, true);
    const posted = await app.inject({ method: 'POST', url: '/v1/verify', payload: bundle });
    t.match(posted.json(), { valid: true, claimed: true });
    const flipped = JSON.parse(JSON.stringify(bundle));
    flipped.statement.matchedWh = '1601';
    const rejected = await app.inject({ method: 'POST', url: '/v1/verify', payload: flipped });
    t.equal(rejected.json().valid, false);
    t.ok(rejected.json().reasons.some((r: { code: string }) => r.code === 'statement-mismatch'));

    const other = await addParticipant(app, 'tenant', 'otherco');
    const foreign = await app.inject({ url: `/v1/claims/${claim.json().id}/bundle`, headers: auth(other.token) });
    t.equal(foreign.json().code, 'forbidden', "another tenant may not fetch this claim's bundle");
    const tooLong = await app.inject({ url: '/v1/tenants/steelco/matching?from=2024-01-01T00:00:00Z&to=2025-01-02T00:00:00Z', headers: auth(tenant.token) });
    t.equal(tooLong.json().code, 'bad-period', 'a period over 366 days is refused');
    const gzipped = await app.inject({
      method: 'POST',
      url: '/v1/verify',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: gzipSync(JSON.stringify(bundle)),
    });
    t.equal(gzipped.statusCode, 400, 'request bodies are never decompressed');
    t.equal(gzipped.json().code, 'bad-request');

    const period = await app.inject({ url: '/v1/tenants/steelco/bundle?from=2024-01-01T00:00:00Z&to=2024-01-02T00:00:00Z', headers: auth(OPERATOR_TOKEN) });
    const periodVerdict = await verifyBundle(period.json(), { logKey: env.ledger.logVerifier.vkey });
    t.same(periodVerdict.reasons, []);
    t.equal(periodVerdict.claimed, false, 'a period bundle states no claim');
  });
}

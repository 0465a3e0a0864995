import t from 'tap';
import { testBackends } from '../helpers/database.ts';
import { addDevice, addParticipant, auth, OPERATOR_TOKEN, postEntries, signReading, startTestApp } from '../helpers/app.ts';

for (const backend of await testBackends()) {
  t.test(`${backend}: a meter posts a reading`, async (t) => {
    const env = await startTestApp(backend);
    t.teardown(env.close);
    const gen = await addParticipant(env.app, 'generator', 'windco');
    const key = await addDevice(env.app, { id: 'wind-1', owner: gen.id, type: 'wind' });
    const note = signReading(key.signer, { device: 'wind-1', seq: 0, start: '2024-01-01T00:00:00Z', end: '2024-01-01T01:00:00Z', importWh: '0', exportWh: '12500' });
    const res = await postEntries(env.app, gen.token, [note]);
    t.equal(res.statusCode, 200, res.body);
    t.same(res.json().results[0].duplicate, false);
    const again = await postEntries(env.app, gen.token, [note]);
    t.same(again.json().results[0].duplicate, true);
    const chain = await env.app.inject({ url: '/v1/devices/wind-1/chain', headers: auth(OPERATOR_TOKEN) });
    t.equal(chain.json().valid, true, chain.body);
  });
}

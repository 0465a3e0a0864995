/**
 * A refusal's detail says what was expected: the media type to send, the
 * body limit, an enum's allowed values, the property that is missing. Each
 * case asserts the status, the code and the hint in the detail, and that the
 * refused write left the log unchanged.
 */
import t from 'tap';
import { BUNDLE_MEDIA_TYPE } from '../../src/domain/bundle/bundle-types.ts';
import { DEFAULT_BODY_LIMIT } from '../../src/config.ts';
import { addParticipant, auth, meterKey, OPERATOR_TOKEN, startTestApp } from '../helpers/app.ts';
import { testBackends } from '../helpers/database.ts';
import { isProblem, logSnapshot } from '../helpers/log-state.ts';

const operator = auth(OPERATOR_TOKEN);

for (const backend of await testBackends()) {
  t.test(`${backend}: refusals say what was expected`, async (t) => {
    const env = await startTestApp(backend);
    t.teardown(env.close);
    const { app } = env;
    const gen = await addParticipant(app, 'generator', 'windco');
    const before = await logSnapshot(env.ledger.db);
    const detail = (response: { body: string }): string => (JSON.parse(response.body) as { detail: string }).detail;

    t.test('a form or text body: send application/json', async (t) => {
      for (const type of ['application/x-www-form-urlencoded', 'text/plain']) {
        const response = await app.inject({
          method: 'POST',
          url: '/v1/participants',
          headers: { ...operator, 'content-type': type },
          payload: 'role=tenant&name=Factory',
        });
        isProblem(t, response, 415, 'unsupported-media-type', type);
        t.match(detail(response), 'send Content-Type: application/json', `${type}: the detail names the type to send`);
        t.match(detail(response), type, `${type}: and the type that was sent`);
      }
    });

    t.test("a bundle upload names the bundle's media type too", async (t) => {
      const response = await app.inject({ method: 'POST', url: '/v1/verify', headers: { 'content-type': 'text/plain' }, payload: '{}' });
      isProblem(t, response, 415, 'unsupported-media-type', 'text to /v1/verify');
      t.match(detail(response), 'application/json', 'names JSON');
      t.match(detail(response), BUNDLE_MEDIA_TYPE, "names the bundle's media type");
    });

    t.test('a body over the limit: the limit is named', async (t) => {
      const big = JSON.stringify({ role: 'tenant', name: 'x'.repeat(DEFAULT_BODY_LIMIT) });
      const response = await app.inject({
        method: 'POST',
        url: '/v1/participants',
        headers: { ...operator, 'content-type': 'application/json' },
        payload: big,
      });
      isProblem(t, response, 413, 'payload-too-large', 'over 2 MiB');
      t.match(detail(response), `${DEFAULT_BODY_LIMIT} bytes`, 'in bytes');
      t.match(detail(response), '2 MiB', 'and in MiB');
      const verify = await app.inject({
        method: 'POST',
        url: '/v1/verify',
        headers: { 'content-type': 'application/json' },
        payload: `"${'x'.repeat(16 * 1024 * 1024)}"`,
      });
      isProblem(t, verify, 413, 'payload-too-large', 'over 16 MiB to /v1/verify');
      t.match(detail(verify), '16 MiB', "the route's own limit");
    });

    t.test("an enum's allowed values are listed", async (t) => {
      const role = await app.inject({ method: 'POST', url: '/v1/participants', headers: operator, payload: { role: 'buyer', name: 'Factory' } });
      isProblem(t, role, 400, 'schema-violation', 'an unknown role');
      t.match(detail(role), /body\/role must be one of "generator", "tenant", "certifier"/, 'the roles are listed');
      const format = await app.inject({ url: '/v1/claims/x/export?format=pdf', headers: operator });
      isProblem(t, format, 400, 'schema-violation', 'an unknown export format');
      t.match(detail(format), /querystring\/format must be one of "energytag", "eecs"/, 'the formats are listed');
    });

    t.test('a missing required property is named plainly', async (t) => {
      const response = await app.inject({
        method: 'POST',
        url: '/v1/devices',
        headers: operator,
        payload: {
          id: 'wind-1',
          owner: gen.id,
          type: 'wind',
          biddingZone: 'DE-LU',
          country: 'DE',
          capacityW: 1000,
          commissioningDate: '2020-05-01',
          eecsTechnology: 'T020001',
          verifierKey: meterKey('meter/wind-1').vkey,
        },
      });
      isProblem(t, response, 400, 'schema-violation', 'a device without eecsEnergySource');
      t.equal(detail(response), 'device: missing required property eecsEnergySource', 'the detail names it');
      const body = await app.inject({ method: 'POST', url: '/v1/participants', headers: operator, payload: { role: 'tenant' } });
      isProblem(t, body, 400, 'schema-violation', 'a participant without a name');
      t.equal(detail(body), 'body: missing required property name', 'a body property reads the same way');
    });

    t.test('the log is unchanged', async (t) => {
      t.strictSame(await logSnapshot(env.ledger.db), before, 'nothing was appended');
    });
  });
}

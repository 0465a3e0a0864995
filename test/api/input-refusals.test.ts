/**
 * Every input answers a coded 4xx, never a 500 or Fastify's own error shape:
 * text PostgreSQL cannot store, router and HTTP parser errors, integers
 * spelled other than in decimal digits, key validity before commissioning.
 * Each refusal asserts its code and that the log did not change; the
 * accepted spellings (a lower-case `bearer`) are checked to work.
 */
import { connect } from 'node:net';
import t from 'tap';
import { sql } from 'kysely';
import { addDevice, addParticipant, auth, meterKey, OPERATOR_TOKEN, startTestApp } from '../helpers/app.ts';
import { testBackends } from '../helpers/database.ts';
import { isProblem, logSnapshot } from '../helpers/log-state.ts';

const NOW = Date.parse('2024-06-01T00:00:00Z');
const operator = auth(OPERATOR_TOKEN);

/** Sends raw bytes to a listening server and returns everything it answers before closing. */
function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? resolve(answer) : reject(error)));
    socket.on('close', () => resolve(answer));
    socket.write(request, () => undefined);
  });
}

for (const backend of await testBackends()) {
  t.test(`${backend}: refusals are coded and leave the log unchanged`, async (t) => {
    const env = await startTestApp(backend, { now: () => NOW });
    t.teardown(env.close);
    const { app } = env;
    const gen = await addParticipant(app, 'generator', 'windco');
    const tenant = await addParticipant(app, 'tenant', 'steelworks');
    await addDevice(app, { id: 'wind-1', owner: gen.id, type: 'wind', commissioningDate: '2020-05-01' });
    const before = await logSnapshot(env.ledger.db);
    const unchanged = async (t: Tap, what: string) => t.strictSame(await logSnapshot(env.ledger.db), before, `${what}: the log is unchanged`);
    type Tap = typeof t;

    t.test('text PostgreSQL cannot store', async (t) => {
      const participant = (body: Record<string, unknown>) =>
        app.inject({ method: 'POST', url: '/v1/participants', headers: operator, payload: { role: 'tenant', name: 'Factory', ...body } });
      isProblem(t, await participant({ name: 'Fac\u0000tory' }), 400, 'schema-violation', 'NUL in a name');
      isProblem(t, await participant({ legalId: 'DE\u0000123' }), 400, 'schema-violation', 'NUL in a legal id');
      // JSON.stringify writes a lone surrogate as the escape \udc00, which JSON.parse turns back into one.
      isProblem(t, await participant({ name: 'Fac\udc00tory' }), 400, 'schema-violation', 'a lone surrogate in a name');
      const claim = await app.inject({
        method: 'POST',
        url: '/v1/claims',
        headers: auth(tenant.token),
        payload: { period: { start: '2024-01-01T00:00:00Z', end: '2024-01-02T00:00:00Z' }, purpose: 'cbam', beneficiary: 'Lot\u00002026' },
      });
      isProblem(t, claim, 400, 'schema-violation', 'NUL in a beneficiary');
      const device = await app.inject({
        method: 'POST',
        url: '/v1/devices',
        headers: operator,
        payload: {
          id: 'wind-2',
          owner: gen.id,
          type: 'wind',
          biddingZone: 'DE-LU',
          country: 'DE',
          capacityW: 1000,
          commissioningDate: '2020-05-01',
          eecsEnergySource: 'F01050100',
          eecsTechnology: 'T020001',
          location: 'north\u0000field',
          verifierKey: meterKey('meter/wind-2').vkey,
        },
      });
      isProblem(t, device, 400, 'schema-violation', 'NUL in a device location');
      await unchanged(t, 'text');
    });

    t.test("the router's and the HTTP parser's refusals", async (t) => {
      const long = await app.inject({ url: `/v1/devices/${'a'.repeat(300)}/chain`, headers: operator });
      isProblem(t, long, 414, 'uri-too-long', 'a 300-character path parameter');
      isProblem(t, await app.inject({ url: '/v1/devices/%ZZ/chain', headers: operator }), 400, 'bad-url', 'a bad percent-encoding');
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as { port: number };
      const huge = await rawRequest(port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(32 * 1024)}\r\n\r\n`);
      t.match(huge, /^HTTP\/1\.1 431 /, 'headers beyond the limit: 431');
      t.match(huge, /content-type: application\/problem\+json/i, 'as a problem document');
      t.match(huge, /"code":"headers-too-large"/, 'with its code');
      const garbage = await rawRequest(port, 'NOT HTTP AT ALL\r\n\r\n');
      t.match(garbage, /^HTTP\/1\.1 400 /, 'an unreadable request line: 400');
      t.match(garbage, /"code":"bad-request"/, 'with its code');
      await unchanged(t, 'router');
    });

    t.test('integers are decimal digits only', async (t) => {
      for (const index of ['0x1', '1e2', '+1', '%201', '1.0', '-0', '0b1']) {
        isProblem(t, await app.inject({ url: `/v1/log/entries/${index}`, headers: operator }), 400, 'schema-violation', `entry index ${index}`);
        isProblem(t, await app.inject({ url: `/v1/log/checkpoints/${index}` }), 400, 'schema-violation', `checkpoint size ${index}`);
      }
      for (const query of ['index=0x10&treeSize=4', 'index=1&treeSize=1e1', 'index=1&treeSize=+4']) {
        isProblem(t, await app.inject({ url: `/v1/log/proof/inclusion?${query}` }), 400, 'schema-violation', `inclusion ?${query}`);
      }
      isProblem(t, await app.inject({ url: '/v1/log/entries?start=0x0', headers: operator }), 400, 'schema-violation', 'entries ?start=0x0');
      isProblem(t, await app.inject({ url: '/v1/log/proof/consistency?from=1&to=0x4' }), 400, 'schema-violation', 'consistency ?to=0x4');
      const plain = await app.inject({ url: '/v1/log/entries/1', headers: operator });
      t.equal(plain.statusCode, 200, 'the decimal spelling is read');
      const leading = await app.inject({ url: '/v1/log/entries/01', headers: operator });
      t.equal(leading.body, plain.body, 'leading zeros are still decimal digits');
      await unchanged(t, 'integers');
    });

    t.test('bearer scheme and 401s', async (t) => {
      for (const scheme of ['bearer', 'BEARER', 'Bearer', 'bEaReR']) {
        const response = await app.inject({ url: '/v1/log/entries/1', headers: { authorization: `${scheme} ${OPERATOR_TOKEN}` } });
        t.equal(response.statusCode, 200, `scheme spelt ${scheme} is accepted`);
      }
      const none = await app.inject({ url: '/v1/log/entries/1' });
      isProblem(t, none, 401, 'unauthorized', 'no token');
      t.match(none.headers['www-authenticate'], /^Bearer\b/, 'a 401 names the Bearer scheme');
      const unknown = await app.inject({ url: '/v1/log/entries/1', headers: auth('not-a-token-anyone-has') });
      isProblem(t, unknown, 401, 'unauthorized', 'an unknown token');
      t.match(unknown.headers['www-authenticate'], /^Bearer\b/, 'so does a 401 for an unknown token');
      const basic = await app.inject({ url: '/v1/log/entries/1', headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } });
      isProblem(t, basic, 401, 'unauthorized', 'another scheme');
      const forbidden = await app.inject({
        method: 'POST',
        url: '/v1/zones',
        headers: auth(gen.token),
        payload: { zone: 'DE-LU', gCO2PerKWh: 1, validFrom: '2024-01-01T00:00:00Z' },
      });
      isProblem(t, forbidden, 403, 'forbidden', 'a known token without the role');
      t.equal(forbidden.headers['www-authenticate'], undefined, 'a 403 carries no challenge');

      // The token is checked before the body is read: no valid token is 401, whatever the body.
      const run = (headers: Record<string, string>, payload: string) =>
        app.inject({ method: 'POST', url: '/v1/matching/runs', headers: { 'content-type': 'application/json', ...headers }, payload });
      isProblem(t, await run(auth('not-a-token-anyone-has'), '{}'), 401, 'unauthorized', 'an unknown token and a body missing its field');
      isProblem(t, await run({}, '{"until":'), 401, 'unauthorized', 'no token and a body that is not JSON');
      isProblem(t, await run(auth(OPERATOR_TOKEN), '{}'), 400, 'schema-violation', 'a valid token: then the body is checked');
      const entries = (headers: Record<string, string>) =>
        app.inject({
          method: 'POST',
          url: '/v1/entries',
          headers: { 'content-type': 'application/json', ...headers },
          payload: `{"entries":["${'x'.repeat(3 * 1024 * 1024)}"]}`,
        });
      isProblem(t, await entries({}), 401, 'unauthorized', 'no token and a body over the limit: refused before it is read');
      isProblem(t, await entries(auth(gen.token)), 413, 'payload-too-large', 'with a token, the same body is too large');
      // Verifying needs no token; one that is sent must be valid.
      const verify = (headers: Record<string, string>) =>
        app.inject({ method: 'POST', url: '/v1/verify', headers: { 'content-type': 'application/json', ...headers }, payload: '{}' });
      t.equal((await verify({})).statusCode, 200, 'anyone may verify');
      isProblem(t, await verify(auth('not-a-token-anyone-has')), 401, 'unauthorized', 'verify with an unknown token');
      await unchanged(t, 'auth');
    });

    t.test('a 403 says whom the token signs in as, by registered name, id and role, and what is needed', async (t) => {
      const detail = async (response: Awaited<ReturnType<typeof app.inject>>, what: string) => {
        isProblem(t, response, 403, 'forbidden', what);
        return (response.json() as { detail: string }).detail;
      };
      const zone = { zone: 'DE-LU', gCO2PerKWh: 1, validFrom: '2024-01-01T00:00:00Z' };
      const write = await app.inject({ method: 'POST', url: '/v1/zones', headers: auth(gen.token), payload: zone });
      t.equal(
        await detail(write, 'a generator writes a zone'),
        'signed in as windco GmbH (windco, generator); this needs the role operator',
        'a write: the name, id and role, and the role needed',
      );
      const readings = await app.inject({ method: 'POST', url: '/v1/entries', headers: operator, payload: { entries: [] } });
      t.equal(
        await detail(readings, 'the operator posts readings'),
        'signed in as Park operator (operator, operator); this needs the role generator or tenant',
        'every role the action admits',
      );
      await unchanged(t, 'writes of the wrong role');
      const read = await app.inject({ url: `/v1/generators/${gen.id}/devices`, headers: auth(tenant.token) });
      t.equal(
        await detail(read, "a tenant reads a generator's devices"),
        "signed in as steelworks GmbH (steelworks, tenant); only the generator, the operator or a certifier may read a generator's devices",
        'a read: the name, id and role, and who may',
      );
    });

    t.test('a valid token of a role the action never admits is 403 before the body is read; the right role with a body not JSON is 415', async (t) => {
      // Each route that takes a body and needs a role only (src/ledger/access.ts), with a token of another role.
      const routes: Array<[url: string, token: string]> = [
        ['/v1/participants', tenant.token],
        ['/v1/devices', tenant.token],
        ['/v1/devices/wind-1/keys', tenant.token],
        ['/v1/zones', gen.token],
        ['/v1/contracts', gen.token],
        ['/v1/entries', OPERATOR_TOKEN],
        ['/v1/matching/runs', tenant.token],
        ['/v1/claims', gen.token],
        ['/v1/log/operator-key', tenant.token],
      ];
      const bodies: Array<[what: string, contentType: string, payload: string]> = [
        ['a body missing its fields', 'application/json', '{}'],
        ['a body that is not JSON', 'application/json', '{"until":'],
        ['a body of another media type', 'text/plain', 'hello'],
        ['a body over the limit', 'application/json', `{"entries":["${'x'.repeat(3 * 1024 * 1024)}"]}`],
      ];
      for (const [url, token] of routes) {
        for (const [what, contentType, payload] of bodies) {
          const reply = await app.inject({ method: 'POST', url, headers: { ...auth(token), 'content-type': contentType }, payload });
          isProblem(t, reply, 403, 'forbidden', `${url}, ${what}`);
        }
      }
      // The right role gets the body checked as before.
      isProblem(
        t,
        await app.inject({ method: 'POST', url: '/v1/zones', headers: { ...operator, 'content-type': 'application/json' }, payload: '{}' }),
        400,
        'schema-violation',
        'the operator and a body missing its fields',
      );
      // Every body the API reads is JSON: any other media type is 415, text/plain included.
      for (const [url, token, contentType] of [
        ['/v1/zones', OPERATOR_TOKEN, 'text/plain'],
        ['/v1/entries', gen.token, 'text/plain; charset=utf-8'],
        ['/v1/verify', undefined, 'text/plain'],
        ['/v1/entries', gen.token, 'application/xml'],
      ] as const) {
        isProblem(
          t,
          await app.inject({ method: 'POST', url, headers: { ...(token ? auth(token) : {}), 'content-type': contentType }, payload: '{"entries":[]}' }),
          415,
          'unsupported-media-type',
          `the right role, a ${contentType} body to ${url}`,
        );
      }
      await unchanged(t, 'wrong roles');
    });

    t.test('a device key is valid from the commissioning date on', async (t) => {
      const key = meterKey('meter/wind-3');
      const device = (keyValidFrom: string) =>
        app.inject({
          method: 'POST',
          url: '/v1/devices',
          headers: operator,
          payload: {
            id: 'wind-3',
            owner: gen.id,
            type: 'wind',
            biddingZone: 'DE-LU',
            country: 'DE',
            capacityW: 1000,
            commissioningDate: '2020-05-01',
            eecsEnergySource: 'F01050100',
            eecsTechnology: 'T020001',
            verifierKey: key.vkey,
            keyValidFrom,
          },
        });
      isProblem(t, await device('0000-01-01T00:00:00Z'), 400, 'before-commissioning', 'a device key valid from year 0000');
      isProblem(t, await device('2020-04-30T23:59:59Z'), 400, 'before-commissioning', 'a device key valid from a second before');
      const rotate = (validFrom: string) =>
        app.inject({ method: 'POST', url: '/v1/devices/wind-1/keys', headers: operator, payload: { verifierKey: meterKey('meter/wind-1b').vkey, validFrom } });
      isProblem(t, await rotate('1999-01-01T00:00:00Z'), 400, 'before-commissioning', 'a rotated key valid before commissioning');
      await unchanged(t, 'keys');

      // The database refuses it whatever the client: the device entry's index stands in for a key entry.
      const wind1 = await env.ledger.db.selectFrom('device').select(['entry_idx']).where('id', '=', 'wind-1').executeTakeFirstOrThrow();
      await t.rejects(
        sql`insert into key_entry (entry_idx, subject_type, device_id, verifier_key, valid_from)
            values (${wind1.entry_idx}, 'device', 'wind-1', ${key.vkey}, '2020-04-30T23:59:59Z')`.execute(env.ledger.db),
        { code: 'GP006' },
        'the database refuses a key entry valid before commissioning',
      );
      await unchanged(t, 'the refused insert');

      t.equal((await rotate('2020-05-01T00:00:00Z')).statusCode, 201, 'a key valid from the commissioning day itself is accepted');
    });
  });
}

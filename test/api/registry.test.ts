/**
 * The registry (docs/design.md §2.1): participants, devices and their keys, zones and
 * contracts, each written as operator-signed entries; device validation; and
 * the chain check (§8).
 */
import * as ed from '@noble/ed25519';
import t from 'tap';
import { fromUtf8 } from '../../src/crypto/base64.ts';
import { formatVerifierKey, openNote } from '../../src/crypto/note.ts';
import { readEntry } from '../../src/db/log.ts';
import { parseEntry } from '../../src/domain/entry.ts';
import { addDevice, addParticipant, auth, meterKey, OPERATOR_TOKEN, ORIGIN, postEntries, startTestApp, type TestApp } from '../helpers/app.ts';
import { testBackends } from '../helpers/database.ts';
import { hour, isProblem, leafHashOf, logSnapshot, Meter, type Tap } from '../helpers/log-state.ts';
import { tokenHash } from '../../src/ledger/tokens.ts';

const NOW = Date.parse('2024-06-01T00:00:00Z');

/**
 * Well-formed keys strict verification can never accept signatures under
 * (docs/design.md §2.2): a point of order 8, and a large-order point plus
 * one of order 8, which plain OpenSSL accepts one signature in eight under.
 */
const order8 = ed.Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a');
const unusableKeys = [
  ['a small-order key', formatVerifierKey('meter/small-order', order8.toBytes())],
  ['a key with a small-order component', formatVerifierKey('meter/mixed-order', ed.Point.BASE.multiply(987_654_321n).add(order8).toBytes())],
] as const;

/** The entry at `index`, checked to be signed by the operator key; its payload. */
async function operatorEntry(t: Tap, env: TestApp, index: number): Promise<Record<string, unknown>> {
  const row = await readEntry(env.ledger.db, index);
  t.ok(row, `entry ${index} exists`);
  const note = fromUtf8(row!.bytes);
  t.doesNotThrow(() => openNote(note, [env.ledger.operatorVerifier], env.ledger.verify), `entry ${index} is signed by the operator key`);
  return parseEntry(note, ORIGIN).payload as unknown as Record<string, unknown>;
}

const windDevice = (id: string, owner: string, verifierKey: string, extra: Record<string, unknown> = {}) => ({
  id,
  owner,
  type: 'wind',
  biddingZone: 'DE-LU',
  country: 'DE',
  capacityW: 3_000_000,
  commissioningDate: '2020-05-01',
  eecsEnergySource: 'F01050100',
  eecsTechnology: 'T020001',
  verifierKey,
  ...extra,
});

for (const backend of await testBackends()) {
  t.test(`${backend}: registry`, async (t) => {
    const env = await startTestApp(backend, { now: () => NOW });
    t.teardown(env.close);
    const { app } = env;
    const db = env.ledger.db;
    const post = (url: string, payload: Record<string, unknown>, token = OPERATOR_TOKEN) => app.inject({ method: 'POST', url, headers: auth(token), payload });

    /** The request is refused with this problem and the log does not move. */
    async function refused(t: Tap, url: string, payload: Record<string, unknown>, status: number, code: string, what: string): Promise<void> {
      const before = await logSnapshot(db);
      isProblem(t, await post(url, payload), status, code, what);
      t.strictSame(await logSnapshot(db), before, `${what}: nothing written`);
    }

    let gen: { id: string; token: string };
    let tenant: { id: string; token: string };

    t.test('the log starts with the log key entry and the operator', async (t) => {
      const zero = await readEntry(db, 0);
      const note = fromUtf8(zero!.bytes);
      t.doesNotThrow(() => openNote(note, [env.ledger.logVerifier], env.ledger.verify), 'entry 0 is signed by the log key');
      t.match(parseEntry(note, ORIGIN).payload, { kind: 'key', subjectType: 'operator', verifierKey: env.ledger.operatorVerifier.vkey });
      t.match(await operatorEntry(t, env, 1), { kind: 'participant', id: 'operator', role: 'operator' });
    });

    t.test('participants: 201 with a token shown once; the entry is operator-signed', async (t) => {
      const before = (await logSnapshot(db)).size;
      const response = await post('/v1/participants', { id: 'windco', role: 'generator', name: 'Windco GmbH', legalId: 'DE123456789', country: 'DE' });
      t.equal(response.statusCode, 201, response.body);
      const body = response.json() as { id: string; token: string; index: number };
      t.equal(body.id, 'windco');
      t.match(body.token, /^gp_[A-Za-z0-9_-]{43}$/, 'a random token');
      t.equal(body.index, before);
      t.strictSame(await operatorEntry(t, env, body.index), {
        kind: 'participant',
        log: ORIGIN,
        id: 'windco',
        role: 'generator',
        name: 'Windco GmbH',
        legalId: 'DE123456789',
        country: 'DE',
      });
      const stored = await db.selectFrom('credential').selectAll().where('participant_id', '=', 'windco').execute();
      t.equal(stored.length, 1, 'one credential');
      t.equal(
        Buffer.from(stored[0]!.token_hash).toString('hex'),
        Buffer.from(tokenHash(body.token)).toString('hex'),
        'only the SHA-256 of the token is stored',
      );
      gen = body;
      tenant = await addParticipant(app, 'tenant', 'factory');
      // The token works: the generator may read its own participant entry.
      const own = await app.inject({ url: `/v1/log/entries/${body.index}`, headers: auth(body.token) });
      t.equal(own.statusCode, 200, 'the new token authenticates');
      const generated = await post('/v1/participants', { role: 'certifier', name: 'TÜV' });
      t.equal(generated.statusCode, 201);
      t.match(generated.json(), { id: /^certifier-[0-9a-f]{8}$/ }, 'an id is generated when none is given');
    });

    t.test('participants: refusals', async (t) => {
      await refused(t, '/v1/participants', { id: 'windco', role: 'generator', name: 'Again' }, 409, 'conflict', 'an existing id');
      await refused(t, '/v1/participants', { role: 'operator', name: 'Second operator' }, 400, 'schema-violation', 'a second operator');
      await refused(t, '/v1/participants', { role: 'tenant' }, 400, 'schema-violation', 'no name');
      await refused(t, '/v1/participants', { role: 'tenant', name: 'x', country: 'Germany' }, 400, 'schema-violation', 'a bad country');
      await refused(t, '/v1/participants', { role: 'tenant', name: 'x', extra: true }, 400, 'schema-violation', 'an extra member');
      await refused(t, '/v1/participants', { id: 'has space', role: 'tenant', name: 'x' }, 400, 'schema-violation', 'a bad id');
    });

    t.test('devices: 201 writes a device entry and a key entry valid from commissioning', async (t) => {
      const key = meterKey('meter/wind-a');
      const response = await post(
        '/v1/devices',
        windDevice('wind-a', gen.id, key.vkey, { location: 'Nordfeld 3', gridConnectionId: 'GC-1', meteringPointIds: ['DE0001'], support: 'investment' }),
      );
      t.equal(response.statusCode, 201, response.body);
      const body = response.json() as { id: string; deviceIndex: number; keyIndex: number };
      t.equal(body.id, 'wind-a');
      t.equal(body.keyIndex, body.deviceIndex + 1);
      t.strictSame(await operatorEntry(t, env, body.deviceIndex), {
        kind: 'device',
        log: ORIGIN,
        id: 'wind-a',
        owner: 'windco',
        type: 'wind',
        biddingZone: 'DE-LU',
        country: 'DE',
        capacityW: 3_000_000,
        commissioningDate: '2020-05-01',
        eecsEnergySource: 'F01050100',
        eecsTechnology: 'T020001',
        connection: 'park-grid',
        support: 'investment',
        location: 'Nordfeld 3',
        gridConnectionId: 'GC-1',
        meteringPointIds: ['DE0001'],
      });
      t.strictSame(await operatorEntry(t, env, body.keyIndex), {
        kind: 'key',
        log: ORIGIN,
        subjectType: 'device',
        subjectId: 'wind-a',
        verifierKey: key.vkey,
        validFrom: '2020-05-01T00:00:00Z',
      });
      // The key works for history from the commissioning date on.
      const meter = new Meter('wind-a', key.signer, -(Date.parse('2024-01-01') - Date.parse('2020-05-01')) / 3_600_000);
      t.match((await postEntries(app, gen.token, [meter.next()])).json(), { results: [{ duplicate: false }] }, 'a reading of commissioning day is accepted');
    });

    t.test('devices: storage and consumption', async (t) => {
      const storage = await post('/v1/devices', {
        ...windDevice('battery-1', gen.id, meterKey('meter/battery-1').vkey),
        type: 'storage',
        eecsTechnology: 'T070000',
        energyCapacityWh: '4000000',
        efficiencyBp: 9000,
      });
      t.equal(storage.statusCode, 201, storage.body);
      t.match(await operatorEntry(t, env, storage.json().deviceIndex), { type: 'storage', energyCapacityWh: '4000000', efficiencyBp: 9000 });
      const consumption = await post('/v1/devices', {
        id: 'cons-a',
        owner: tenant.id,
        type: 'consumption',
        biddingZone: 'DE-LU',
        country: 'DE',
        capacityW: 500_000,
        commissioningDate: '2021-01-01',
        verifierKey: meterKey('meter/cons-a').vkey,
        keyValidFrom: '2023-01-01T00:00:00Z',
      });
      t.equal(consumption.statusCode, 201, consumption.body);
      t.match(await operatorEntry(t, env, consumption.json().keyIndex), { validFrom: '2023-01-01T00:00:00Z' }, 'keyValidFrom is honoured');
    });

    t.test('devices: validation errors', async (t) => {
      const vkey = meterKey('meter/bad').vkey;
      await refused(t, '/v1/devices', windDevice('bad-1', gen.id, vkey, { eecsEnergySource: 'F0105' }), 400, 'schema-violation', 'a short EECS energy source');
      await refused(
        t,
        '/v1/devices',
        windDevice('bad-1', gen.id, vkey, { eecsEnergySource: 'X01050100' }),
        400,
        'schema-violation',
        'an EECS source not starting with F',
      );
      await refused(
        t,
        '/v1/devices',
        windDevice('bad-1', gen.id, vkey, { eecsTechnology: 'T02000A' }),
        400,
        'schema-violation',
        'an EECS technology with a letter',
      );
      const { eecsTechnology: _tech, ...noTechnology } = windDevice('bad-1', gen.id, vkey);
      await refused(t, '/v1/devices', noTechnology, 400, 'schema-violation', 'a wind turbine without a technology code');
      await refused(
        t,
        '/v1/devices',
        { ...windDevice('bad-1', gen.id, vkey), type: 'storage', efficiencyBp: 9000 },
        400,
        'schema-violation',
        'storage without energyCapacityWh',
      );
      await refused(
        t,
        '/v1/devices',
        { ...windDevice('bad-1', gen.id, vkey), energyCapacityWh: '1000', efficiencyBp: 9000 },
        400,
        'schema-violation',
        'energy capacity on a wind turbine',
      );
      await refused(t, '/v1/devices', windDevice('bad-1', gen.id, vkey, { biddingZone: 'de lu' }), 400, 'schema-violation', 'a bad bidding zone');
      await refused(t, '/v1/devices', windDevice('bad-1', gen.id, vkey, { capacityW: 0 }), 400, 'schema-violation', 'zero capacity');
      await refused(t, '/v1/devices', windDevice('bad-1', gen.id, vkey, { commissioningDate: '2020-02-30' }), 400, 'bad-time', 'a date that does not exist');
      await refused(t, '/v1/devices', windDevice('bad-1', gen.id, 'not a key'), 400, 'bad-verifier-key', 'a malformed verifier key');
      for (const [what, key] of unusableKeys) await refused(t, '/v1/devices', windDevice('bad-1', gen.id, key), 400, 'bad-verifier-key', what);
      await refused(t, '/v1/devices', windDevice('bad-1', 'nobody', vkey), 404, 'unknown-participant', 'an unknown owner');
      await refused(t, '/v1/devices', windDevice('wind-a', gen.id, vkey), 409, 'conflict', 'an existing device id');
      await refused(t, '/v1/devices', { ...windDevice('bad-1', gen.id, vkey), color: 'green' }, 400, 'schema-violation', 'an extra member');
    });

    t.test('a participant of the wrong role is participant-role-mismatch, naming it, its role and the role needed', async (t) => {
      const vkey = meterKey('meter/bad').vkey;
      const consumption = { ...windDevice('bad-1', gen.id, vkey), type: 'consumption', eecsEnergySource: undefined, eecsTechnology: undefined };
      const storage = { ...windDevice('bad-1', tenant.id, vkey), type: 'storage', eecsTechnology: 'T070000', energyCapacityWh: '1000', efficiencyBp: 9000 };
      const cases = [
        {
          url: '/v1/devices',
          payload: windDevice('bad-1', tenant.id, vkey),
          what: 'a wind turbine owned by a tenant',
          detail: /factory is a tenant.*a wind device must be a generator/,
        },
        { url: '/v1/devices', payload: storage, what: 'a battery owned by a tenant', detail: /factory is a tenant.*a storage device must be a generator/ },
        {
          url: '/v1/devices',
          payload: consumption,
          what: 'a consumption meter owned by a generator',
          detail: /windco is a generator.*a consumption device must be a tenant/,
        },
        {
          url: '/v1/contracts',
          payload: { id: 'ppa-2', device: 'wind-a', tenant: gen.id, priority: 1, validFrom: hour(0) },
          what: 'a generator as the buyer',
          detail: /windco is a generator.*a contract's buyer must be a tenant/,
        },
      ];
      for (const { url, payload, what, detail } of cases) {
        await refused(t, url, JSON.parse(JSON.stringify(payload)) as Record<string, unknown>, 422, 'participant-role-mismatch', what);
        t.match((await post(url, JSON.parse(JSON.stringify(payload)) as Record<string, unknown>)).json(), { detail }, `${what}: the detail`);
      }
    });

    t.test('device keys: rotate, and the refusals', async (t) => {
      const rotated = meterKey('meter/wind-a/2');
      const response = await post('/v1/devices/wind-a/keys', {
        verifierKey: rotated.vkey,
        validFrom: '2024-03-01T00:00:00Z',
        validUntil: '2025-01-01T00:00:00Z',
      });
      t.equal(response.statusCode, 201, response.body);
      t.strictSame(await operatorEntry(t, env, response.json().index), {
        kind: 'key',
        log: ORIGIN,
        subjectType: 'device',
        subjectId: 'wind-a',
        verifierKey: rotated.vkey,
        validFrom: '2024-03-01T00:00:00Z',
        validUntil: '2025-01-01T00:00:00Z',
      });
      await refused(t, '/v1/devices/no-such/keys', { verifierKey: rotated.vkey, validFrom: hour(0) }, 404, 'unknown-device', 'an unknown device');
      await refused(
        t,
        '/v1/devices/wind-a/keys',
        { verifierKey: rotated.vkey, validFrom: hour(5), validUntil: hour(5) },
        400,
        'bad-time',
        'validUntil not after validFrom',
      );
      await refused(t, '/v1/devices/wind-a/keys', { verifierKey: 'x+y+z', validFrom: hour(0) }, 400, 'bad-verifier-key', 'a malformed key');
      for (const [what, key] of unusableKeys)
        await refused(t, '/v1/devices/wind-a/keys', { verifierKey: key, validFrom: hour(0) }, 400, 'bad-verifier-key', what);
      await refused(t, '/v1/devices/wind-a/keys', { verifierKey: rotated.vkey }, 400, 'schema-violation', 'no validFrom');
    });

    t.test('zones and contracts', async (t) => {
      const zone = await post('/v1/zones', { zone: 'DE-LU', gCO2PerKWh: 380, validFrom: '2024-01-01T00:00:00Z' });
      t.equal(zone.statusCode, 201, zone.body);
      t.strictSame(await operatorEntry(t, env, zone.json().index), {
        kind: 'zone',
        log: ORIGIN,
        zone: 'DE-LU',
        gCO2PerKWh: 380,
        validFrom: '2024-01-01T00:00:00Z',
      });
      await refused(t, '/v1/zones', { zone: 'DE-LU', gCO2PerKWh: -1, validFrom: hour(0) }, 400, 'schema-violation', 'a negative factor');

      const contract = await post('/v1/contracts', { id: 'ppa-1', device: 'wind-a', tenant: tenant.id, priority: 1, shareBp: 5000, validFrom: hour(0) });
      t.equal(contract.statusCode, 201, contract.body);
      t.equal(contract.json().id, 'ppa-1');
      t.strictSame(await operatorEntry(t, env, contract.json().index), {
        kind: 'contract',
        log: ORIGIN,
        id: 'ppa-1',
        device: 'wind-a',
        tenant: tenant.id,
        priority: 1,
        shareBp: 5000,
        validFrom: hour(0),
      });
      await refused(
        t,
        '/v1/contracts',
        { id: 'ppa-1', device: 'wind-a', tenant: tenant.id, priority: 1, validFrom: hour(0) },
        409,
        'conflict',
        'an existing contract id',
      );
      await refused(
        t,
        '/v1/contracts',
        { id: 'ppa-2', device: 'nope', tenant: tenant.id, priority: 1, validFrom: hour(0) },
        404,
        'unknown-device',
        'an unknown device',
      );
      await refused(
        t,
        '/v1/contracts',
        { id: 'ppa-2', device: 'cons-a', tenant: tenant.id, priority: 1, validFrom: hour(0) },
        422,
        'device-not-generation',
        'a consumption meter sells nothing',
      );
      t.match(
        (await post('/v1/contracts', { id: 'ppa-2', device: 'cons-a', tenant: tenant.id, priority: 1, validFrom: hour(0) })).json(),
        { detail: /device cons-a is a consumption meter/ },
        'a consumption meter sells nothing: the detail names the device',
      );
      await refused(
        t,
        '/v1/contracts',
        { id: 'ppa-2', device: 'wind-a', tenant: 'nobody', priority: 1, validFrom: hour(0) },
        404,
        'unknown-participant',
        'an unknown tenant',
      );
      await refused(
        t,
        '/v1/contracts',
        { id: 'ppa-2', device: 'wind-a', tenant: tenant.id, priority: 1, shareBp: 10001, validFrom: hour(0) },
        400,
        'schema-violation',
        'a share above 100 %',
      );
    });

    t.test('registry routes are for the operator only', async (t) => {
      const before = await logSnapshot(db);
      isProblem(
        t,
        await post('/v1/devices', windDevice('x-1', gen.id, meterKey('meter/x').vkey), gen.token),
        403,
        'forbidden',
        'a generator registers a device',
      );
      isProblem(
        t,
        await post('/v1/contracts', { id: 'ppa-x', device: 'wind-a', tenant: tenant.id, priority: 1, validFrom: hour(0) }, tenant.token),
        403,
        'forbidden',
        'a tenant writes a contract',
      );
      isProblem(
        t,
        await app.inject({ method: 'POST', url: '/v1/zones', payload: { zone: 'DE-LU', gCO2PerKWh: 1, validFrom: hour(0) } }),
        401,
        'unauthorized',
        'no token',
      );
      t.strictSame(await logSnapshot(db), before);
    });

    t.test('chain check: valid head, empty chain, unknown device, access', async (t) => {
      const key = await addDevice(app, { id: 'wind-c', owner: gen.id, type: 'wind' });
      const meter = new Meter('wind-c', key.signer);
      const chain = (token: string, id = 'wind-c') => app.inject({ url: `/v1/devices/${id}/chain`, headers: auth(token) });

      t.strictSame((await chain(OPERATOR_TOKEN)).json(), { valid: true, length: 0, head: null }, 'no readings yet');
      let last: { index: number; leafHash: string } | undefined;
      for (let i = 0; i < 5; i++) {
        const note = meter.next({ exportWh: String(i * 7) });
        last = (await postEntries(app, gen.token, [note])).json().results[0];
        t.equal(last!.leafHash, leafHashOf(note));
        meter.accepted(note);
      }
      const report = await chain(OPERATOR_TOKEN);
      t.equal(report.statusCode, 200);
      t.strictSame(
        report.json(),
        { valid: true, length: 5, head: { seq: 4, index: last!.index, leafHash: last!.leafHash } },
        "the head is the next reading's prev",
      );
      t.equal(report.json().head.leafHash, meter.prev);

      const certifier = await addParticipant(app, 'certifier', 'auditor');
      t.equal((await chain(certifier.token)).statusCode, 200, 'a certifier may check');
      t.equal((await chain(gen.token)).statusCode, 200, 'the owner may check');
      isProblem(t, await chain(tenant.token), 403, 'forbidden', 'another participant');
      isProblem(t, await chain(OPERATOR_TOKEN, 'no-such-device'), 404, 'unknown-device', 'an unknown device');
      isProblem(t, await chain(tenant.token, 'no-such-device'), 404, 'unknown-device', 'an unknown device, asked by a tenant');
      isProblem(t, await app.inject({ url: '/v1/devices/wind-c/chain' }), 401, 'unauthorized', 'no token');

      // The explicit re-verification, page by page from the log's bytes.
      const verify = (query: string, token = certifier.token) => app.inject({ url: `/v1/devices/wind-c/chain/verification${query}`, headers: auth(token) });
      t.strictSame((await verify('')).json(), { valid: true, fromSeq: 0, checked: 5, nextSeq: null, length: 5 }, 'one page holds the whole chain');
      t.strictSame((await verify('?fromSeq=0&limit=2')).json(), { valid: true, fromSeq: 0, checked: 2, nextSeq: 2, length: 5 }, 'first page');
      t.strictSame(
        (await verify('?fromSeq=2&limit=2')).json(),
        { valid: true, fromSeq: 2, checked: 2, nextSeq: 4, length: 5 },
        'a middle page chains on seq 1',
      );
      t.strictSame((await verify('?fromSeq=4&limit=2')).json(), { valid: true, fromSeq: 4, checked: 1, nextSeq: null, length: 5 }, 'the last page');
      t.strictSame((await verify('?fromSeq=9')).json(), { valid: true, fromSeq: 9, checked: 0, nextSeq: null, length: 5 }, 'beyond the head');
      isProblem(t, await verify('?limit=0'), 400, 'schema-violation', 'limit 0');
      isProblem(t, await verify('?limit=1001'), 400, 'schema-violation', 'a page beyond 1000');
      isProblem(t, await verify('?fromSeq=-1'), 400, 'schema-violation', 'a negative seq');
      isProblem(t, await verify('', tenant.token), 403, 'forbidden', 'another participant');
      isProblem(
        t,
        await app.inject({ url: '/v1/devices/no-such-device/chain/verification', headers: auth(certifier.token) }),
        404,
        'unknown-device',
        'an unknown device',
      );
    });
  });
}

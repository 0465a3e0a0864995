/**
 * POST /v1/entries (docs/design.md §4): every rejection of a reading has its own
 * code, and after every rejection nothing already accepted has changed;
 * duplicates, batches (chaining within a request, mixed good and bad), the
 * limits, and the auth and not-found problems.
 */
import t from 'tap';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { fromBase64, toBase64 } from '../../src/crypto/base64.ts';
import { signNote } from '../../src/crypto/note.ts';
import { sealEntry } from '../../src/domain/entry.ts';
import { addDevice, addParticipant, auth, meterKey, OPERATOR_TOKEN, ORIGIN, postEntries, startTestApp } from '../helpers/app.ts';
import { testBackends } from '../helpers/database.ts';
import { hour, isProblem, type Tap, leafHashOf, logSnapshot, Meter, range, signPayload, signPayloadLine } from '../helpers/log-state.ts';

/** The test clock: 2024-06-01T00:00:00Z, i.e. hour(3648). */
const NOW_HOUR = 3648;
const NOW = Date.parse(hour(NOW_HOUR));

type Result = { index: number; leafHash: string; duplicate: boolean; late?: boolean } | { error: { code: string; detail: string } };

function results(response: LightMyRequestResponse): Result[] {
  if (response.statusCode !== 200) throw new Error(`POST /v1/entries answered ${response.statusCode}: ${response.body}`);
  return (response.json() as { results: Result[] }).results;
}

/** Changes one byte of the Ed25519 signature (after the 4-byte key ID); stays strict base64. */
function flipSignatureByte(note: string): string {
  const lines = note.split('\n');
  const at = lines.length - 2; // the last signature line (the note ends with '\n')
  const [dash, name, b64] = lines[at]!.split(' ');
  const bytes = fromBase64(b64!);
  bytes[4 + 10]! ^= 0x01;
  lines[at] = `${dash} ${name} ${toBase64(bytes)}`;
  return lines.join('\n');
}

for (const backend of await testBackends()) {
  t.test(`${backend}: POST /v1/entries`, async (t) => {
    const env = await startTestApp(backend, { now: () => NOW });
    t.teardown(env.close);
    const { app } = env;
    const db = env.ledger.db;

    const gen = await addParticipant(app, 'generator', 'windco');
    const otherGen = await addParticipant(app, 'generator', 'solarco');
    const tenant = await addParticipant(app, 'tenant', 'factory');
    const certifier = await addParticipant(app, 'certifier', 'tuv');
    const wind = new Meter('wind-1', (await addDevice(app, { id: 'wind-1', owner: gen.id, type: 'wind' })).signer);
    const other = new Meter('wind-2', (await addDevice(app, { id: 'wind-2', owner: gen.id, type: 'wind' })).signer);
    const solar = new Meter('solar-1', (await addDevice(app, { id: 'solar-1', owner: otherGen.id, type: 'solar' })).signer);

    // Something accepted that every rejection below must leave alone.
    for (let i = 0; i < 2; i++) {
      const note = wind.next();
      const [result] = results(await postEntries(app, gen.token, [note]));
      t.match(result, { index: Number, duplicate: false }, `wind-1 seq ${i} accepted`);
      wind.accepted(note);
    }

    /** Posts notes that must all be refused with `code`, and checks the log did not move. */
    async function refused(t: Tap, token: string, notes: string[], code: string, what: string): Promise<void> {
      const before = await logSnapshot(db);
      const got = results(await postEntries(app, token, notes));
      t.equal(got.length, notes.length, `${what}: one result per entry`);
      for (const result of got) t.match(result, { error: { code, detail: String } }, `${what}: ${code}`);
      t.strictSame(await logSnapshot(db), before, `${what}: nothing already accepted changed`);
    }

    t.test('a reading accepted: index, leaf hash of the exact bytes, not a duplicate', async (t) => {
      const note = wind.next({ exportWh: '4242', registerExportWh: '900000' });
      const before = await logSnapshot(db);
      const [result] = results(await postEntries(app, gen.token, [note]));
      t.strictSame(result, { index: before.size, leafHash: leafHashOf(note), duplicate: false, late: false });
      const after = await logSnapshot(db);
      t.equal(after.size, before.size + 1);
      t.equal(Buffer.from(after.entries.at(-1)!.bytes, 'base64').toString('utf8'), note, 'the exact bytes are stored');
      t.strictSame(after.entries.slice(0, -1), before.entries, 'earlier entries unchanged');
      wind.accepted(note);
    });

    t.test('a tenant posts its consumption meter', async (t) => {
      const meter = new Meter('cons-1', (await addDevice(app, { id: 'cons-1', owner: tenant.id, type: 'consumption', capacityW: 50_000 })).signer);
      const note = meter.next({ importWh: '50000', exportWh: '0' });
      t.match(results(await postEntries(app, tenant.token, [note])), [{ index: Number, duplicate: false }]);
    });

    t.test('bad-signature: one byte of the signature changed', async (t) => {
      const note = wind.next();
      await refused(t, gen.token, [flipSignatureByte(note)], 'bad-signature', 'flipped signature byte');
      // The unaltered note is fine: the byte was the only fault.
      t.match(results(await postEntries(app, gen.token, [note])), [{ duplicate: false }], 'the original note is accepted');
      wind.accepted(note);
    });

    t.test("no-valid-key: signed by another device's key", async (t) => {
      await refused(t, gen.token, [wind.next({}, other.signer)], 'no-valid-key', "wind-2's key on wind-1's reading");
      const stranger = meterKey('meter/wind-1'); // same name, another key: another key ID
      await refused(t, gen.token, [wind.next({}, stranger.signer)], 'no-valid-key', 'an unregistered key of the same name');
    });

    t.test('no-valid-key: a key not yet valid', async (t) => {
      const late = new Meter('wind-late', (await addDevice(app, { id: 'wind-late', owner: gen.id, type: 'wind', keyValidFrom: hour(100) })).signer, 99);
      await refused(t, gen.token, [late.next()], 'no-valid-key', 'interval before the key is valid');
      late.hour = 100;
      const note = late.next();
      t.match(results(await postEntries(app, gen.token, [note])), [{ duplicate: false }], 'from validFrom on, the key works');
    });

    t.test('no-valid-key: a revoked key; a rotated key takes over', async (t) => {
      const key = await addDevice(app, { id: 'wind-rev', owner: gen.id, type: 'wind' });
      const meter = new Meter('wind-rev', key.signer, 8);
      const first = meter.next();
      t.match(results(await postEntries(app, gen.token, [first])), [{ duplicate: false }], 'accepted before the revocation');
      meter.accepted(first);
      // Revoke: the same key again, now valid until hour 10.
      const revoke = await app.inject({
        method: 'POST',
        url: '/v1/devices/wind-rev/keys',
        headers: auth(OPERATOR_TOKEN),
        payload: { verifierKey: key.vkey, validFrom: '2018-01-01T00:00:00Z', validUntil: hour(10) },
      });
      t.equal(revoke.statusCode, 201, revoke.body);
      const lastHour = meter.next();
      t.match(results(await postEntries(app, gen.token, [lastHour])), [{ duplicate: false }], 'an interval ending at validUntil is still covered');
      meter.accepted(lastHour);
      await refused(t, gen.token, [meter.next()], 'no-valid-key', 'interval after validUntil');

      const rotated = meterKey('meter/wind-rev/2');
      const rotate = await app.inject({
        method: 'POST',
        url: '/v1/devices/wind-rev/keys',
        headers: auth(OPERATOR_TOKEN),
        payload: { verifierKey: rotated.vkey, validFrom: hour(10) },
      });
      t.equal(rotate.statusCode, 201, rotate.body);
      await refused(t, gen.token, [meter.next()], 'no-valid-key', 'the revoked key after the rotation');
      const next = meter.next({}, rotated.signer);
      t.match(results(await postEntries(app, gen.token, [next])), [{ duplicate: false }], 'the new key signs from its validFrom');
    });

    t.test('unknown-device', async (t) => {
      await refused(t, gen.token, [new Meter('no-such-meter', wind.signer).next()], 'unknown-device', 'unregistered device');
    });

    t.test('first readings of several new devices in one request: each device looked up, the unknown and the foreign refused', async (t) => {
      // Devices registered now are new to the intake: all are looked up in one query.
      const fresh = await Promise.all(
        ['fresh-a', 'fresh-b', 'fresh-c'].map(async (id) => new Meter(id, (await addDevice(app, { id, owner: gen.id, type: 'solar' })).signer)),
      );
      const foreign = new Meter('fresh-foreign', (await addDevice(app, { id: 'fresh-foreign', owner: otherGen.id, type: 'solar' })).signer);
      const notes = [fresh[0]!.next(), new Meter('fresh-nowhere', wind.signer).next(), fresh[1]!.next(), foreign.next(), fresh[2]!.next()];
      const before = await logSnapshot(db);
      const got = results(await postEntries(app, gen.token, notes));
      t.match(got, [
        { index: before.size, duplicate: false },
        { error: { code: 'unknown-device' } },
        { index: before.size + 1, duplicate: false },
        { error: { code: 'not-device-owner' } },
        { index: before.size + 2, duplicate: false },
      ]);
      const after = await logSnapshot(db);
      t.strictSame(after.entries.slice(0, before.size), before.entries, 'nothing already accepted changed');
      t.equal(after.size, before.size + 3, 'only the three readings of known, owned devices were appended');
    });

    t.test('not-device-owner', async (t) => {
      await refused(t, otherGen.token, [wind.next()], 'not-device-owner', 'another generator');
      await refused(t, tenant.token, [wind.next()], 'not-device-owner', 'a tenant');
      await refused(t, gen.token, [solar.next()], 'not-device-owner', "the generator posting solarco's meter");
    });

    t.test('seq-gap', async (t) => {
      await refused(t, gen.token, [wind.next({ seq: wind.seq + 1 })], 'seq-gap', 'one seq skipped');
      await refused(t, gen.token, [wind.next({ seq: wind.seq + 50, start: hour(wind.hour + 60), end: hour(wind.hour + 61) })], 'seq-gap', 'far ahead');
    });

    t.test('seq-conflict: different bytes at a used seq (a replay)', async (t) => {
      const replay = signPayload(wind.signer, {
        kind: 'reading',
        log: ORIGIN,
        device: 'wind-1',
        seq: 0,
        start: hour(0),
        end: hour(1),
        importWh: '0',
        exportWh: '999',
        quality: 'measured',
      });
      await refused(t, gen.token, [replay], 'seq-conflict', 'seq 0 again with other energy');
      await refused(t, gen.token, [wind.next({ seq: wind.seq - 1, prev: leafHashOf('any') })], 'seq-conflict', 'the previous seq');
    });

    t.test('bad-prev', async (t) => {
      await refused(t, gen.token, [wind.next({ prev: leafHashOf('not the previous reading') })], 'bad-prev', 'prev of something else');
    });

    t.test('overlapping-interval', async (t) => {
      await refused(t, gen.token, [wind.next({ start: hour(0), end: hour(1) })], 'overlapping-interval', 'an interval already covered');
      await refused(t, gen.token, [wind.next({ start: hour(wind.hour - 1), end: hour(wind.hour) })], 'overlapping-interval', 'the previous interval');
    });

    t.test('misaligned-interval', async (t) => {
      const start = Date.parse(hour(wind.hour));
      const at = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
      await refused(t, gen.token, [wind.next({ start: at(start + 1_800_000), end: at(start + 5_400_000) })], 'misaligned-interval', 'an hour starting at :30');
      await refused(t, gen.token, [wind.next({ end: at(start + 900_000) })], 'misaligned-interval', 'a quarter hour on an hourly log');
    });

    t.test('interval-too-long: longer than one hour', async (t) => {
      await refused(t, gen.token, [wind.next({ end: hour(wind.hour + 2) })], 'interval-too-long', 'two hours');
    });

    t.test('future-interval', async (t) => {
      const meter = new Meter('wind-future', (await addDevice(app, { id: 'wind-future', owner: gen.id, type: 'wind' })).signer, NOW_HOUR);
      await refused(t, gen.token, [meter.next()], 'future-interval', 'the interval ending an hour from now');
      meter.hour = NOW_HOUR - 1;
      t.match(results(await postEntries(app, gen.token, [meter.next()])), [{ duplicate: false }], 'the interval ending now is accepted');
    });

    t.test('before-commissioning', async (t) => {
      const key = await addDevice(app, { id: 'wind-new', owner: gen.id, type: 'wind', commissioningDate: '2024-02-01' });
      const meter = new Meter('wind-new', key.signer, 31 * 24 - 1);
      await refused(t, gen.token, [meter.next()], 'before-commissioning', 'the hour before commissioning day');
      meter.hour = 31 * 24;
      t.match(results(await postEntries(app, gen.token, [meter.next()])), [{ duplicate: false }], 'the first hour of commissioning day');
    });

    t.test('energy-exceeds-capacity', async (t) => {
      const meter = new Meter('wind-small', (await addDevice(app, { id: 'wind-small', owner: gen.id, type: 'wind', capacityW: 1000 })).signer);
      await refused(t, gen.token, [meter.next({ exportWh: '1001' })], 'energy-exceeds-capacity', 'export one Wh above 1 kW × 1 h');
      await refused(t, gen.token, [meter.next({ importWh: '1001' })], 'energy-exceeds-capacity', 'import one Wh above 1 kW × 1 h');
      t.match(
        results(await postEntries(app, gen.token, [meter.next({ exportWh: '1000', importWh: '1000' })])),
        [{ duplicate: false }],
        'exactly the capacity is accepted',
      );
    });

    t.test('non-canonical-json', async (t) => {
      const payload = {
        kind: 'reading',
        log: ORIGIN,
        device: 'wind-1',
        seq: wind.seq,
        prev: wind.prev,
        start: hour(wind.hour),
        end: hour(wind.hour + 1),
        importWh: '0',
        exportWh: '1',
        quality: 'measured',
      };
      await refused(t, gen.token, [signPayloadLine(wind.signer, JSON.stringify(payload))], 'non-canonical-json', 'keys not sorted');
      const sorted = Object.fromEntries(Object.entries(payload).sort(([a], [b]) => (a < b ? -1 : 1)));
      await refused(t, gen.token, [signPayloadLine(wind.signer, JSON.stringify(sorted, null, 1).replaceAll('\n', ''))], 'non-canonical-json', 'extra spaces');
      await refused(
        t,
        gen.token,
        [signPayloadLine(wind.signer, JSON.stringify(sorted).replace('"wind-1"', '"wind\\u002d1"'))],
        'non-canonical-json',
        'an escaped character',
      );
      t.match(
        results(await postEntries(app, gen.token, [signPayloadLine(wind.signer, JSON.stringify(sorted))])),
        [{ duplicate: false }],
        'the same payload in canonical form is accepted',
      );
      wind.accepted(signPayloadLine(wind.signer, JSON.stringify(sorted)));
    });

    t.test('schema-violation', async (t) => {
      const base = {
        kind: 'reading',
        log: ORIGIN,
        device: 'wind-1',
        seq: wind.seq,
        prev: wind.prev,
        start: hour(wind.hour),
        end: hour(wind.hour + 1),
        importWh: '0',
        exportWh: '1',
        quality: 'measured',
      };
      const { quality: _quality, ...noQuality } = base;
      await refused(t, gen.token, [signPayload(wind.signer, noQuality)], 'schema-violation', 'quality missing');
      const { importWh: _importWh, ...noImport } = base;
      await refused(t, gen.token, [signPayload(wind.signer, noImport)], 'schema-violation', 'importWh missing');
      await refused(t, gen.token, [signPayload(wind.signer, { ...base, comment: 'hi' })], 'schema-violation', 'an extra field');
      await refused(t, gen.token, [signPayload(wind.signer, { ...base, exportWh: 12.5 })], 'schema-violation', 'a float Wh');
      await refused(t, gen.token, [signPayload(wind.signer, { ...base, exportWh: 12 })], 'schema-violation', 'Wh as a JSON number');
      await refused(t, gen.token, [signPayload(wind.signer, { ...base, exportWh: '12.5' })], 'schema-violation', 'a fractional Wh string');
      await refused(t, gen.token, [signPayload(wind.signer, { ...base, exportWh: '012' })], 'schema-violation', 'a leading zero');
      await refused(t, gen.token, [signPayload(wind.signer, { ...base, prev: undefined })], 'schema-violation', 'prev missing after seq 0');
      await refused(t, gen.token, [signPayload(wind.signer, { ...base, quality: 'guessed' })], 'schema-violation', 'an unknown quality');
      await refused(t, gen.token, [signPayloadLine(wind.signer, '["reading"]')], 'schema-violation', 'not an object');
    });

    t.test('wrong-log: an entry of another origin', async (t) => {
      await refused(t, gen.token, [wind.next({ log: 'other.example/gridproof' })], 'wrong-log', 'another log');
    });

    t.test('unknown-kind', async (t) => {
      const zone = sealEntry({ kind: 'zone', log: ORIGIN, zone: 'DE-LU', gCO2PerKWh: 380, validFrom: hour(0) }, env.operatorSigner);
      await refused(t, gen.token, [zone], 'unknown-kind', 'an operator-signed zone entry');
      await refused(t, gen.token, [signPayload(wind.signer, { kind: 'meterreading', log: ORIGIN })], 'unknown-kind', 'an unknown kind');
    });

    t.test('bad-note', async (t) => {
      await refused(t, gen.token, ['hello'], 'bad-note', 'not a note');
      const note = wind.next();
      await refused(t, gen.token, [note.replace('gridproof/entry/v1', 'gridproof/entry/v2')], 'bad-note', 'another header');
      await refused(t, gen.token, [note.slice(0, note.indexOf('\n\n') + 1)], 'bad-note', 'no signature block');
      await refused(t, gen.token, [note.replace('\u2014 ', '- ')], 'bad-note', 'a signature line without the em dash');
      await refused(t, gen.token, [`${note.slice(0, -1)}x\n`], 'bad-note', 'a signature that is not strict base64');
      await refused(t, gen.token, [note.replace('\n\n', '\n')], 'bad-note', 'no blank line');
    });

    t.test('extra-signature: only the one line the device key signed is stored', async (t) => {
      const note = wind.next();
      const ownLine = note.slice(note.lastIndexOf('\n\n') + 2);
      const text = note.slice(0, note.lastIndexOf('\n\n') + 1);
      const foreign = meterKey('relay/junk').signer; // a key the log does not know
      const foreignLine = signNote(text, [foreign]).slice(text.length + 1);
      const otherDeviceLine = signNote(text, [other.signer]).slice(text.length + 1); // a key the log knows
      await refused(t, gen.token, [`${note}${foreignLine}`], 'extra-signature', 'a line by an unknown key after it');
      await refused(t, gen.token, [`${text}\n${foreignLine}${ownLine}`], 'extra-signature', 'a line by an unknown key before it');
      await refused(t, gen.token, [`${note}${ownLine}`], 'extra-signature', 'its own line twice');
      await refused(t, gen.token, [`${note}${otherDeviceLine}`], 'extra-signature', "a second line by another device's key");
      const padding = `\u2014 junk ${Buffer.alloc(9000, 7).toString('base64')}\n`;
      await refused(t, gen.token, [`${note}${padding}`], 'extra-signature', '12 KB of unsigned bytes in a signature line');
      t.match(results(await postEntries(app, gen.token, [note])), [{ leafHash: leafHashOf(note), duplicate: false }], 'the note as signed is accepted');
      wind.accepted(note);
    });

    t.test('duplicate: the same bytes again answer with the original index', async (t) => {
      const note = wind.next();
      const first = results(await postEntries(app, gen.token, [note]))[0] as { index: number; leafHash: string };
      t.match(first, { index: Number, leafHash: leafHashOf(note), duplicate: false, late: false });
      wind.accepted(note);
      const before = await logSnapshot(db);
      const [again] = results(await postEntries(app, gen.token, [note]));
      t.strictSame(again, { index: first.index, leafHash: first.leafHash, duplicate: true, late: false }, 'original index and leaf hash, duplicate: true');
      // Still a duplicate once the chain has moved on, not a conflict.
      const later = wind.next();
      t.match(results(await postEntries(app, gen.token, [later])), [{ duplicate: false }]);
      wind.accepted(later);
      const [third] = results(await postEntries(app, gen.token, [note]));
      t.strictSame(third, { index: first.index, leafHash: first.leafHash, duplicate: true, late: false }, 'a duplicate of an older reading');
      t.equal((await logSnapshot(db)).size, before.size + 1, 'only the new reading was added');
    });

    t.test('a batch: a reading chains on an earlier one of the same request', async (t) => {
      const notes: string[] = [];
      for (let i = 0; i < 3; i++) {
        const note = wind.next({ exportWh: String(100 + i) });
        notes.push(note);
        wind.accepted(note);
      }
      const size = (await logSnapshot(db)).size;
      const got = results(await postEntries(app, gen.token, notes));
      t.strictSame(
        got,
        notes.map((note, i) => ({ index: size + i, leafHash: leafHashOf(note), duplicate: false, late: false })),
      );
    });

    t.test('a batch mixing good and bad entries: results in order, the good ones accepted', async (t) => {
      const before = await logSnapshot(db);
      const good1 = wind.next();
      wind.accepted(good1);
      const gap = wind.next({ seq: wind.seq + 3 });
      const good2 = wind.next();
      wind.accepted(good2);
      const forged = flipSignatureByte(wind.next());
      const notOwned = solar.next();
      const got = results(await postEntries(app, gen.token, [good1, gap, 'garbage', good2, forged, good1, notOwned]));
      t.strictSame(got[0], { index: before.size, leafHash: leafHashOf(good1), duplicate: false, late: false });
      t.match(got[1], { error: { code: 'seq-gap' } });
      t.match(got[2], { error: { code: 'bad-note' } });
      t.strictSame(got[3], { index: before.size + 1, leafHash: leafHashOf(good2), duplicate: false, late: false });
      t.match(got[4], { error: { code: 'bad-signature' } });
      t.strictSame(got[5], { index: before.size, leafHash: leafHashOf(good1), duplicate: true, late: false }, 'the same bytes twice in one request');
      t.match(got[6], { error: { code: 'not-device-owner' } });
      const after = await logSnapshot(db);
      t.equal(after.size, before.size + 2, 'exactly the two good readings were appended');
      t.strictSame(after.entries.slice(0, before.size), before.entries, 'earlier entries unchanged');
    });

    t.test('a thousand readings in one request', async (t) => {
      const meter = new Meter('wind-bulk', (await addDevice(app, { id: 'wind-bulk', owner: gen.id, type: 'wind' })).signer);
      const notes = range(1000).map(() => {
        const note = meter.next({ exportWh: String(meter.seq) });
        meter.accepted(note);
        return note;
      });
      const size = (await logSnapshot(db)).size;
      const got = results(await postEntries(app, gen.token, notes));
      t.equal(got.filter((r) => 'index' in r && !r.duplicate).length, 1000, 'all accepted');
      t.strictSame(
        got.map((r) => ('index' in r ? r.index : -1)),
        range(1000).map((i) => size + i),
        'consecutive indexes in request order',
      );
      const chain = await app.inject({ url: '/v1/devices/wind-bulk/chain', headers: auth(OPERATOR_TOKEN) });
      t.match(chain.json(), { valid: true, length: 1000, head: { seq: 999, leafHash: leafHashOf(notes[999]!) } });
    });

    t.test('too-many-entries: more than 1000 in one request is 413', async (t) => {
      const before = await logSnapshot(db);
      const response = await postEntries(app, gen.token, [...range(1000).map(() => 'x'), wind.next()]);
      isProblem(t, response, 413, 'too-many-entries');
      t.strictSame(await logSnapshot(db), before, 'nothing appended');
    });

    t.test('payload-too-large: a body over the limit is 413', async (t) => {
      const small = await buildApp({ ledger: env.ledger, intake: env.intake, bodyLimit: 4096 });
      t.teardown(() => small.close());
      const before = await logSnapshot(db);
      const note = wind.next();
      const fits = await small.inject({ method: 'POST', url: '/v1/entries', headers: auth(gen.token), payload: { entries: [note] } });
      t.equal(fits.statusCode, 200, 'a body under the limit passes');
      wind.accepted(note);
      const over = await small.inject({
        method: 'POST',
        url: '/v1/entries',
        headers: auth(gen.token),
        payload: { entries: [wind.next({ exportWh: '1' }), 'x'.repeat(5000)] },
      });
      isProblem(t, over, 413, 'payload-too-large');
      const huge = await postEntries(
        app,
        gen.token,
        range(40).map(() => 'x'.repeat(60_000)),
      );
      isProblem(t, huge, 413, 'payload-too-large', 'over the default 2 MiB');
      t.equal((await logSnapshot(db)).size, before.size + 1, 'only the reading that fitted');
    });

    t.test('the request body itself is checked', async (t) => {
      isProblem(t, await postEntries(app, gen.token, []), 400, 'schema-violation', 'no entries');
      isProblem(
        t,
        await app.inject({ method: 'POST', url: '/v1/entries', headers: auth(gen.token), payload: { entries: [{ note: 'x' }] } }),
        400,
        'schema-violation',
        'not strings',
      );
      isProblem(
        t,
        await app.inject({ method: 'POST', url: '/v1/entries', headers: auth(gen.token), payload: { entries: ['x'], more: 1 } }),
        400,
        'schema-violation',
        'an extra member',
      );
      isProblem(
        t,
        await app.inject({ method: 'POST', url: '/v1/entries', headers: auth(gen.token), payload: { entries: [1] } }),
        400,
        'schema-violation',
        'a number is not coerced to a string',
      );
      isProblem(
        t,
        await app.inject({
          method: 'POST',
          url: '/v1/zones',
          headers: auth(OPERATOR_TOKEN),
          payload: { zone: 'DE-LU', gCO2PerKWh: '380', validFrom: '2024-01-01T00:00:00Z' },
        }),
        400,
        'schema-violation',
        'a string is not coerced to an integer',
      );
      isProblem(
        t,
        await app.inject({ method: 'POST', url: '/v1/entries', headers: { ...auth(gen.token), 'content-type': 'application/json' }, payload: '{"entries": [' }),
        400,
        'bad-request',
        'broken JSON',
      );
    });

    t.test('unauthorized: no token, an unknown token, another scheme', async (t) => {
      const before = await logSnapshot(db);
      const note = wind.next();
      isProblem(t, await app.inject({ method: 'POST', url: '/v1/entries', payload: { entries: [note] } }), 401, 'unauthorized', 'no token');
      isProblem(t, await postEntries(app, 'gp_not-a-token', [note]), 401, 'unauthorized', 'unknown token');
      isProblem(
        t,
        await app.inject({ method: 'POST', url: '/v1/entries', headers: { authorization: `Basic ${gen.token}` }, payload: { entries: [note] } }),
        401,
        'unauthorized',
        'Basic',
      );
      isProblem(
        t,
        await app.inject({ method: 'POST', url: '/v1/participants', payload: { role: 'tenant', name: 'x' } }),
        401,
        'unauthorized',
        'operator route',
      );
      t.strictSame(await logSnapshot(db), before, 'nothing appended');
    });

    t.test('forbidden: a role calling a route not for it', async (t) => {
      const before = await logSnapshot(db);
      isProblem(
        t,
        await app.inject({ method: 'POST', url: '/v1/participants', headers: auth(tenant.token), payload: { role: 'tenant', name: 'x' } }),
        403,
        'forbidden',
        'tenant registers a participant',
      );
      isProblem(
        t,
        await app.inject({
          method: 'POST',
          url: '/v1/devices/wind-1/keys',
          headers: auth(gen.token),
          payload: { verifierKey: meterKey('meter/x').vkey, validFrom: hour(0) },
        }),
        403,
        'forbidden',
        'generator adds a key to its own device',
      );
      isProblem(
        t,
        await app.inject({ method: 'POST', url: '/v1/zones', headers: auth(tenant.token), payload: { zone: 'DE-LU', gCO2PerKWh: 1, validFrom: hour(0) } }),
        403,
        'forbidden',
        'tenant writes a zone',
      );
      isProblem(t, await postEntries(app, certifier.token, [wind.next()]), 403, 'forbidden', 'certifier posts readings');
      isProblem(t, await postEntries(app, OPERATOR_TOKEN, [wind.next()]), 403, 'forbidden', 'operator posts readings');
      t.strictSame(await logSnapshot(db), before, 'nothing appended');
    });

    t.test('not-found: an unknown route is a problem document', async (t) => {
      isProblem(t, await app.inject({ url: '/v1/nothing-here' }), 404, 'not-found');
      isProblem(t, await app.inject({ method: 'DELETE', url: '/v1/entries' }), 405, 'method-not-allowed', 'an unknown method on a known path');
    });

    t.test('the whole log still checks out', async (t) => {
      const chain = await app.inject({ url: '/v1/devices/wind-1/chain', headers: auth(OPERATOR_TOKEN) });
      t.match(chain.json(), { valid: true, length: wind.seq, head: { seq: wind.seq - 1, leafHash: wind.prev } });
      const snapshot = await logSnapshot(db);
      t.strictSame(
        snapshot.entries.map((e) => e.idx),
        range(snapshot.size),
        'indexes 0..n-1',
      );
    });
  });
}

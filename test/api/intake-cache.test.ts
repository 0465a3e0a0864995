/**
 * The intake keeps the facts and keys of a bounded number of devices, least
 * recently used leaving first (DeviceHints, docs/design.md §4), so a fleet of millions
 * cannot grow the process without end. A device pushed out is read again
 * when it next posts: every reading is judged as if the cache were whole,
 * whether it arrives alone, in a batch of more devices than the cache holds,
 * or beside concurrent requests that evict each other's devices.
 */
import t from 'tap';
import { DeviceHints } from '../../src/ledger/device-hints.ts';
import { ReadingIntake } from '../../src/ledger/intake.ts';
import { addDevice, addParticipant, auth, meterKey, OPERATOR_TOKEN, startTestApp } from '../helpers/app.ts';
import { testBackends } from '../helpers/database.ts';
import { logSnapshot, Meter, range } from '../helpers/log-state.ts';

const NOW = Date.parse('2024-06-01T00:00:00Z');
const CACHE = 2;
const DEVICES = 5;

for (const backend of await testBackends()) {
  t.test(`${backend}: a bounded device cache judges every reading as a whole one would`, async (t) => {
    const env = await startTestApp(backend, { now: () => NOW });
    t.teardown(env.close);
    const { app, ledger } = env;
    const gen = await addParticipant(app, 'generator', 'windco');
    const other = await addParticipant(app, 'generator', 'otherco');
    const meters: Meter[] = [];
    for (const i of range(DEVICES)) {
      const id = `wind-${i}`;
      meters.push(new Meter(id, (await addDevice(app, { id, owner: gen.id, type: 'wind' })).signer));
    }
    const hints = new DeviceHints(ledger.db, CACHE);
    const intake = new ReadingIntake(ledger, { hints });
    t.teardown(() => intake.idle());
    const caller = { id: gen.id, role: 'generator' as const };
    const accept = (results: unknown[], notes: string[], what: string) => {
      t.match(
        results,
        notes.map(() => ({ duplicate: false, late: false })),
        what,
      );
    };
    const kept = (what: string) => {
      const { devices, keys } = hints.count();
      t.ok(devices <= CACHE && keys <= CACHE, `${what}: at most ${CACHE} devices kept (${devices} facts, ${keys} key lists)`);
    };

    // One request with more devices than the cache holds, two readings each (the second chains on the first).
    const first = meters.flatMap((meter) => {
      const a = meter.next();
      meter.accepted(a);
      const b = meter.next();
      meter.accepted(b);
      return [a, b];
    });
    accept(await intake.submit(caller, first), first, 'a batch of five devices through a cache of two');
    kept('after the batch');

    // Concurrent single readings, every device in turn: each request evicts another's devices.
    for (const round of range(3)) {
      const notes = meters.map((meter) => meter.next());
      const results = await Promise.all(notes.map((note) => intake.submit(caller, [note])));
      accept(results.flat(), notes, `round ${round}: concurrent single readings`);
      notes.forEach((note, i) => meters[i]!.accepted(note));
      kept(`after round ${round}`);
    }

    // A key added while the device was out of the cache: read again, so its readings go in.
    const rotated = meterKey('meter/wind-0b');
    const added = await app.inject({
      method: 'POST',
      url: '/v1/devices/wind-0/keys',
      headers: auth(OPERATOR_TOKEN),
      payload: { verifierKey: rotated.vkey, validFrom: '2018-01-01T00:00:00Z' },
    });
    t.equal(added.statusCode, 201, `the key is added (${added.body})`);
    for (const meter of meters.slice(1, 1 + CACHE)) {
      const note = meter.next();
      accept(await intake.submit(caller, [note]), [note], `${meter.device} pushes wind-0 out`);
      meter.accepted(note);
    }
    t.same(hints.holds('wind-0'), { device: false, keys: false }, 'wind-0 is out of the cache');
    const underNewKey = meters[0]!.next({}, rotated.signer);
    accept(await intake.submit(caller, [underNewKey]), [underNewKey], 'a reading under the key added meanwhile');
    meters[0]!.accepted(underNewKey);

    // Refusals are the same as with a whole cache, and leave the log as it was.
    const before = await logSnapshot(ledger.db);
    const stranger = { id: other.id, role: 'generator' as const };
    t.match(await intake.submit(stranger, [meters[3]!.next()]), [{ error: { code: 'not-device-owner' } }], 'another generator’s device, out of the cache');
    t.match(await intake.submit(caller, [meters[4]!.next({ device: 'wind-99' })]), [{ error: { code: 'unknown-device' } }], 'a device never registered');
    t.match(await intake.submit(caller, [meters[2]!.next({}, rotated.signer)]), [{ error: { code: 'no-valid-key' } }], 'a key of another device');
    t.strictSame(await logSnapshot(ledger.db), before, 'the refusals changed nothing');
    kept('at the end');

    const logged = await ledger.db
      .selectFrom('reading')
      .select(({ fn }) => fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    t.equal(Number(logged.n), DEVICES * 2 + DEVICES * 3 + CACHE + 1, 'every accepted reading is in the log');
  });
}

t.test('a cache of no devices, or of a size that is not a count, is refused at once', async (t) => {
  for (const size of [0, -1, 1.5, Number.NaN]) t.throws(() => new DeviceHints(undefined as never, size), RangeError, `size ${size}`);
});

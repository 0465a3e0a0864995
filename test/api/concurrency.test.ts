/**
 * Concurrency (docs/design.md §3): 20 clients posting the same device's next
 * reading at once give exactly one success, 19 seq-conflicts and no gap; 20
 * clients on 20 devices give indexes 0..n-1, no gap, no duplicate. On
 * PostgreSQL the same also holds across several processes' worth of ledgers
 * (separate connection pools) on one database.
 */
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { openPostgres } from '../../src/db/connect.ts';
import { ReadingIntake } from '../../src/ledger/intake.ts';
import { openLedger } from '../../src/ledger/open.ts';
import { addDevice, addParticipant, OPERATOR_TOKEN, ORIGIN, postEntries, startTestApp } from '../helpers/app.ts';
import { testBackends } from '../helpers/database.ts';
import { entryIndexes, leafHashOf, Meter, range, type Tap } from '../helpers/log-state.ts';

const CLIENTS = 20;
const NOW = Date.parse('2024-06-01T00:00:00Z');

type Result = { index: number; leafHash: string; duplicate: boolean } | { error: { code: string } };

for (const backend of await testBackends()) {
  t.test(`${backend}: concurrent posts`, async (t) => {
    const env = await startTestApp(backend, { now: () => NOW });
    t.teardown(env.close);
    const { app } = env;
    const db = env.ledger.db;
    const gen = await addParticipant(app, 'generator', 'windco');

    async function gapless(t: Tap): Promise<number[]> {
      const { indexes, size } = await entryIndexes(db);
      t.strictSame(indexes, range(size), `indexes 0..${size - 1}, no gap, no duplicate`);
      return indexes;
    }

    t.test(`${CLIENTS} clients post the same device's next reading at once`, async (t) => {
      const meter = new Meter('wind-hot', (await addDevice(app, { id: 'wind-hot', owner: gen.id, type: 'wind' })).signer);
      const first = meter.next();
      await postEntries(app, gen.token, [first]);
      meter.accepted(first);
      const before = (await entryIndexes(db)).size;
      // 20 different valid readings, all with the next seq.
      const notes = range(CLIENTS).map((i) => meter.next({ exportWh: String(1000 + i) }));
      const responses = await Promise.all(notes.map((note) => postEntries(app, gen.token, [note])));
      const results = responses.map((response) => (response.json() as { results: Result[] }).results[0]!);
      const wins = results.flatMap((result, i) => ('index' in result ? [{ ...result, note: notes[i]! }] : []));
      t.equal(wins.length, 1, 'exactly one success');
      t.equal(results.filter((r) => 'error' in r && r.error.code === 'seq-conflict').length, CLIENTS - 1, `${CLIENTS - 1} seq-conflict`);
      t.strictSame(
        wins[0],
        { index: before, leafHash: leafHashOf(wins[0]!.note), duplicate: false, late: false, note: wins[0]!.note },
        'the winner took the next index',
      );
      await gapless(t);
      const readings = await db.selectFrom('reading').select('entry_idx').where('device_id', '=', 'wind-hot').execute();
      t.equal(readings.length, 2, 'the device has seq 0 and one seq 1');
    });

    t.test(`${CLIENTS} clients on ${CLIENTS} devices at once`, async (t) => {
      const meters: Meter[] = [];
      for (const i of range(CLIENTS)) {
        meters.push(new Meter(`wind-${i}`, (await addDevice(app, { id: `wind-${i}`, owner: gen.id, type: 'wind' })).signer));
      }
      const before = (await entryIndexes(db)).size;
      // Each client posts three readings in a row, so requests interleave.
      const clientResults = await Promise.all(
        meters.map(async (meter) => {
          const got: Result[] = [];
          for (let k = 0; k < 3; k++) {
            const note = meter.next();
            got.push(((await postEntries(app, gen.token, [note])).json() as { results: Result[] }).results[0]!);
            meter.accepted(note);
          }
          return got;
        }),
      );
      const all = clientResults.flat();
      t.ok(
        all.every((r) => 'index' in r && !r.duplicate),
        'every reading accepted',
      );
      const indexes = all.map((r) => ('index' in r ? r.index : -1)).sort((a, b) => a - b);
      t.strictSame(
        indexes,
        range(CLIENTS * 3).map((i) => before + i),
        'the new readings took exactly the next indexes',
      );
      await gapless(t);
    });

    t.test(
      'several ledgers on one PostgreSQL database: one success, no gap',
      { skip: backend !== 'postgres' && 'needs a PostgreSQL server (separate connection pools)' },
      async (t) => {
        const INSTANCES = 4;
        const apps: FastifyInstance[] = [];
        for (let i = 0; i < INSTANCES; i++) {
          const store = await openPostgres(env.testStore.url!, 4);
          const { ledger } = await openLedger({
            db: store.db,
            origin: ORIGIN,
            intervalSeconds: 3600,
            logSigner: env.logSigner,
            operatorSigner: env.operatorSigner,
            operatorToken: OPERATOR_TOKEN,
            now: () => NOW,
          });
          const intake = new ReadingIntake(ledger);
          const instance = await buildApp({ ledger, intake });
          t.teardown(async () => {
            await instance.close();
            await intake.idle();
            await store.close();
          });
          apps.push(instance);
        }
        const hot = new Meter('wind-multi', (await addDevice(app, { id: 'wind-multi', owner: gen.id, type: 'wind' })).signer);
        const cold = await Promise.all(
          range(CLIENTS).map(async (i) => new Meter(`wind-m${i}`, (await addDevice(app, { id: `wind-m${i}`, owner: gen.id, type: 'wind' })).signer)),
        );
        const hotNotes = range(CLIENTS).map((i) => hot.next({ exportWh: String(i) }));
        const [hotResponses, coldResponses] = await Promise.all([
          Promise.all(hotNotes.map((note, i) => postEntries(apps[i % INSTANCES]!, gen.token, [note]))),
          Promise.all(cold.map((meter, i) => postEntries(apps[i % INSTANCES]!, gen.token, [meter.next()]))),
        ]);
        const hotResults = hotResponses.map((r) => (r.json() as { results: Result[] }).results[0]!);
        t.equal(hotResults.filter((r) => 'index' in r).length, 1, 'one success on the hot device across instances');
        t.equal(hotResults.filter((r) => 'error' in r && r.error.code === 'seq-conflict').length, CLIENTS - 1, 'the rest are seq-conflict');
        const coldResults = coldResponses.map((r) => (r.json() as { results: Result[] }).results[0]!);
        t.ok(
          coldResults.every((r) => 'index' in r && !r.duplicate),
          'every other device accepted',
        );
        await gapless(t);
      },
    );
  });
}

/**
 * Two app instances (two ledgers, two connection pools) on one PostgreSQL
 * database appending and publishing at once (docs/design.md §3): no publish
 * fails, no two checkpoints of one size, every checkpoint is the root of the
 * log's prefix, and consecutive checkpoints are provably consistent.
 */
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { fromBase64 } from '../../src/crypto/base64.ts';
import { openCheckpoint } from '../../src/crypto/checkpoint.ts';
import { hashLeaf, rootFromLeafHashes, verifyConsistency } from '../../src/crypto/merkle.ts';
import { openPostgres } from '../../src/db/connect.ts';
import { ReadingIntake } from '../../src/ledger/intake.ts';
import type { Ledger } from '../../src/ledger/ledger.ts';
import { openLedger } from '../../src/ledger/open.ts';
import { publishCheckpoint } from '../../src/ledger/publish.ts';
import { addDevice, addParticipant, OPERATOR_TOKEN, ORIGIN, postEntries, startTestApp } from '../helpers/app.ts';
import { testBackends } from '../helpers/database.ts';
import { entryIndexes, Meter, range } from '../helpers/log-state.ts';

const NOW = Date.parse('2024-06-01T00:00:00Z');
const DEVICES_PER_INSTANCE = 4;
const READINGS_PER_DEVICE = 25;
const PUBLISHES_PER_INSTANCE = 30;

for (const backend of await testBackends()) {
  t.test(
    `${backend}: two ledgers on one database append and publish at once`,
    { skip: backend !== 'postgres' && 'two processes on one database need a PostgreSQL server; PGlite is one connection in one process' },
    async (t) => {
      const a = await startTestApp(backend, { now: () => NOW });
      t.teardown(a.close);
      const storeB = await openPostgres(a.testStore.url!);
      const { ledger: ledgerB } = await openLedger({
        db: storeB.db,
        origin: ORIGIN,
        intervalSeconds: 3600,
        logSigner: a.logSigner,
        operatorSigner: a.operatorSigner,
        operatorToken: OPERATOR_TOKEN,
        now: () => NOW,
      });
      const intakeB = new ReadingIntake(ledgerB);
      const appB = await buildApp({ ledger: ledgerB, intake: intakeB });
      t.teardown(async () => {
        await appB.close();
        await intakeB.idle();
        await storeB.close();
      });

      const gen = await addParticipant(a.app, 'generator', 'windco');
      const meters: Meter[] = [];
      for (const i of range(2 * DEVICES_PER_INSTANCE)) {
        // Registered through both instances, so registry appends race too.
        const key = await addDevice(i % 2 === 0 ? a.app : appB, { id: `wind-${i}`, owner: gen.id, type: 'wind' });
        meters.push(new Meter(`wind-${i}`, key.signer));
      }

      const instances: Array<{ app: FastifyInstance; ledger: Ledger; meters: Meter[] }> = [
        { app: a.app, ledger: a.ledger, meters: meters.slice(0, DEVICES_PER_INSTANCE) },
        { app: appB, ledger: ledgerB, meters: meters.slice(DEVICES_PER_INSTANCE) },
      ];
      const failures: unknown[] = [];
      const published: Array<{ size: number; note: string }> = [];
      const appends = instances.flatMap(({ app, meters: own }) =>
        own.map(async (meter) => {
          for (let k = 0; k < READINGS_PER_DEVICE; k++) {
            const note = meter.next();
            const response = await postEntries(app, gen.token, [note]);
            if (response.statusCode !== 200 || !('index' in response.json().results[0])) failures.push(response.body);
            meter.accepted(note);
          }
        }),
      );
      let appending = true;
      void Promise.allSettled(appends).then(() => (appending = false));
      const publishes = instances.map(async ({ ledger }) => {
        // Until the appends are done, however long they take, so the two overlap.
        for (let k = 0; k < PUBLISHES_PER_INSTANCE || appending; k++) {
          try {
            const result = await publishCheckpoint(ledger);
            if (result.published) published.push({ size: result.checkpoint!.size, note: result.checkpoint!.note });
          } catch (error) {
            failures.push(error);
          }
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      });
      await Promise.all([...appends, ...publishes]);
      t.strictSame(failures, [], 'every append and every publish succeeded');
      await publishCheckpoint(ledgerB);

      const db = a.ledger.db;
      const { indexes, size } = await entryIndexes(db);
      t.strictSame(indexes, range(size), 'indexes 0..n-1 with no gap');
      t.equal(size, 2 + 1 + 2 * 2 * DEVICES_PER_INSTANCE + 2 * DEVICES_PER_INSTANCE * READINGS_PER_DEVICE, 'every entry is there');

      const rows = await db.selectFrom('checkpoint').select(['size', 'note']).orderBy('size').execute();
      t.ok(rows.length >= 3, `${rows.length} checkpoints published`);
      t.ok(published.length > 0, 'the publishers signed checkpoints');
      t.equal(new Set(published.map((p) => p.size)).size, published.length, 'no size was published twice');
      for (const p of published)
        t.equal(rows.find((row) => row.size === p.size)?.note, p.note, `the checkpoint of size ${p.size} is the one its publisher signed`);
      t.equal(rows.at(-1)!.size, size, 'the last checkpoint covers the whole log');

      const leaves = (await db.selectFrom('entry').select('bytes').orderBy('idx').execute()).map((row) => hashLeaf(row.bytes));
      const checkpoints = rows.map((row) => openCheckpoint(row.note, a.ledger.logVerifier, ORIGIN));
      for (const cp of checkpoints) {
        t.strictSame(cp.root, rootFromLeafHashes(leaves.slice(0, cp.size)), `checkpoint ${cp.size} is the root of the first ${cp.size} entries`);
      }
      for (let i = 1; i < checkpoints.length; i++) {
        const [older, newer] = [checkpoints[i - 1]!, checkpoints[i]!];
        // Ask each instance in turn for the proof.
        const app = i % 2 === 0 ? a.app : appB;
        const proof = (await app.inject({ url: `/v1/log/proof/consistency?from=${older.size}&to=${newer.size}` })).json().proof as string[];
        t.doesNotThrow(
          () => verifyConsistency(older.size, newer.size, proof.map(fromBase64), older.root, newer.root),
          `${older.size} → ${newer.size} consistent`,
        );
      }
    },
  );
}

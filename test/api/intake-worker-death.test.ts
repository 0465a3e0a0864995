/**
 * POST /v1/entries checks signatures on the shared worker pool (docs/design.md
 * §4). A real worker thread terminated while it holds a request's checks:
 * the request answers 503 `unavailable` (problem+json) within seconds,
 * never hangs, and has written nothing; the pool replaces the worker and the
 * same readings are accepted when posted again.
 */
import t from 'tap';
import type { LightMyRequestResponse } from 'fastify';
import { cpuPool } from '../../src/ledger/cpu-pool.ts';
import { addDevice, addParticipant, postEntries, startTestApp } from '../helpers/app.ts';
import { testBackends } from '../helpers/database.ts';
import { isProblem, logSnapshot, Meter, range } from '../helpers/log-state.ts';

const NOW = Date.parse('2024-06-01T00:00:00Z');
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** The answer, or a failure after `ms` (a hang must fail the test, not stall it). */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms))),
  ]);
}

/** Terminates every worker of the pool as soon as one holds a job, while `pending` is unanswered. */
async function killWorkersDuring(pending: Promise<unknown>): Promise<boolean> {
  let answered = false;
  void pending.finally(() => (answered = true));
  const pool = cpuPool();
  while (pool.running === 0 && !answered) await tick();
  if (answered) return false;
  await Promise.all(pool.threads().map((thread) => thread.terminate()));
  return true;
}

for (const backend of await testBackends()) {
  t.test(`${backend}: a verification worker dies under POST /v1/entries`, async (t) => {
    const env = await startTestApp(backend, { now: () => NOW });
    t.teardown(env.close);
    const { app } = env;
    const db = env.ledger.db;
    const gen = await addParticipant(app, 'generator', 'windco');
    const meters: Meter[] = [];
    for (const i of range(40)) meters.push(new Meter(`wind-${i}`, (await addDevice(app, { id: `wind-${i}`, owner: gen.id, type: 'wind' })).signer));

    t.test('a batch whose checks were on the dead workers answers 503 and writes nothing', async (t) => {
      // 1000 readings keep both workers busy for tens of milliseconds; if they
      // finish before the kill (a race lost), those readings are in and the next ones are tried.
      for (let attempt = 1; ; attempt++) {
        const notes: string[] = [];
        const chains = meters.map((meter) => new Meter(meter.device, meter.signer, meter.hour));
        chains.forEach((chain, i) => Object.assign(chain, { seq: meters[i]!.seq, prev: meters[i]!.prev }));
        for (const _ of range(25)) {
          for (const chain of chains) {
            const note = chain.next();
            chain.accepted(note);
            notes.push(note);
          }
        }
        const before = await logSnapshot(db);
        const pending = postEntries(app, gen.token, notes);
        const killed = await killWorkersDuring(pending);
        const response: LightMyRequestResponse = await within(pending, 20_000);
        if (!killed || response.statusCode === 200) {
          t.equal(response.statusCode, 200, `attempt ${attempt}: the checks finished before the kill, so the batch is in`);
          meters.forEach((meter, i) => Object.assign(meter, { seq: chains[i]!.seq, prev: chains[i]!.prev, hour: chains[i]!.hour }));
          if (attempt < 5) continue;
          t.fail('never caught a worker holding the checks');
          return;
        }
        isProblem(t, response, 503, 'unavailable', 'the batch');
        t.strictSame(await logSnapshot(db), before, 'the log is unchanged');
        const again = await within(postEntries(app, gen.token, notes), 20_000);
        t.equal(again.statusCode, 200, 'the pool replaced its workers');
        const results = (again.json() as { results: Array<{ index?: number; duplicate?: boolean }> }).results;
        t.ok(
          results.every((r) => r.index !== undefined && r.duplicate === false),
          'the same readings are accepted when posted again',
        );
        meters.forEach((meter, i) => Object.assign(meter, { seq: chains[i]!.seq, prev: chains[i]!.prev, hour: chains[i]!.hour }));
        return;
      }
    });

    t.test('concurrent single readings: each answers 200 or 503, none hangs, only the 200s are stored', async (t) => {
      // The kill can land just after a job answered (a race lost): then every
      // reading is in, the invariants still hold, and the next hour is tried.
      for (let attempt = 1; attempt <= 5; attempt++) {
        const notes = meters.map((meter) => meter.next());
        const before = await logSnapshot(db);
        const pending = Promise.all(notes.map((note) => postEntries(app, gen.token, [note])));
        await killWorkersDuring(pending);
        const responses = await within(pending, 20_000);
        const accepted = new Set<number>();
        responses.forEach((response, i) => {
          if (response.statusCode === 200) accepted.add(i);
          else isProblem(t, response, 503, 'unavailable', `attempt ${attempt}, reading ${i}`);
        });
        const after = await logSnapshot(db);
        t.equal(after.size - before.size, accepted.size, `attempt ${attempt}: exactly the acknowledged readings were appended`);
        const stored = new Set(after.entries.slice(before.size).map((entry) => Buffer.from(entry.bytes, 'base64').toString('utf8')));
        t.ok(
          notes.every((note, i) => stored.has(note) === accepted.has(i)),
          `attempt ${attempt}: each stored reading was answered 200, each 503 left no trace`,
        );
        const retried = await within(Promise.all(notes.map((note, i) => (accepted.has(i) ? undefined : postEntries(app, gen.token, [note])))), 20_000);
        t.ok(
          retried.every((response) => response === undefined || response.statusCode === 200),
          `attempt ${attempt}: the refused readings are accepted when posted again`,
        );
        notes.forEach((note, i) => meters[i]!.accepted(note));
        if (accepted.size < notes.length) {
          t.pass(`attempt ${attempt}: ${notes.length - accepted.size} of ${notes.length} requests answered 503`);
          return;
        }
      }
      t.fail('in five attempts the kill never caught a worker holding single readings');
    });
  });
}

/**
 * `gridproof upload` stopped once it has posted: whatever stops it (a 429, a
 * 503, the connection lost), it prints the JSON summary of what it knows
 * before it exits, so a cron job learns how much went in (README "The
 * command line"): `accepted` and `duplicates` are in the log, `unconfirmed`
 * were posted in the batch that got no answer saying whether they were
 * logged, `notSent` were never posted (or were turned away unread, as by a
 * 429). Rows the log can never take stand whatever stopped the run (exit 1).
 * Real processes, a real server; the 503 comes from a real PostgreSQL the
 * service can no longer reach, the lost connection from a real TCP proxy
 * between the command and the service that closes every connection. Each
 * run again once the server is back logs nothing twice.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { readLogSize, type Db } from '../../src/db/log.ts';
import { meterService, runGridproof } from '../helpers/cli.ts';
import { testBackends } from '../helpers/database.ts';
import { DatabaseProxy, proxiedTestStore } from '../helpers/database-proxy.ts';
import { range } from '../helpers/log-state.ts';

const HOUR = 3600_000;
const FROM = Date.parse('2026-01-01T00:00:00Z');
const KEY_VALID_FROM = '2025-12-01T00:00:00Z';
const EX_TEMPFAIL = 75;

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const rowOf = (h: number) => `wind-1,${iso(FROM + h * HOUR)},${iso(FROM + (h + 1) * HOUR)},0,${1000 + h}`;
const csvOf = (hours: number[]) => `device,start,end,importWh,exportWh\n${hours.map(rowOf).join('\n')}\n`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Summary {
  readings: number;
  skipped: number;
  alreadyLogged: number;
  olderThanHead: number;
  accepted: number;
  duplicates: number;
  late: number;
  refused: number;
  unconfirmed: number;
  notSent: number;
}

/** stdout is exactly one line of JSON, the summary. */
function summaryOf(t: Test, stdout: string): Summary {
  t.match(stdout, /^\{[^\n]*\}\n$/, 'one line of JSON on stdout');
  return JSON.parse(stdout) as Summary;
}

/** wind-1's logged readings, by seq: each seq at most once by the schema, so the list says whether any was logged twice. */
async function seqsOf(db: Db): Promise<number[]> {
  const rows = await db.selectFrom('reading').select('seq').where('device_id', '=', 'wind-1').orderBy('seq').execute();
  return rows.map((row) => Number(row.seq));
}

/** Waits until `size()` reaches `atLeast`; false when `done()` comes first. */
async function until(size: () => Promise<number>, atLeast: number, done: () => boolean): Promise<boolean> {
  while (!done()) {
    if ((await size()) >= atLeast) return true;
    await sleep(20);
  }
  return false;
}

/** The log size once it stopped changing (a batch the service was still writing when the command left has landed). */
async function settledSize(db: Db): Promise<number> {
  let size = await readLogSize(db);
  for (;;) {
    await sleep(500);
    const next = await readLogSize(db);
    if (next === size) return size;
    size = next;
  }
}

t.test('429 after a batch: the summary says what went in and what was not sent; rows older than the head still exit 1', async (t) => {
  // Eight requests a minute per token: the first upload spends three (the log key, the chain, one batch), the second
  // five (the log key, the chain, the head entry, the logged readings for the older row, the first batch), then the 429.
  const { scratch, test, gen, keyFile, server } = await meterService(t, {
    now: FROM + 2000 * HOUR,
    keyValidFrom: KEY_VALID_FROM,
    rateLimits: { perMinute: 8, anonymousVerifyPerMinute: 8 },
  });
  const db = test.testStore.store.db;
  const upload = (name: string, hours: number[]) => {
    const file = join(scratch, name);
    writeFileSync(file, csvOf(hours));
    return runGridproof(['upload', file, '--key', keyFile, '--server', server, '--token', gen.token], { timeoutMs: 120_000 });
  };
  const first = await upload('first.csv', [10, 11, 12]);
  t.equal(first.status, 0, `three readings logged (${first.stderr})`);
  const before = await readLogSize(db);

  // Hour 0 is before the head and not in the log; hours 13 to 1013 are 1001 new ones.
  const cut = await upload('more.csv', [0, ...range(1001).map((h) => 13 + h)]);
  t.equal(cut.status, 1, `a row the log can never take stands: exit 1, not 75 (${cut.stderr})`);
  t.match(
    summaryOf(t, cut.stdout),
    { readings: 1002, skipped: 1, alreadyLogged: 0, olderThanHead: 1, accepted: 1000, duplicates: 0, refused: 0, unconfirmed: 0, notSent: 1 },
    'the summary: 1000 logged, the one of the batch the 429 turned away not sent',
  );
  const lines = cut.stderr.split('\n');
  t.match(
    lines[0],
    /^gridproof upload: refused: 1 of the 1002 readings \(line 2\) end at or before the chain head and are not in the log/,
    'the row named first',
  );
  t.match(
    lines[1],
    /^gridproof upload: \/v1\/entries: the server answered 429 rate limited \[rate-limited\]: [^\n]*\(this client sent more requests than the server takes now; retry after \d+ s\)$/,
    'and the 429 with when to retry, last',
  );
  t.equal(lines.length, 3, 'two lines on stderr');
  t.equal((await readLogSize(db)) - before, 1000, 'the log holds exactly the 1000 the summary counts as accepted');
  t.strictSame(await seqsOf(db), range(1003), 'each once, in chain order');
});

const backends = await testBackends();
t.test(
  '503 mid-run, the database gone: the summary before exit 75; back, the same upload posts only the rest',
  { skip: !backends.includes('postgres') && 'needs a PostgreSQL server' },
  async (t) => {
    const { proxy, testStore } = await proxiedTestStore(t);
    const { scratch, test, gen, keyFile, server } = await meterService(t, { now: FROM + 6000 * HOUR, keyValidFrom: KEY_VALID_FROM, testStore });
    const db = test.testStore.store.db;
    const before = await readLogSize(db);
    const COUNT = 5000;
    const file = join(scratch, 'readings.csv');
    writeFileSync(file, csvOf(range(COUNT)));
    const args = ['upload', file, '--key', keyFile, '--server', server, '--token', gen.token];

    let exited = false;
    const running = runGridproof(args, { timeoutMs: 120_000 }).finally(() => (exited = true));
    // Two batches logged: the command has the answer to the first, whatever became of the second's.
    const cutMidway = await until(
      async () => (await readLogSize(db)) - before,
      2000,
      () => exited,
    );
    proxy.takeDown();
    const cut = await running;
    t.ok(cutMidway, 'the database went away after two batches were logged, before the last');
    t.equal(cut.status, EX_TEMPFAIL, `exit 75 (${cut.stderr})`);
    t.match(
      cut.stderr,
      /^gridproof upload: \/v1\/entries: the server answered 503 unavailable \[unavailable\]: [^\n]*\(the server is busy or unavailable now; retry after 5 s\)\n$/,
      'one line on stderr, as before: the request, the answer, Retry-After',
    );
    const summary = summaryOf(t, cut.stdout);
    t.match(summary, { readings: COUNT, skipped: 0, duplicates: 0, refused: 0, unconfirmed: 1000 }, 'the batch the 503 answered is unconfirmed');
    t.ok(summary.accepted >= 1000 && summary.accepted % 1000 === 0, `whole batches logged (${summary.accepted})`);
    t.equal(summary.accepted + summary.unconfirmed + summary.notSent, COUNT, 'every reading is logged, unconfirmed or not sent');

    proxy.resume();
    let healthy = false;
    for (let i = 0; i < 50 && !healthy; i++) {
      healthy = (await test.app.inject({ url: '/healthz' })).statusCode === 200;
      if (!healthy) await sleep(100);
    }
    t.ok(healthy, 'the service answers again once its database does');
    const logged = (await readLogSize(db)) - before;
    t.ok(
      logged >= summary.accepted && logged <= summary.accepted + summary.unconfirmed,
      `the log holds the accepted ones, and of the unconfirmed batch none or some (${logged})`,
    );

    const again = await runGridproof(args, { timeoutMs: 120_000 });
    t.equal(again.status, 0, `the same upload again: exit 0 (${again.stderr})`);
    t.match(
      summaryOf(t, again.stdout),
      { readings: COUNT, alreadyLogged: logged, accepted: COUNT - logged, duplicates: 0, unconfirmed: 0, notSent: 0 },
      'it skips what is logged and posts the rest',
    );
    t.strictSame(await seqsOf(db), range(COUNT), 'every reading logged once');
    t.equal((await readLogSize(db)) - before, COUNT, 'the log gained one entry per reading');
  },
);

t.test('the connection lost mid-run: the summary before exit 2; back, the same upload posts only the rest', async (t) => {
  const { scratch, test, gen, keyFile, server } = await meterService(t, { now: FROM + 6000 * HOUR, keyValidFrom: KEY_VALID_FROM });
  const db = test.testStore.store.db;
  // A real TCP proxy between the command and the service: taken down, it closes every connection, and each new one.
  const target = new URL(server);
  const link = new DatabaseProxy({ host: target.hostname, port: Number(target.port) });
  const via = `http://127.0.0.1:${await link.listen()}`;
  t.teardown(() => link.close());
  const before = await readLogSize(db);
  const COUNT = 5000;
  const file = join(scratch, 'readings.csv');
  writeFileSync(file, csvOf(range(COUNT)));
  const args = ['upload', file, '--key', keyFile, '--server', via, '--token', gen.token];

  let exited = false;
  const running = runGridproof(args, { timeoutMs: 120_000 }).finally(() => (exited = true));
  // Two batches logged: the command has the answer to the first, whatever became of the second's.
  const cutMidway = await until(
    async () => (await readLogSize(db)) - before,
    2000,
    () => exited,
  );
  link.takeDown();
  const cut = await running;
  t.ok(cutMidway, 'the connection went after two batches were logged, before the last');
  t.equal(cut.status, 2, `a server that cannot be reached: exit 2 (${cut.stderr})`);
  t.match(cut.stderr, new RegExp(`^gridproof upload: cannot reach ${via}/v1/entries: [^\\n]+\\n$`), 'one line naming the request');
  const summary = summaryOf(t, cut.stdout);
  t.match(summary, { readings: COUNT, skipped: 0, duplicates: 0, refused: 0, unconfirmed: 1000 }, 'the batch in flight is unconfirmed');
  t.ok(summary.accepted >= 1000 && summary.accepted % 1000 === 0, `whole batches logged (${summary.accepted})`);
  t.equal(summary.accepted + summary.unconfirmed + summary.notSent, COUNT, 'every reading is logged, unconfirmed or not sent');
  // The service may still be writing the batch whose answer never came.
  const logged = (await settledSize(db)) - before;
  t.ok(
    logged >= summary.accepted && logged <= summary.accepted + summary.unconfirmed,
    `the log holds the accepted ones, and of the unconfirmed batch none or all (${logged})`,
  );

  link.resume();
  const again = await runGridproof(args, { timeoutMs: 120_000 });
  t.equal(again.status, 0, `the same upload again: exit 0 (${again.stderr})`);
  t.match(
    summaryOf(t, again.stdout),
    { readings: COUNT, alreadyLogged: logged, accepted: COUNT - logged, duplicates: 0, unconfirmed: 0, notSent: 0 },
    'it skips what is logged and posts the rest',
  );
  t.strictSame(await seqsOf(db), range(COUNT), 'every reading logged once');
  t.equal((await readLogSize(db)) - before, COUNT, 'the log gained one entry per reading');
});

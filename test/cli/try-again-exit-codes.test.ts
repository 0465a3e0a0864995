/**
 * A server that cannot take a request now is not one that refuses it: a 429
 * (the rate limit, src/routes/rate-limits.ts) or a 503 (a database that is
 * gone, src/routes/problem.ts) exits 75, sysexits.h EX_TEMPFAIL, for every
 * command that talks to a server, with one line on stderr saying so and when
 * to retry from the answer's Retry-After (README's exit-status table,
 * src/cli/http-client.ts exitCodeOf); for the monitor, a consistency proof
 * the server cannot give now is no finding against the log. Real processes, a real server; the
 * 503 comes from a real PostgreSQL the service can no longer reach. An
 * upload cut off by either keeps what was posted, prints its summary once it
 * has posted (upload-stopped.test.ts), and run again once the
 * server is back it posts only the rest: no reading is logged twice.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { generateSigner, verifierOf } from '../../src/crypto/note.ts';
import { readLogSize, type Db } from '../../src/db/log.ts';
import { publishCheckpoint } from '../../src/ledger/publish.ts';
import { addParticipant, auth, OPERATOR_TOKEN } from '../helpers/app.ts';
import { meterService, runGridproof } from '../helpers/cli.ts';
import { testBackends } from '../helpers/database.ts';
import { proxiedTestStore } from '../helpers/database-proxy.ts';
import { range } from '../helpers/log-state.ts';

const HOUR = 3600_000;
const FROM = Date.parse('2026-01-01T00:00:00Z');
const KEY_VALID_FROM = '2025-12-01T00:00:00Z';
const EX_TEMPFAIL = 75;

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const csvOf = (hours: number) =>
  `device,start,end,importWh,exportWh\n${range(hours)
    .map((h) => `wind-1,${iso(FROM + h * HOUR)},${iso(FROM + (h + 1) * HOUR)},0,${1000 + h}`)
    .join('\n')}\n`;

/** wind-1's logged readings, by seq: each seq at most once by the schema, so the count says whether any was logged twice. */
async function seqsOf(db: Db): Promise<number[]> {
  const rows = await db.selectFrom('reading').select('seq').where('device_id', '=', 'wind-1').orderBy('seq').execute();
  return rows.map((row) => Number(row.seq));
}

/** The whole of stderr is one line, a command's own prefix first. */
const oneLine = (command: string) => new RegExp(`^gridproof ${command}: [^\\n]+\\n$`);

t.test('429: upload, sign --post, rotate, monitor and demo exit 75 and say when to retry', async (t) => {
  const now = FROM + 2000 * HOUR;
  // Three requests a minute per token. The operator spends two here (gen-1 and wind-1) and one on the certifier.
  const { scratch, test, gen, keyFile, server } = await meterService(t, {
    now,
    keyValidFrom: KEY_VALID_FROM,
    rateLimits: { perMinute: 3, anonymousVerifyPerMinute: 3 },
  });
  const certifier = await addParticipant(test.app, 'certifier', 'cert-1');
  const db = test.testStore.store.db;
  const before = await readLogSize(db);

  // 1001 readings: /v1/log/key, the chain, the first batch of 1000, then the 429 on the second batch.
  const csv = join(scratch, 'readings.csv');
  writeFileSync(csv, csvOf(1001));
  const upload = await runGridproof(['upload', csv, '--key', keyFile, '--server', server, '--token', gen.token], { timeoutMs: 120_000 });
  t.equal(upload.status, EX_TEMPFAIL, `upload: exit 75 (${upload.stderr})`);
  t.match(upload.stderr, oneLine('upload'), 'one line on stderr');
  t.match(
    upload.stderr,
    /^gridproof upload: \/v1\/entries: the server answered 429 rate limited \[rate-limited\]: [^\n]*\(this client sent more requests than the server takes now; retry after \d+ s\)\n$/,
    'the request, the answer, and when to retry from its Retry-After',
  );
  t.match(
    JSON.parse(upload.stdout),
    { readings: 1001, skipped: 0, accepted: 1000, duplicates: 0, refused: 0, unconfirmed: 0, notSent: 1 },
    'the summary on stdout says what went in and what was not sent',
  );
  const retryAfter = Number(/retry after (\d+) s/.exec(upload.stderr)?.[1]);
  t.ok(retryAfter > 0 && retryAfter <= 60, `within the limit's minute (${retryAfter} s)`);
  t.strictSame(await seqsOf(db), range(1000), 'the first batch is logged, each reading once; the second was not taken');
  t.equal((await readLogSize(db)) - before, 1000, 'the log gained one entry per reading taken');

  const payload = join(scratch, 'reading.json');
  writeFileSync(payload, JSON.stringify({ device: 'wind-1', start: iso(FROM + 1001 * HOUR), end: iso(FROM + 1002 * HOUR), importWh: '0', exportWh: '5' }));
  const sign = await runGridproof(['sign', '--key', keyFile, '--server', server, '--token', gen.token, '--post', payload]);
  t.equal(sign.status, EX_TEMPFAIL, `sign --post: exit 75 (${sign.stderr})`);
  t.match(sign.stderr, /^gridproof sign: \/v1\/\S+: the server answered 429 [^\n]*retry after \d+ s\)\n$/);

  // The operator token has spent its three: rotate reads the answer itself, and exits by the same rule.
  const nextKey = verifierOf(generateSigner('localhost/gridproof/operator')).vkey;
  const rotate = await runGridproof(['rotate', '--server', server, '--token', OPERATOR_TOKEN, '--key', nextKey]);
  t.equal(rotate.status, EX_TEMPFAIL, `rotate: exit 75 (${rotate.stderr})`);
  t.match(rotate.stderr, /^gridproof rotate: the server answered 429 rate limited \[rate-limited\][^\n]*retry after \d+ s\)\n$/);

  const state = join(scratch, 'demo-state.json');
  const demo = await runGridproof(['demo', '--server', server, '--token', OPERATOR_TOKEN, '--days', '1', '--state', state]);
  t.equal(demo.status, EX_TEMPFAIL, `demo --server: exit 75 (${demo.stderr})`);
  t.match(demo.stderr, /^gridproof demo: [^\n]*the server answered 429 [^\n]*retry after \d+ s\)\n$/);

  // The certifier's third request is the log key, which differs from the one pinned: a finding, then the 429.
  for (let i = 0; i < 2; i++) await test.app.inject({ url: '/v1/log/key', headers: auth(certifier.token) });
  const otherKey = verifierOf(generateSigner('test.example/gridproof')).vkey;
  const found = await runGridproof(['monitor', server, '--token', certifier.token, '--key', otherKey]);
  t.equal(found.status, 1, `a finding before the 429 stands: exit 1, not 75 (${found.stderr})`);
  t.match(found.stdout, /log-key-changed[^]*\nresult +FAILED: 1 finding, then NOT NOW, RUN AGAIN LATER: /, 'the finding is reported, and the result says both');
  t.match(found.stderr, /the server answered 429 [^\n]*retry after \d+ s\)\n$/, 'and the 429 that stopped the run');

  const monitorState = join(scratch, 'monitor.state');
  const monitor = await runGridproof(['monitor', server, '--token', certifier.token, '--state', monitorState]);
  t.equal(monitor.status, EX_TEMPFAIL, `monitor: exit 75, not a finding (${monitor.stderr})`);
  t.match(monitor.stderr, /^gridproof monitor: \/v1\/\S+: the server answered 429 [^\n]*retry after \d+ s\)\n$/);
  t.match(monitor.stdout, /\nresult +NOT NOW, RUN AGAIN LATER: /, 'the report says to run it again');
  t.notMatch(monitor.stdout, /findings/, 'and finds nothing against the log');
  t.notOk(existsSync(monitorState), 'the state file records only clean runs');

  t.equal((await readLogSize(db)) - before, 1000, 'none of them wrote anything');
});

t.test('429 on the consistency proof: monitor exits 75, no finding against the log', async (t) => {
  // Five requests a minute per token: the operator spends four on the registry below.
  const { scratch, test, server } = await meterService(t, {
    now: FROM,
    keyValidFrom: KEY_VALID_FROM,
    rateLimits: { perMinute: 5, anonymousVerifyPerMinute: 5 },
  });
  const certifier = await addParticipant(test.app, 'certifier', 'cert-1');
  await publishCheckpoint(test.ledger);
  const state = join(scratch, 'monitor.state');
  const args = ['monitor', server, '--token', certifier.token, '--state', state];
  // The key, the checkpoint, one page of entries: three of the certifier's five.
  const clean = await runGridproof(args);
  t.equal(clean.status, 0, `a first clean run saves the state (${clean.stderr})`);
  const saved = readFileSync(state, 'utf8');

  await addParticipant(test.app, 'tenant', 'tenant-1');
  await publishCheckpoint(test.ledger);
  // The key and the checkpoint are the certifier's last two: the consistency proof is the sixth request.
  const limited = await runGridproof(args);
  t.equal(limited.status, EX_TEMPFAIL, `exit 75 (${limited.stderr})`);
  t.match(limited.stderr, /^gridproof monitor: \/v1\/log\/proof\/consistency\S*: the server answered 429 [^\n]*retry after \d+ s\)\n$/);
  t.notMatch(limited.stdout, /inconsistent-checkpoint|NOT consistent/, 'a proof not given now says nothing of the log');
  t.equal(readFileSync(state, 'utf8'), saved, 'the state file is left as it was');
});

const backends = await testBackends();
t.test(
  '503, the database gone: upload, sign --post and monitor exit 75; back, upload posts only the rest',
  { skip: !backends.includes('postgres') && 'needs a PostgreSQL server' },
  async (t) => {
    const { proxy, testStore } = await proxiedTestStore(t);
    const now = FROM + 100 * HOUR;
    const { scratch, test, gen, keyFile, server } = await meterService(t, { now, keyValidFrom: KEY_VALID_FROM, testStore });
    const certifier = await addParticipant(test.app, 'certifier', 'cert-1');
    const db = test.testStore.store.db;
    const before = await readLogSize(db);
    const upload = (file: string) => runGridproof(['upload', file, '--key', keyFile, '--server', server, '--token', gen.token]);

    const first = join(scratch, 'first.csv');
    writeFileSync(first, csvOf(3));
    t.equal((await upload(first)).status, 0, 'three readings posted while the database answers');

    proxy.takeDown();
    const all = join(scratch, 'all.csv');
    writeFileSync(all, csvOf(6));
    const cut = await upload(all);
    t.equal(cut.status, EX_TEMPFAIL, `upload: exit 75 (${cut.stderr})`);
    t.match(
      cut.stderr,
      /^gridproof upload: \/v1\/\S+: the server answered 503 unavailable \[unavailable\]: [^\n]*\(the server is busy or unavailable now; retry after 5 s\)\n$/,
      'one line: the request, the answer, and Retry-After: 5 (src/routes/problem.ts) as when to retry',
    );
    t.equal(cut.stdout, '', 'stopped before it posted anything: no summary');

    const payload = join(scratch, 'reading.json');
    writeFileSync(payload, JSON.stringify({ device: 'wind-1', start: iso(FROM + 6 * HOUR), end: iso(FROM + 7 * HOUR), importWh: '0', exportWh: '5' }));
    const sign = await runGridproof(['sign', '--key', keyFile, '--server', server, '--token', gen.token, '--post', payload]);
    t.equal(sign.status, EX_TEMPFAIL, `sign --post: exit 75 (${sign.stderr})`);
    t.match(sign.stderr, /^gridproof sign: [^\n]*the server answered 503 [^\n]*retry after 5 s\)\n$/);

    const monitor = await runGridproof(['monitor', server, '--token', certifier.token]);
    t.equal(monitor.status, EX_TEMPFAIL, `monitor: exit 75 (${monitor.stderr})`);
    t.match(monitor.stderr, /^gridproof monitor: [^\n]*the server answered 503 [^\n]*retry after 5 s\)\n$/);

    proxy.resume();
    let healthy = false;
    for (let i = 0; i < 50 && !healthy; i++) {
      healthy = (await test.app.inject({ url: '/healthz' })).statusCode === 200;
      if (!healthy) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    t.ok(healthy, 'the service answers again once its database does');

    const again = await upload(all);
    t.equal(again.status, 0, `the same upload run again: exit 0 (${again.stderr})`);
    t.match(JSON.parse(again.stdout), { readings: 6, alreadyLogged: 3, accepted: 3, refused: 0 }, 'it posts only what was missing');
    t.strictSame(await seqsOf(db), range(6), 'every reading logged once');
    t.equal((await readLogSize(db)) - before, 6, 'the log gained one entry per reading');
  },
);

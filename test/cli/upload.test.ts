/**
 * `gridproof upload`, the real command against a listening server: a file of
 * hourly readings of one meter is signed and posted in batches; killed after
 * the first batch is in the log, a re-run posts only what is missing, and
 * every reading ends up in the device's chain exactly once. A bad row or a
 * second device is refused (exit 2, the line named) before anything is posted;
 * a reading the server refuses exits 1 with its coded error; readings of
 * hours already matched are logged, counted as late and said to be. Rows at
 * or before the chain head are skipped and said to be when the log holds them
 * (exit 0), and refused (exit 1) when it does not.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { formatPrivateKey } from '../../src/crypto/note.ts';
import { readLogSize } from '../../src/db/log.ts';
import { addDevice, auth, OPERATOR_TOKEN } from '../helpers/app.ts';
import { GRIDPROOF_BIN, meterService, runGridproof } from '../helpers/cli.ts';

const HOUR = 3600_000;
const FROM = Date.parse('2026-01-01T00:00:00Z');
const COUNT = 3000;
/** wind-1's key is valid from before the first reading of every test. */
const KEY_VALID_FROM = '2025-12-01T00:00:00Z';

const gridproof = (args: string[]) => runGridproof(args, { timeoutMs: 120_000 });

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const row = (device: string, h: number) => `${device},${iso(FROM + h * HOUR)},${iso(FROM + (h + 1) * HOUR)},0,${1000 + (h % 500)}`;

t.test('upload: batches, killed mid-way, resumed; every reading once', async (t) => {
  const now = FROM + (COUNT + 1) * HOUR;
  const { scratch, test, gen, keyFile, server } = await meterService(t, { now, keyValidFrom: KEY_VALID_FROM });
  const db = test.testStore.store.db;
  const before = await readLogSize(db);
  // Written out of order: upload sorts by start.
  const rows = Array.from({ length: COUNT }, (_, h) => row('wind-1', h)).reverse();
  const csv = join(scratch, 'year.csv');
  writeFileSync(csv, `device,start,end,importWh,exportWh\n${rows.join('\n')}\n`);
  const args = ['upload', csv, '--key', keyFile, '--server', server, '--token', gen.token];

  const first = spawn(process.execPath, [GRIDPROOF_BIN, ...args], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => first.on('exit', (code) => resolve(code)));
  let killedAt = -1;
  for (;;) {
    const size = (await readLogSize(db)) - before;
    if (size >= 1000) {
      first.kill('SIGKILL');
      killedAt = size;
      break;
    }
    if (first.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await exited;
  t.ok(killedAt >= 1000, `killed after the first batch was logged (${killedAt} readings in)`);

  const second = await gridproof(args);
  t.equal(second.status, 0, `the re-run: exit 0 (${second.stderr.slice(-300)})`);
  const summary = JSON.parse(second.stdout) as { readings: number; skipped: number; accepted: number; refused: number };
  t.equal(summary.readings, COUNT);
  t.ok(summary.skipped >= 1000, `the re-run skipped what the server had (${summary.skipped})`);
  t.equal(summary.skipped + summary.accepted, COUNT, 'and posted only what was missing');
  t.equal(summary.refused, 0);

  const chain = await test.app.inject({ method: 'GET', url: '/v1/devices/wind-1/chain', headers: { authorization: `Bearer ${gen.token}` } });
  t.match(chain.json(), { valid: true, length: COUNT, head: { seq: COUNT - 1 } }, 'the chain holds every reading');
  t.equal((await readLogSize(db)) - before, COUNT, 'the log gained exactly one entry per reading');

  const third = await gridproof(args);
  t.equal(third.status, 0, 'a third run: exit 0');
  t.match(JSON.parse(third.stdout), { skipped: COUNT, accepted: 0, late: 0 }, 'nothing left to post');
  t.equal((await readLogSize(db)) - before, COUNT, 'the log is unchanged');

  // A reading the server refuses: exit 1, its coded error on stderr, the line named.
  const late = join(scratch, 'future.ndjson');
  const future = (h: number) => ({ device: 'wind-1', start: iso(FROM + h * HOUR), end: iso(FROM + (h + 1) * HOUR), importWh: '0', exportWh: '10' });
  writeFileSync(late, `${JSON.stringify(future(COUNT + 5))}\n`);
  const refused = await gridproof(['upload', late, '--key', keyFile, '--server', server, '--token', gen.token]);
  t.equal(refused.status, 1, 'a refused reading: exit 1');
  t.match(refused.stderr, /^gridproof upload: refused: line 1: future-interval: /m, 'its coded error');
  t.equal((await readLogSize(db)) - before, COUNT, 'the log is unchanged');

  // Readings of hours already matched are logged but never matched: counted and said.
  const matched = await test.app.inject({ method: 'POST', url: '/v1/matching/runs', headers: auth(OPERATOR_TOKEN), payload: { until: iso(FROM + 20 * HOUR) } });
  t.equal(matched.statusCode, 200, `matched until hour 20 (${matched.body})`);
  const key2 = await addDevice(test.app, { id: 'wind-2', owner: gen.id, type: 'wind', keyValidFrom: '2025-12-01T00:00:00Z' });
  const keyFile2 = join(scratch, 'wind-2.key');
  writeFileSync(keyFile2, `${formatPrivateKey(key2.signer)}\n`);
  const lateCsv = join(scratch, 'late.csv');
  writeFileSync(lateCsv, `device,start,end,importWh,exportWh\n${Array.from({ length: 30 }, (_, h) => row('wind-2', h)).join('\n')}\n`);
  const lateRun = await gridproof(['upload', lateCsv, '--key', keyFile2, '--server', server, '--token', gen.token]);
  t.equal(lateRun.status, 0, `late readings are logged: exit 0 (${lateRun.stderr.slice(-300)})`);
  t.match(JSON.parse(lateRun.stdout), { readings: 30, accepted: 30, late: 20, refused: 0 }, 'the 20 hours matched before they arrived are late');
  t.match(
    lateRun.stderr,
    /gridproof upload: 20 of the 30 readings logged are late: their intervals were matched before they arrived, so they will never be matched/,
  );
});

/**
 * A service on PGlite with generator gen-1 and its device wind-1 (key in a
 * scratch file), and `upload(name, text)`: writes the file and runs
 * `gridproof upload` on it with gen-1's token.
 */
async function uploadFixture(t: Test) {
  const { scratch, test, gen, keyFile, server } = await meterService(t, { now: FROM + 100 * HOUR, keyValidFrom: KEY_VALID_FROM });
  const upload = (name: string, text: string) => {
    const file = join(scratch, name);
    writeFileSync(file, text);
    return gridproof(['upload', file, '--key', keyFile, '--server', server, '--token', gen.token]);
  };
  return { test, upload };
}

t.test('upload: unusable files exit 2 naming the line, nothing posted', async (t) => {
  const { test, upload: run } = await uploadFixture(t);
  const before = await readLogSize(test.testStore.store.db);
  const header = 'device,start,end,importWh,exportWh\n';
  const bad = await run('bad.csv', `${header}${row('wind-1', 0)}\n${row('wind-1', 1)}\nwind-1,2026-01-01T02:00:00Z,2026-01-01T03:00:00Z,0,12.5\n`);
  t.equal(bad.status, 2, 'a bad row: exit 2');
  t.match(bad.stderr, /^gridproof upload: .*bad\.csv:4: exportWh "12\.5" is not a whole number of Wh\n$/, 'the line is named');
  const mixed = await run('mixed.csv', `${header}${row('wind-1', 0)}\n${row('solar-1', 1)}\n`);
  t.equal(mixed.status, 2, 'two devices: exit 2');
  t.match(mixed.stderr, /mixed\.csv:3: device solar-1 differs from wind-1/);
  const ndjson = await run(
    'bad.ndjson',
    `{"device":"wind-1","start":"2026-01-01T00:00:00Z","end":"2026-01-01T01:00:00Z","importWh":"0","exportWh":"1"}\n{"device":\n`,
  );
  t.equal(ndjson.status, 2, 'broken NDJSON: exit 2');
  t.match(ndjson.stderr, /bad\.ndjson:2: not a JSON object/);
  t.equal(await readLogSize(test.testStore.store.db), before, 'nothing was posted');
});

t.test('upload: rows at or before the chain head are skipped when logged, refused (exit 1) when not', async (t) => {
  const { test, upload } = await uploadFixture(t);
  const run = (name: string, rows: string[]) => upload(name, `device,start,end,importWh,exportWh\n${rows.join('\n')}\n`);
  const head = "wind-1's chain head is seq 2, 2026-01-01T12:00:00Z–2026-01-01T13:00:00Z";
  const first = await run('first.csv', [row('wind-1', 10), row('wind-1', 11), row('wind-1', 12)]);
  t.equal(first.status, 0, `three readings logged (${first.stderr})`);
  const before = await readLogSize(test.testStore.store.db);

  const again = await run('first.csv', [row('wind-1', 10), row('wind-1', 11), row('wind-1', 12)]);
  t.equal(again.status, 0, 'the same file again: exit 0, a re-run is idempotent');
  t.match(JSON.parse(again.stdout), { readings: 3, skipped: 3, alreadyLogged: 3, olderThanHead: 0, accepted: 0 });
  t.equal(again.stderr, `gridproof upload: 3 of the 3 readings skipped: already in the log (${head})\n`, 'said, with the head');

  const older = await run('older.csv', [row('wind-1', 0), row('wind-1', 1), row('wind-1', 2)]);
  t.equal(older.status, 1, 'readings older than the head, not in the log: exit 1');
  t.match(JSON.parse(older.stdout), { readings: 3, skipped: 3, alreadyLogged: 0, olderThanHead: 3, accepted: 0 });
  t.equal(
    older.stderr,
    'gridproof upload: refused: 3 of the 3 readings (lines 2, 3, 4) end at or before the chain head and are not in the log, ' +
      `so they can never be added (${head}; a device's readings are chained in time order)\n`,
    'said, with the lines and the head',
  );

  // The same interval as a logged reading, other Wh: not that reading, so not in the log.
  const changed = await run('changed.csv', [
    `wind-1,${new Date(FROM + 11 * HOUR).toISOString().replace('.000Z', 'Z')},${new Date(FROM + 12 * HOUR).toISOString().replace('.000Z', 'Z')},0,1`,
  ]);
  t.equal(changed.status, 1, 'a logged interval with other Wh: exit 1');
  t.match(JSON.parse(changed.stdout), { alreadyLogged: 0, olderThanHead: 1 });
  t.equal(await readLogSize(test.testStore.store.db), before, 'nothing was posted');
});

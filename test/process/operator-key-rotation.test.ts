/**
 * Rotating the operator key with real server processes (README "Rotating
 * the operator key"). Embedded: `gridproof keygen` stages the next key in
 * DATA_DIR, the documented POST rotates a running `serve`, the process signs
 * with the new key at once, and after a restart too; a start with the old key
 * exits 2 (key-mismatch). PostgreSQL: of two processes sharing the database
 * and the old key, the one that did not rotate and lacks the new key answers
 * 503 operator-key-rotated and appends nothing; restarted with the new key
 * staged, it signs with it. `gridproof rotate`, as its own process against a
 * running server on both databases: exit 0 with the new key ID and the
 * entry's index, 1 with the problem's title and code (also when the rotation
 * is logged but its key files cannot be written), 2 for usage or no server.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { formatPrivateKey, generateSigner, openNote, parseVerifierKey, verifierOf } from '../../src/crypto/note.ts';
import { createPostgresDatabase, testBackends } from '../helpers/database.ts';
import { exited, freePort, healthy, Processes, REPO, type ServerProcess as Server } from '../helpers/server-process.ts';

const TOKEN = 'rotation-process-operator-token';
const ORIGIN = 'rotation.example/gridproof';

const processes = new Processes(t);
const serve = (env: Record<string, string>, port: number): Server =>
  processes.start({ GRIDPROOF_ORIGIN: ORIGIN, GRIDPROOF_OPERATOR_TOKEN: TOKEN, ...env }, port);

const call = (server: Server, method: string, path: string, body?: unknown) =>
  fetch(`${server.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

const participant = (server: Server, id: string) => call(server, 'POST', '/v1/participants', { id, role: 'tenant', name: id });

/** Whether the entry at `index`, as the server serves its bytes, is signed by `vkey`. */
async function entrySignedBy(server: Server, index: number, vkey: string): Promise<boolean> {
  const note = await (await call(server, 'GET', `/v1/log/entries/${index}`)).text();
  try {
    openNote(note, [parseVerifierKey(vkey)]);
    return true;
  } catch {
    return false;
  }
}

t.test('embedded: rotate a running server, restart with the new key, refuse the old', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gridproof-rotation-process-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = { DATABASE_URL: '', DATA_DIR: dataDir };
  const first = await healthy(serve(env, await freePort()));
  const oldVkey = (await (await call(first, 'GET', `/v1/log/entries/0`)).text()).match(/"verifierKey":"([^"]+)"/)![1]!;
  t.equal((await participant(first, 'before')).status, 201);

  const keygen = spawnSync(process.execPath, ['bin/gridproof.js', 'keygen', '--name', `${ORIGIN}/operator`, '--out', join(dataDir, 'operator.next.key')], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 60_000,
  });
  t.equal(keygen.status, 0, keygen.stderr);
  const newVkey = keygen.stdout.trim();

  const rotated = await call(first, 'POST', '/v1/log/operator-key', { verifierKey: newVkey });
  t.equal(rotated.status, 201);
  const rotation = (await rotated.json()) as { index: number; verifierKey: string; previousVerifierKey: string };
  t.match(rotation, { verifierKey: newVkey, previousVerifierKey: oldVkey });
  const after = await participant(first, 'after');
  t.equal(after.status, 201);
  const afterIndex = ((await after.json()) as { index: number }).index;
  t.ok(await entrySignedBy(first, afterIndex, newVkey), 'the running server signs with the new key at once');
  t.notOk(await entrySignedBy(first, afterIndex, oldVkey));

  first.child.kill('SIGKILL');
  await exited(first.child);
  const second = await healthy(serve(env, await freePort()));
  const restarted = await participant(second, 'restarted');
  t.equal(restarted.status, 201);
  t.ok(await entrySignedBy(second, ((await restarted.json()) as { index: number }).index, newVkey), 'after a restart it signs with the new key');
  t.ok(await entrySignedBy(second, rotation.index - 1, oldVkey), 'entries before the rotation keep the old key');
  second.child.kill('SIGTERM');
  await exited(second.child);

  const retired = readFileSync(join(dataDir, `operator.retired-${rotation.index}.key`), 'utf8').trim();
  const withOld = serve({ ...env, GRIDPROOF_OPERATOR_KEY: retired }, await freePort());
  await exited(withOld.child);
  t.equal(withOld.child.exitCode, 2, 'a start with the old key exits 2');
  t.match(withOld.output(), /key-mismatch: the operator key .* is not the log's operator key in force/);
});

const postgres = (await testBackends()).includes('postgres');
t.test(
  'PostgreSQL: the process that did not rotate appends nothing with the old key',
  { skip: postgres ? false : 'no PostgreSQL server answers' },
  async (t) => {
    const database = await createPostgresDatabase();
    t.teardown(() => database.drop());
    const logKey = formatPrivateKey(generateSigner(ORIGIN));
    const oldKey = formatPrivateKey(generateSigner(`${ORIGIN}/operator`));
    const next = generateSigner(`${ORIGIN}/operator`);
    const newVkey = verifierOf(next).vkey;
    const dirs = [0, 1, 2].map(() => mkdtempSync(join(tmpdir(), 'gridproof-rotation-pg-')));
    t.teardown(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
    const shared = { DATABASE_URL: database.url, GRIDPROOF_LOG_KEY: logKey, GRIDPROOF_OPERATOR_KEY: oldKey };
    const a = await healthy(serve({ ...shared, DATA_DIR: dirs[0]!, GRIDPROOF_NEXT_OPERATOR_KEY: formatPrivateKey(next) }, await freePort()));
    const b = await healthy(serve({ ...shared, DATA_DIR: dirs[1]! }, await freePort()));
    t.equal((await participant(b, 'b-before')).status, 201, 'both processes write before the rotation');

    const rotated = await call(a, 'POST', '/v1/log/operator-key', { verifierKey: newVkey });
    t.equal(rotated.status, 201);
    const rotationIndex = ((await rotated.json()) as { index: number }).index;

    const entriesBefore = await (await call(a, 'GET', `/v1/log/entries?start=0&limit=1000`)).json();
    const refused = await participant(b, 'b-after');
    t.equal(refused.status, 503);
    t.match(await refused.json(), { code: 'operator-key-rotated' }, 'the process holding only the old key refuses');
    t.same(await (await call(a, 'GET', `/v1/log/entries?start=0&limit=1000`)).json(), entriesBefore, 'and appends nothing');

    const fromA = await participant(a, 'a-after');
    t.equal(fromA.status, 201);
    t.ok(await entrySignedBy(a, ((await fromA.json()) as { index: number }).index, newVkey), 'the rotating process signs with the new key');

    b.child.kill('SIGTERM');
    await exited(b.child);
    const restarted = await healthy(serve({ ...shared, DATA_DIR: dirs[2]!, GRIDPROOF_NEXT_OPERATOR_KEY: formatPrivateKey(next) }, await freePort()));
    const fromB = await participant(restarted, 'b-restarted');
    t.equal(fromB.status, 201, 'restarted with the new key staged, it writes again');
    const index = ((await fromB.json()) as { index: number }).index;
    t.ok(index > rotationIndex && (await entrySignedBy(restarted, index, newVkey)), 'signed by the new key');
  },
);

/** `gridproof ARGS` as its own process. */
function gridproof(...args: string[]) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['bin/gridproof.js', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

for (const backend of ['embedded', 'postgres'] as const) {
  t.test(
    `gridproof rotate against a running ${backend} server: 0 rotated, 1 refused with the problem's code, 2 unusable`,
    { skip: backend === 'postgres' && !postgres ? 'no PostgreSQL server answers' : false },
    async (t) => {
      const database = backend === 'postgres' ? await createPostgresDatabase() : undefined;
      if (database) t.teardown(() => database.drop());
      const dataDir = mkdtempSync(join(tmpdir(), 'gridproof-rotate-command-'));
      t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
      const server = await healthy(serve({ DATABASE_URL: database?.url ?? '', DATA_DIR: dataDir }, await freePort()));
      const url = server.base;
      const size = async () => ((await (await call(server, 'GET', '/v1/log/entries?start=0&limit=1000')).json()) as { entries: unknown[] }).entries.length;
      const staged = join(dataDir, 'operator.next.key');
      const keygen = await gridproof('keygen', '--name', `${ORIGIN}/operator`, '--out', join(dataDir, 'spare.key'));
      const spareVkey = keygen.stdout.trim();

      const sizeBefore = await size();
      const missing = await gridproof('rotate', '--server', url, '--token', TOKEN, '--key', spareVkey);
      t.equal(missing.status, 1, 'no staged key: exit 1');
      t.match(missing.stderr, /^gridproof rotate: the server answered 409 next key missing \[next-key-missing\]: no next operator key is staged/);
      const stranger = await gridproof('rotate', '--server', url, '--token', 'not-the-operator', '--key', spareVkey);
      t.equal(stranger.status, 1, 'a token that is not the operator: exit 1');
      t.match(stranger.stderr, /^gridproof rotate: the server answered 401 unauthorized \[unauthorized\]/);
      const noToken = await gridproof('rotate', '--server', url, '--key', spareVkey);
      t.equal(noToken.status, 2, 'no --token: exit 2');
      t.match(noToken.stderr, /usage: gridproof rotate --server URL --token/);
      const badKey = await gridproof('rotate', '--server', url, '--token', TOKEN, '--key', 'not-a-key');
      t.equal(badKey.status, 2, 'a key that is no verifier key: exit 2');
      t.match(badKey.stderr, /^gridproof rotate: bad-verifier-key: /);
      const down = await gridproof('rotate', '--server', `http://127.0.0.1:${await freePort()}`, '--token', TOKEN, '--key', spareVkey);
      t.equal(down.status, 2, 'nobody answers: exit 2');
      t.match(
        down.stderr,
        /^gridproof rotate: cannot reach http:\/\/127\.0\.0\.1:\d+\/v1\/log\/operator-key: ECONNREFUSED \(nothing listens there; is the server running, and is the URL right\?\)\n$/,
      );
      t.equal(await size(), sizeBefore, 'nothing was logged');

      const made = await gridproof('keygen', '--name', `${ORIGIN}/operator`, '--out', staged);
      t.equal(made.status, 0, made.stderr);
      const newVkey = made.stdout.trim();
      const rotated = await gridproof('rotate', '--server', url, '--token', TOKEN, '--key', newVkey);
      t.equal(rotated.status, 0, rotated.stderr);
      const index = Number(/entry (\d+) of the log names the new operator key/.exec(rotated.stdout)?.[1]);
      t.equal(index, sizeBefore, 'the rotation is the next entry, by its index');
      t.match(rotated.stdout, `key ID ${newVkey.split('+')[1]}.`, 'the new key ID');
      const entry = await (await call(server, 'GET', `/v1/log/entries/${index}`)).text();
      t.match(entry, `"kind":"key"`);
      t.match(entry, `"verifierKey":"${newVkey}"`, 'the entry at that index names the new key');
      const after = await participant(server, 'after-rotate');
      t.ok(await entrySignedBy(server, ((await after.json()) as { index: number }).index, newVkey), 'the server signs with the new key');

      const again = await gridproof('rotate', '--server', url, '--token', TOKEN, '--key', newVkey);
      t.equal(again.status, 1, 'nothing staged any more: exit 1');
      t.match(again.stderr, /\[next-key-missing\]/);

      // A second rotation whose key files cannot be written: a directory where operator.key's temporary file goes.
      const third = (await gridproof('keygen', '--name', `${ORIGIN}/operator`, '--out', staged)).stdout.trim();
      mkdirSync(join(dataDir, 'operator.key.tmp'));
      const sizeNow = await size();
      const unwritten = await gridproof('rotate', '--server', url, '--token', TOKEN, '--key', third);
      t.equal(unwritten.status, 1, 'key files not written: exit 1');
      t.match(
        unwritten.stderr,
        new RegExp(
          `^gridproof rotate: the server answered 500 key files not written \\[key-files-not-written\\]: the operator key rotation of entry ${sizeNow} is logged and in force`,
        ),
        'saying the rotation is logged',
      );
      t.match(await (await call(server, 'GET', `/v1/log/entries/${sizeNow}`)).text(), `"verifierKey":"${third}"`, 'and it is');
      server.child.kill('SIGTERM');
      await exited(server.child);
    },
  );
}

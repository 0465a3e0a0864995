/**
 * One process per embedded data directory, with real processes: while a
 * server runs on a DATA_DIR, a second `serve` and a `migrate` on it exit 2
 * naming the directory, and the first keeps serving; once the holder is
 * killed with SIGKILL, the lock is gone with it and a new server starts on
 * the same directory with the log intact. A command that closes the
 * database (migrate) releases the lock and exits with its own status.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { exited, freePort, healthy, Processes, REPO, sleep } from '../helpers/server-process.ts';

const TOKEN = 'data-dir-lock-operator-token';

t.test('two processes on one data directory', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gridproof-lock-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = { DATABASE_URL: '', DATA_DIR: dataDir, GRIDPROOF_OPERATOR_TOKEN: TOKEN };
  const processes = new Processes(t);
  const start = (port: number) => processes.start(env, port);
  const participant = (port: number, id: string) =>
    fetch(`http://127.0.0.1:${port}/v1/participants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id, role: 'tenant', name: id }),
    });

  const portA = await freePort();
  const first = start(portA);
  await healthy(first);
  const a1 = await participant(portA, 'a1');
  t.equal(a1.status, 201, 'the first server writes');

  const portB = await freePort();
  const second = start(portB);
  await exited(second.child);
  t.equal(second.child.exitCode, 2, 'a second serve on the directory exits 2');
  t.match(
    second.output(),
    new RegExp(`another gridproof process holds the data directory ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
    'naming the directory and the reason',
  );

  const migrate = spawnSync(process.execPath, ['bin/gridproof.js', 'migrate'], {
    cwd: REPO,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  t.equal(migrate.status, 2, 'migrate on the directory in use exits 2');
  t.match(migrate.stderr, /another gridproof process holds the data directory/);

  t.equal((await participant(portA, 'a2')).status, 201, 'the first server still writes');

  first.child.kill('SIGKILL');
  await exited(first.child);
  t.equal(first.child.signalCode, 'SIGKILL', 'the holder was killed with SIGKILL');
  // Its lock goes with it: the kernel closes the holder's pipe and the lock child exits at once.
  let free = false;
  for (let i = 0; i < 100 && !free; i++) {
    free = spawnSync('flock', ['-n', dataDir, 'true']).status === 0;
    if (!free) await sleep(50);
  }
  t.ok(free, 'the lock was released without any clean-up');

  const third = start(portB);
  await healthy(third);
  const list = await fetch(`http://127.0.0.1:${portB}/v1/log/entries?start=0&limit=1000`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const entries = ((await list.json()) as { entries: Array<{ bytes: string }> }).entries;
  t.ok(
    entries.some((e) => e.bytes.includes('"id":"a1"')) && entries.some((e) => e.bytes.includes('"id":"a2"')),
    'the new server sees what the killed one acknowledged',
  );
  t.equal((await participant(portB, 'b1')).status, 201, 'and writes after it');

  third.child.kill('SIGTERM');
  await exited(third.child);
  t.equal(third.child.exitCode, 0, 'a graceful stop');
  t.equal(spawnSync('flock', ['-n', dataDir, 'true']).status, 0, 'a graceful stop releases the lock');
});

t.test('a command that closes the embedded database exits with its own status once the lock is released', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gridproof-lock-release-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  // Through env -u, as a user's shell runs it: tap adds its process-info hooks to a child's
  // NODE_OPTIONS, and with them the child never shows the empty event loop this is about.
  const migrate = spawnSync('env', ['-u', 'NODE_OPTIONS', process.execPath, 'bin/gridproof.js', 'migrate'], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, DATABASE_URL: '', DATA_DIR: dataDir },
  });
  // Not 13, Node's status for a top-level await left unsettled when the loop empties.
  t.equal(migrate.status, 0, `migrate exits 0 (${migrate.stderr})`);
  t.match(migrate.stdout, /applied 001_log\.sql/, 'after applying the migrations');
  t.equal(spawnSync('flock', ['-n', dataDir, 'true']).status, 0, 'and the lock is released');
});

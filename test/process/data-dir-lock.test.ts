/**
 * One process per embedded data directory, with real processes: while a
 * server runs on a DATA_DIR, a second `serve` and a `migrate` on it exit 2
 * naming the directory, and the first keeps serving; once the holder is
 * killed with SIGKILL, the lock is gone with it and a new server starts on
 * the same directory with the log intact.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const TOKEN = 'data-dir-lock-operator-token';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

t.test('two processes on one data directory', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gridproof-lock-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = (port: number) => ({
    ...process.env,
    DATABASE_URL: '',
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: String(port),
    GRIDPROOF_OPERATOR_TOKEN: TOKEN,
    GRIDPROOF_GATE_CLOSURE: 'off',
    LOG_LEVEL: 'warn',
  });
  const started: ChildProcess[] = [];
  t.teardown(() => {
    for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const exited = (child: ChildProcess) =>
    new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

  function start(port: number): { child: ChildProcess; output: () => string } {
    const child = spawn(process.execPath, ['bin/gridproof.js', 'serve'], { cwd: REPO, env: env(port), stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(child);
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    return { child, output: () => output };
  }
  async function healthy(port: number, server: ReturnType<typeof start>): Promise<void> {
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      if (server.child.exitCode !== null) throw new Error(`the server exited with ${server.child.exitCode}:\n${server.output()}`);
      try {
        if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`the server did not answer:\n${server.output()}`);
  }
  const participant = (port: number, id: string) =>
    fetch(`http://127.0.0.1:${port}/v1/participants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id, role: 'tenant', name: id }),
    });

  const portA = await freePort();
  const first = start(portA);
  await healthy(portA, first);
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

  const migrate = spawnSync(process.execPath, ['bin/gridproof.js', 'migrate'], { cwd: REPO, env: env(0), encoding: 'utf8', timeout: 60_000 });
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
  await healthy(portB, third);
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

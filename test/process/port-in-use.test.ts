/**
 * A port already in use, on the real commands: `serve` and `demo` check it
 * before they create anything, and stop with one line on stderr and status
 * 2 (README, exit statuses): no stack trace, no operator token shown for a
 * log that never served, nothing in the data folder. A port taken after
 * the check, while the log is being opened, is the same line and status.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { exited, freePort, Processes, REPO, sleep } from '../helpers/server-process.ts';

async function occupy(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

function run(args: string[], dataDir: string, port: number) {
  const env: Record<string, string | undefined> = {
    ...process.env,
    DATABASE_URL: '',
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  };
  delete env.GRIDPROOF_OPERATOR_TOKEN;
  return spawnSync(process.execPath, ['bin/gridproof.js', ...args], { cwd: REPO, encoding: 'utf8', timeout: 60_000, env });
}

const contents = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir) : []);

t.test('serve and demo on a port in use stop before creating anything', async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'gridproof-port-'));
  const { server, port } = await occupy();
  t.teardown(() => {
    server.close();
    rmSync(scratch, { recursive: true, force: true });
  });
  const line = `port ${port} on 127.0.0.1 is in use (is another gridproof running?); set PORT or stop it\n`;

  const dataDir = join(scratch, 'data');
  const serve = run(['serve'], dataDir, port);
  t.equal(serve.status, 2, 'serve: exit status 2');
  t.equal(serve.stderr, `gridproof serve: ${line}`, 'serve: one line naming the port and host');
  t.notMatch(serve.stdout, /Operator token/, 'serve: no operator token is shown');
  t.strictSame(contents(dataDir), [], 'serve: nothing in the data folder (no log, no keys)');

  const demoDir = join(scratch, 'demo-data');
  const demo = run(['demo', '--data', demoDir, '--days', '1'], dataDir, port);
  t.equal(demo.status, 2, 'demo: exit status 2');
  t.equal(demo.stderr, `gridproof demo: ${line}`, 'demo: the same line');
  t.strictSame(contents(demoDir), [], 'demo: nothing in its data folder (no token file, no log, no keys)');
  t.strictSame(contents(dataDir), [], 'demo: nor in DATA_DIR');
});

t.test('a port taken between the check and the listen: the same line, status 2', async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'gridproof-port-race-'));
  const dataDir = join(scratch, 'data');
  const port = await freePort();
  const taker = createServer();
  t.teardown(() => {
    taker.close();
    rmSync(scratch, { recursive: true, force: true });
  });
  const serve = new Processes(t).start({ DATABASE_URL: '', DATA_DIR: dataDir, LOG_LEVEL: 'info' }, port);
  let stderr = '';
  serve.child.stderr!.on('data', (chunk) => (stderr += chunk));
  // The embedded database's folder appears once the port check has passed;
  // opening it, migrating and the keys take seconds more before the listen.
  const deadline = Date.now() + 60_000;
  while (!existsSync(join(dataDir, 'pg')) && serve.child.exitCode === null && Date.now() < deadline) await sleep(10);
  await new Promise<void>((resolve) => taker.listen(port, '127.0.0.1', resolve));
  await exited(serve.child);
  t.equal(serve.child.exitCode, 2, `exit status 2 (${serve.output()})`);
  t.equal(stderr, `gridproof serve: port ${port} on 127.0.0.1 is in use (is another gridproof running?); set PORT or stop it\n`, 'one line, no stack trace');
});

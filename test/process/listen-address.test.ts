/**
 * An address the commands cannot listen on, on the real commands: a port
 * in use, a HOST that is not an address of this machine (192.0.2.1 is
 * TEST-NET-1, RFC 5737 §3) and a host name that does not resolve (`.invalid`
 * never does, RFC 6761 §6.4). `serve` and `demo` check the address before
 * they create anything, and stop with one line on stderr and status 2
 * (README, exit statuses): no stack trace, no operator token shown for a log
 * that never served, nothing in the data folder. A port taken after the
 * check, while the log is being opened, is the same line and status. A port
 * that needs privileges is test/unit/listen-address.test.ts's: these tests
 * may run as root.
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

function run(args: string[], dataDir: string, port: number, host = '127.0.0.1') {
  const env: Record<string, string | undefined> = {
    ...process.env,
    DATABASE_URL: '',
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: host,
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
  const line = `cannot listen on port ${port} on 127.0.0.1: it is in use (is another gridproof running?); set PORT or stop it\n`;

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

const ANY_ADDRESS = 'set HOST to an address of this machine (127.0.0.1, or 0.0.0.0 for all)';

t.test('serve and demo on a HOST that is not an address of this machine stop before creating anything', async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'gridproof-host-'));
  t.teardown(() => rmSync(scratch, { recursive: true, force: true }));
  const port = await freePort();
  const cases = [
    {
      host: '192.0.2.1',
      lines: [
        `cannot listen on port ${port} on 192.0.2.1: 192.0.2.1 is not an address of this machine; set HOST to one of its addresses (127.0.0.1, or 0.0.0.0 for all)`,
      ],
    },
    {
      host: 'no-such-host.invalid',
      // NXDOMAIN, or no answer at all where the name service is down: the listen would meet the same.
      lines: [
        `cannot listen on port ${port} on no-such-host.invalid: the host name does not resolve; ${ANY_ADDRESS}`,
        `cannot listen on port ${port} on no-such-host.invalid: the name service did not answer for the host name; ${ANY_ADDRESS}`,
      ],
    },
  ];
  for (const { host, lines } of cases) {
    const dataDir = join(scratch, `data-${host}`);
    const serve = run(['serve'], dataDir, port, host);
    t.equal(serve.status, 2, `serve on ${host}: exit status 2`);
    t.ok(
      lines.some((line) => serve.stderr === `gridproof serve: ${line}\n`),
      `serve on ${host}: one line naming the port and host (${serve.stderr})`,
    );
    t.notMatch(serve.stdout, /Operator token/, `serve on ${host}: no operator token is shown`);
    t.strictSame(contents(dataDir), [], `serve on ${host}: nothing in the data folder (no log, no keys)`);

    const demoDir = join(scratch, `demo-data-${host}`);
    const demo = run(['demo', '--data', demoDir, '--days', '1'], dataDir, port, host);
    t.equal(demo.status, 2, `demo on ${host}: exit status 2`);
    t.ok(
      lines.some((line) => demo.stderr === `gridproof demo: ${line}\n`),
      `demo on ${host}: the same line (${demo.stderr})`,
    );
    t.strictSame(contents(demoDir), [], `demo on ${host}: nothing in its data folder (no token file, no log, no keys)`);
    t.strictSame(contents(dataDir), [], `demo on ${host}: nor in DATA_DIR`);
  }
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
  t.equal(
    stderr,
    `gridproof serve: cannot listen on port ${port} on 127.0.0.1: it is in use (is another gridproof running?); set PORT or stop it\n`,
    'one line, no stack trace',
  );
});

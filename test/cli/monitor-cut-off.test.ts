/**
 * `gridproof monitor` cut off: a finding made before the run stopped stands,
 * whatever stopped it (src/cli/monitor.ts). A log whose served key changed
 * and which then stops answering must still fail the run (exit 1) and say
 * so; with nothing found, a server gone silent is unusable input (exit 2).
 * The real service, the real command in its own process, and between them a
 * real HTTP proxy that answers the first request and then goes silent.
 */
import { createServer, type Server } from 'node:http';
import t, { type Test } from 'tap';
import { generateSigner, verifierOf } from '../../src/crypto/note.ts';
import { publishCheckpoint } from '../../src/ledger/publish.ts';
import { addParticipant } from '../helpers/app.ts';
import { meterService, runGridproof } from '../helpers/cli.ts';

/** A proxy to `target` that forwards the first `answered` requests, then drops the connection and stops listening. */
async function cutOffProxy(t: Test, target: string, answered: number): Promise<string> {
  let seen = 0;
  const proxy: Server = createServer((request, response) => {
    seen += 1;
    if (seen > answered) {
      proxy.close();
      proxy.closeAllConnections();
      return;
    }
    void (async () => {
      const upstream = await fetch(new URL(request.url!, target), { method: request.method, headers: { authorization: request.headers.authorization ?? '' } });
      response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream' });
      response.end(Buffer.from(await upstream.arrayBuffer()));
    })();
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    proxy.close();
    proxy.closeAllConnections();
  });
  const { port } = proxy.address() as { port: number };
  return `http://127.0.0.1:${port}`;
}

t.test('monitor: a finding made before the server went silent still fails the run', async (t) => {
  const { test, server } = await meterService(t, { now: Date.parse('2026-01-02T00:00:00Z'), keyValidFrom: '2025-12-01T00:00:00Z' });
  await publishCheckpoint(test.ledger);
  const certifier = await addParticipant(test.app, 'certifier', 'cert-1');
  const servedKey = (await (await fetch(`${server}/v1/log/key`)).text()).trim();

  // The monitor's first request is the log key: the proxy answers it, then goes silent.
  const otherKey = verifierOf(generateSigner('test.example/gridproof')).vkey;
  const found = await runGridproof(['monitor', await cutOffProxy(t, server, 1), '--token', certifier.token, '--key', otherKey]);
  t.equal(found.status, 1, `the changed key stands: exit 1, not 2 (${found.stderr})`);
  t.match(found.stdout, /log-key-changed/, 'the finding is reported');
  t.match(found.stdout, /\nresult +FAILED: 1 finding, then UNUSABLE INPUT: /, 'and the result line says both');
  t.match(found.stderr, /cannot reach \S+\/v1\/log\/checkpoint: UND_ERR_SOCKET \(the server closed the connection before answering\)\n$/, 'in words');

  const clean = await runGridproof(['monitor', await cutOffProxy(t, server, 1), '--token', certifier.token, '--key', servedKey]);
  t.equal(clean.status, 2, `nothing found: a server gone silent is unusable input, exit 2 (${clean.stderr})`);
  t.match(clean.stdout, /\nresult +UNUSABLE INPUT: /);
  t.notMatch(clean.stdout, /FAILED/, 'no finding is made up');

  const whole = await runGridproof(['monitor', server, '--token', certifier.token, '--key', servedKey]);
  t.equal(whole.status, 0, `without the proxy the same run passes (${whole.stderr}${whole.stdout.slice(-300)})`);
});

/**
 * A service URL with a path (http://host:port/log, as copied from the
 * browser) is the user's mistake, not the server's refusal: every command
 * that takes --server URL, and monitor's URL, says in one line that it wants
 * the service's base URL and what to drop, exit 2, before it sends anything
 * (src/cli/http-client.ts serviceUrlProblem). The real service behind a real
 * proxy that logs every request: none arrives.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { generateSigner, verifierOf } from '../../src/crypto/note.ts';
import { readLogSize } from '../../src/db/log.ts';
import { addParticipant } from '../helpers/app.ts';
import { meterService, runGridproof } from '../helpers/cli.ts';
import { requestLogProxy } from '../helpers/request-log-proxy.ts';

t.test('a URL with a path: one line naming the base URL and what to drop, exit 2, nothing sent', async (t) => {
  const hour = 3600_000;
  const now = Date.parse('2026-03-02T12:00:00Z');
  const { scratch, test, gen, keyFile, server } = await meterService(t, { now, keyValidFrom: '2026-03-01T00:00:00Z' });
  const certifier = await addParticipant(test.app, 'certifier', 'cert-1');
  const proxy = await requestLogProxy(t, server);
  const base = proxy.url;
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  const payload = join(scratch, 'reading.json');
  writeFileSync(payload, JSON.stringify({ device: 'wind-1', start: iso(now - 2 * hour), end: iso(now - hour), importWh: '0', exportWh: '5000' }));
  const csv = join(scratch, 'readings.csv');
  writeFileSync(csv, `device,start,end,importWh,exportWh\nwind-1,${iso(now - 2 * hour)},${iso(now - hour)},0,5000\n`);
  const nextKey = verifierOf(generateSigner('localhost/gridproof/operator')).vkey;
  const size = await readLogSize(test.testStore.store.db);

  const line = (command: string, url: string, drop: string) =>
    `gridproof ${command}: ${url} has a path: give the service's base URL, ${base} (drop "${drop}"; gridproof adds /v1/… itself)\n`;
  const runs: Array<[string, string, string[]]> = [
    ['monitor', '/log', ['monitor', `${base}/log`, '--token', certifier.token]],
    ['monitor', '/log', ['monitor', `${base}/log/`, '--token', certifier.token, '--state', join(scratch, 'm.json')]],
    ['sign', '/v1', ['sign', '--key', keyFile, '--server', `${base}/v1`, '--token', gen.token, '--post', payload]],
    ['upload', '/tenant', ['upload', csv, '--key', keyFile, '--server', `${base}/tenant`, '--token', gen.token]],
    ['rotate', '/log', ['rotate', '--server', `${base}/log`, '--token', 'operator-token', '--key', nextKey]],
    ['demo', '/log?x=1', ['demo', '--server', `${base}/log?x=1`, '--token', 'operator-token', '--days', '1', '--state', join(scratch, 'demo.json')]],
  ];
  for (const [command, drop, args] of runs) {
    const url = command === 'monitor' ? args[1]! : args[args.indexOf('--server') + 1]!;
    const result = await runGridproof(args);
    t.equal(result.status, 2, `${args.join(' ')}: exit 2`);
    t.equal(result.stderr, line(command, url, drop), `${command}: the one line`);
    t.equal(result.stdout, '', `${command}: nothing on stdout`);
  }
  t.same(proxy.requests, [], 'no command sent a request');
  t.equal(await readLogSize(test.testStore.store.db), size, 'the log gained nothing');

  // The base URL, with or without its slash, is taken as it always was.
  const signed = await runGridproof(['sign', '--key', keyFile, '--server', `${base}/`, '--token', gen.token, '--post', payload]);
  t.equal(signed.status, 0, `sign with the base URL and a slash: exit 0 (${signed.stderr})`);
  t.match(proxy.requests, ['GET /v1/log/key'], 'asked the service at its base URL');
});

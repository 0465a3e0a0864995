/**
 * `gridproof demo --server`, the real command: the summary it prints for
 * each claim is a line a person can run, a curl with that tenant's bearer
 * token (a bare bundle URL answers 401 in a browser), and /tenant to
 * download it by hand. Run as printed, each line fetches a bundle that
 * verifies.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { OPERATOR_TOKEN, startTestApp } from '../helpers/app.ts';
import { runGridproof } from '../helpers/cli.ts';

const gridproof = (args: string[]) => runGridproof(args, { timeoutMs: 300_000 });

t.test('demo --server: each claim is printed with a curl line that downloads its bundle', async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'gridproof-demo-summary-'));
  t.teardown(() => rmSync(scratch, { recursive: true, force: true }));
  const env = await startTestApp('pglite');
  t.teardown(env.close);
  const server = await env.app.listen({ port: 0, host: '127.0.0.1' });
  const demo = await gridproof(['demo', '--server', server, '--token', OPERATOR_TOKEN, '--days', '1', '--state', join(scratch, 'state.json')]);
  t.equal(demo.status, 0, `exit 0 (${demo.stderr.slice(-300)})`);
  t.match(
    demo.stdout,
    `\nOpen:\n  ${server}/tenant      a tenant's hours, CFE score and claims\n  ${server}/generator   a generator's devices and where their output went\n` +
      `  ${server}/verify      check a claim's proof bundle in the browser\n  ${server}/log         the log's checkpoint and proofs\n`,
    'with claims, every page is worth opening',
  );
  t.notMatch(demo.stdout, 'Nothing to claim', 'and nothing says otherwise');
  t.match(demo.stdout, `\nClaims (download a bundle at ${server}/tenant with the tenant's token, or with the curl line):\n`);
  t.notMatch(demo.stdout, /^\s+\S+\s+claim-\S+\s+[\d ]+ Wh\s+http/m, 'no bare bundle URL');
  const amounts = [...demo.stdout.matchAll(/^ {2}\S+ +claim-\S+ {2}(.+) Wh$/gm)].map((match) => match[1]!);
  t.equal(amounts.length, 3, 'one line per claim with its Wh');
  t.ok(
    amounts.every((wh) => /^\d{1,3}( \d{3})*$/.test(wh)),
    `Wh grouped by thousands as the pages and the certificate write them: ${amounts.join(', ')}`,
  );
  const curls = [...demo.stdout.matchAll(/^ {4}curl -H "authorization: Bearer (\S+)" -o (claim-\S+)\.bundle\.json (\S+)$/gm)];
  t.equal(curls.length, 3, 'one curl line per claim');
  for (const [line, token, id, url] of curls) {
    t.equal(url, `${server}/v1/claims/${id}/bundle`, `${id}: its bundle's URL`);
    const response = await fetch(url!, { headers: { authorization: `Bearer ${token}` } });
    t.equal(response.status, 200, `run as printed, it downloads the bundle: ${line}`);
    const verdict = await env.app.inject({
      method: 'POST',
      url: '/v1/verify',
      payload: await response.text(),
      headers: { 'content-type': 'application/json' },
    });
    t.equal(verdict.json().valid, true, `${id}: the bundle verifies`);
  }
});

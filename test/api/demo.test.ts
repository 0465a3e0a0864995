/**
 * `gridproof demo --server` against a real listening service (issue: a demo
 * that fills a running service through its API): a short run builds the
 * park, matches it and makes one claim per tenant; the same run again
 * changes nothing; a longer run resumes; a state file of another log, or a
 * lost state file, is refused with the log unchanged.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import t from 'tap';
import { fillService } from '../../src/cli/demo/fill.ts';
import { testBackends } from '../helpers/database.ts';
import { auth, OPERATOR_TOKEN, startTestApp } from '../helpers/app.ts';
import { logSnapshot } from '../helpers/log-state.ts';

const csv = readFileSync(new URL('../../demo/de-2019-hourly.csv', import.meta.url), 'utf8');

for (const backend of await testBackends()) {
  t.test(`${backend}: a short demo run, then the same run again, then a longer one`, async (t) => {
    const env = await startTestApp(backend);
    t.teardown(env.close);
    const server = await env.app.listen({ port: 0, host: '127.0.0.1' });
    const dir = mkdtempSync(join(tmpdir(), 'gridproof-demo-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const stateFile = join(dir, 'state.json');
    const run = (days: number, file = stateFile) =>
      fillService({ server, operatorToken: OPERATOR_TOKEN, days, stateFile: file, csv, progress: new PassThrough() });

    const first = await run(1);
    t.same(
      first.created,
      { registry: 13, readings: 24 * 6, matchedIntervals: 24, claims: 3 },
      'zone, 5 participants, 6 devices, a contract; a day of readings',
    );
    t.equal(first.late, 0);
    t.equal(statSync(stateFile).mode & 0o777, 0o600, 'the state file (tokens, keys) is private');

    const [from, to] = ['2018-12-31T23:00:00Z', '2019-01-01T23:00:00Z'];
    for (const claim of first.claims) {
      const token = first.state.tokens[claim.tenant]!;
      const view = await env.app.inject({ url: `/v1/tenants/${claim.tenant}/matching?from=${from}&to=${to}`, headers: auth(token) });
      t.equal(view.statusCode, 200);
      const figures = view.json() as { intervals: unknown[]; totals: { matchedWh: string } };
      t.equal(figures.intervals.length, 24, `${claim.tenant}: one figure per hour`);
      t.equal(figures.totals.matchedWh, claim.wh, `${claim.tenant}: the claim took the day's matched energy`);
      const bundle = await env.app.inject({ url: `/v1/claims/${claim.id}/bundle`, headers: auth(token) });
      t.equal(bundle.statusCode, 200);
      const verdict = await env.app.inject({ method: 'POST', url: '/v1/verify', payload: bundle.body, headers: { 'content-type': 'application/json' } });
      t.equal(verdict.json().valid, true, `${claim.tenant}: its bundle verifies`);
    }

    const before = await logSnapshot(env.ledger.db);
    const again = await run(1);
    t.same(again.created, { registry: 0, readings: 0, matchedIntervals: 0, claims: 0 }, 'the same run again creates nothing');
    t.same(again.claims, first.claims, 'and reports the same claims');
    t.same(await logSnapshot(env.ledger.db), before, 'the log is unchanged');

    const longer = await run(2);
    t.same(longer.created, { registry: 0, readings: 24 * 6, matchedIntervals: 24, claims: 0 }, 'a longer run resumes after the chain heads');
    t.equal(longer.late, 0);
    const size = (await logSnapshot(env.ledger.db)).size;
    t.equal(size, before.size + 24 * 6 + 24, 'its readings and one settlement per new hour, nothing else');
  });

  t.test(`${backend}: a state file of another log, or none, is refused and the log is unchanged`, async (t) => {
    const env = await startTestApp(backend);
    t.teardown(env.close);
    const server = await env.app.listen({ port: 0, host: '127.0.0.1' });
    const dir = mkdtempSync(join(tmpdir(), 'gridproof-demo-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const run = (file: string) => fillService({ server, operatorToken: OPERATOR_TOKEN, days: 1, stateFile: file, csv, progress: new PassThrough() });
    await run(join(dir, 'state.json'));
    const before = await logSnapshot(env.ledger.db);

    const other = await startTestApp(backend);
    t.teardown(other.close);
    const otherServer = await other.app.listen({ port: 0, host: '127.0.0.1' });
    const otherBefore = await logSnapshot(other.ledger.db);
    await t.rejects(
      fillService({ server: otherServer, operatorToken: OPERATOR_TOKEN, days: 1, stateFile: join(dir, 'state.json'), csv, progress: new PassThrough() }),
      { name: 'UnusableStateFile', message: /belongs to the log/ },
      "the first service's state file does not fill a second log",
    );
    t.same(await logSnapshot(other.ledger.db), otherBefore, 'the second log is unchanged');

    await t.rejects(run(join(dir, 'lost.json')), { code: 'conflict', message: /holds no token/ }, 'a lost state file: the park exists, its tokens are unknown');
    t.same(await logSnapshot(env.ledger.db), before, 'nothing written');
  });
}

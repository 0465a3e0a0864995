/**
 * `gridproof demo --server` on a log that has already matched past the
 * demo's data (2019): every reading it posts is logged late (docs/api.md,
 * POST /v1/entries `late`) and never matched, so the demo makes no claim.
 * It says so in one line naming how many readings and why, and exits 2
 * (README, exit statuses: the log is unusable for the demo). Its summary says there is nothing to
 * claim and lists only the pages that show something (the generator's
 * readings, the log), not /tenant or /verify. Real processes: the service
 * (`gridproof serve`) and the demo.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { meterKey, OPERATOR_TOKEN, ORIGIN, signReading } from '../helpers/app.ts';
import { runGridproof } from '../helpers/cli.ts';
import { freePort, healthy, Processes } from '../helpers/server-process.ts';

/** What the operator and a generator send; throws with the answer on anything but 2xx. */
async function send(base: string, token: string, path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** A log that matched zone DE-LU up to 2026: one wind reading of 2025-06-01 and a matching run. */
async function matchPast2019(base: string): Promise<void> {
  await send(base, OPERATOR_TOKEN, '/v1/zones', { zone: 'DE-LU', gCO2PerKWh: 380, validFrom: '2018-01-01T00:00:00Z' });
  const { token } = (await send(base, OPERATOR_TOKEN, '/v1/participants', { id: 'earlier', role: 'generator', name: 'An earlier park' })) as { token: string };
  const key = meterKey('meter/earlier-wind');
  await send(base, OPERATOR_TOKEN, '/v1/devices', {
    id: 'earlier-wind',
    owner: 'earlier',
    type: 'wind',
    country: 'DE',
    biddingZone: 'DE-LU',
    capacityW: 10_000_000,
    commissioningDate: '2018-01-01',
    eecsEnergySource: 'F01050100',
    eecsTechnology: 'T020001',
    verifierKey: key.vkey,
  });
  const reading = signReading(key.signer, {
    device: 'earlier-wind',
    seq: 0,
    start: '2025-06-01T10:00:00Z',
    end: '2025-06-01T11:00:00Z',
    importWh: '0',
    exportWh: '1000',
  });
  await send(base, token, '/v1/entries', { entries: [reading] });
  const run = (await send(base, OPERATOR_TOKEN, '/v1/matching/runs', { until: '2026-01-01T00:00:00Z' })) as { intervals: number };
  if (run.intervals !== 1) throw new Error(`expected the 2025 hour matched, got ${JSON.stringify(run)}`);
}

t.test('demo --server on a log matched past 2019: one line says every reading was late and why, exit 2', async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'gridproof-demo-late-'));
  t.teardown(() => rmSync(scratch, { recursive: true, force: true }));
  const serve = await healthy(
    new Processes(t).start(
      { DATABASE_URL: '', DATA_DIR: join(scratch, 'data'), GRIDPROOF_ORIGIN: ORIGIN, GRIDPROOF_OPERATOR_TOKEN: OPERATOR_TOKEN },
      await freePort(),
    ),
  );
  await matchPast2019(serve.base);

  const run = () =>
    runGridproof(['demo', '--server', serve.base, '--token', OPERATOR_TOKEN, '--days', '1', '--state', join(scratch, 'state.json')], { timeoutMs: 300_000 });
  const demo = await run();
  t.comment(`stdout:\n${demo.stdout}\nstderr:\n${demo.stderr}`);
  const line =
    'gridproof demo: all 144 readings were logged late and will never be matched: the log had already matched those hours (2018-12-31T23:00Z to 2019-01-01T23:00Z, zone DE-LU) before they were posted, so the demo matched no energy and made no claim; run it on a log that has not matched them (gridproof demo without --server starts one; a service of your own needs GRIDPROOF_GATE_CLOSURE=off)\n';
  t.equal(demo.stderr.split('\n').filter((l) => l.includes('late')).length, 1, 'one line about it');
  t.match(demo.stderr, line, 'how many readings were late and why');
  t.equal(demo.status, 2, 'exit 2: the log is unusable for the demo; nothing was matched');
  t.match(demo.stdout, 'Tokens (also in ', 'the tokens are still printed: the park is in the log for good');
  t.notMatch(demo.stdout, 'Claims (', 'and no claim is listed');
  const open =
    '\nNothing to claim: no tenant had matched energy, so /tenant and /verify have nothing to show (stderr says why).\n' +
    'Open:\n' +
    `  ${serve.base}/generator   a generator's devices and their logged readings\n` +
    `  ${serve.base}/log         the log's checkpoint and proofs\n` +
    '\nTokens (also in ';
  t.match(demo.stdout, open, 'it says there is nothing to claim, and opens only the pages with something to show');
  t.notMatch(demo.stdout, `${serve.base}/tenant`, 'no tenant page to open');
  t.notMatch(demo.stdout, `${serve.base}/verify`, 'no bundle to verify');

  // Run again: nothing is posted (the readings are logged), and still nothing is matched or claimed.
  const again = await run();
  t.match(again.stdout, 'nothing changed');
  t.match(
    again.stderr,
    "gridproof demo: no tenant has matched energy to claim, so the demo made no claim: the park's readings were logged late, after the log had matched their hours (zone DE-LU); run it on a log that has not matched them",
    'the same run again still says why there is nothing to claim',
  );
  t.equal(again.status, 2, 'and exits 2 again');
  t.match(again.stdout, open, 'the summary again says there is nothing to claim');
});

/**
 * Flooded by forged work, with a real server process: 4 clients post forged
 * bundles (every signature broken) anonymously to POST /v1/verify and batches
 * of badly signed readings to POST /v1/entries as fast as they can, while a
 * fifth posts valid readings and /healthz is asked meanwhile. Every answer is
 * coded (a verdict, or problem+json with a code; never 500, never a hang),
 * every valid reading got in, and /healthz kept answering. How fast is
 * measured by `npm run bench -- flood`, not here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { toBase64, utf8 } from '../../src/crypto/base64.ts';
import { hashLeaf } from '../../src/crypto/merkle.ts';
import { auth, meterKey, signReading } from '../helpers/app.ts';
import { LOG_KEY } from '../helpers/bundle-park.ts';
import { badlySignedBatch, FLOOD_DEVICE, FLOOD_SERVER_ENV, floodDeviceBody, floodHour, forgedBundle } from '../helpers/flood.ts';
import { freePort, healthy, Processes, sleep } from '../helpers/server-process.ts';

const TOKEN = 'flood-operator-token';
const FLOOD_MS = 4000;

t.test('a flood of forged bundles and bad signatures', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gridproof-flood-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const { base, child } = await healthy(new Processes(t).start({ ...FLOOD_SERVER_ENV, DATA_DIR: dataDir, GRIDPROOF_OPERATOR_TOKEN: TOKEN }, await freePort()));

  const post = (url: string, body: unknown, token?: string) =>
    fetch(`${base}${url}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? auth(token) : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
  const gen = (await (await post('/v1/participants', { id: 'floodco', role: 'generator', name: 'Flood GmbH' }, TOKEN)).json()) as { token: string };
  const key = meterKey(`meter/${FLOOD_DEVICE}`);
  const device = await post('/v1/devices', floodDeviceBody('floodco', key.vkey), TOKEN);
  t.equal(device.status, 201, 'device registered');
  const forged = forgedBundle();
  const badBatch = badlySignedBatch();

  const uncoded: string[] = [];
  const statuses = new Map<number, number>();
  async function judge(response: Response): Promise<void> {
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    const body = await response.text();
    if (response.status === 200) {
      const answer = JSON.parse(body) as { valid?: boolean; results?: Array<{ error?: { code?: unknown } }> };
      // A verdict must refuse the forgery; a batch's every result must carry its refusal's code.
      if (answer.results === undefined ? answer.valid !== false : answer.results.some((r) => typeof r.error?.code !== 'string'))
        uncoded.push(`forgery answered ${body.slice(0, 200)}`);
      return;
    }
    const coded = response.headers.get('content-type')?.startsWith('application/problem+json') === true && typeof JSON.parse(body).code === 'string';
    if (response.status >= 500 && response.status !== 503) uncoded.push(`${response.status} ${body.slice(0, 200)}`);
    else if (!coded) uncoded.push(`${response.status} uncoded: ${body.slice(0, 200)}`);
  }

  const until = Date.now() + FLOOD_MS;
  const flooders = Array.from({ length: 4 }, async (_, c) => {
    for (let i = 0; Date.now() < until; i++) {
      const response =
        (c + i) % 2 === 0 ? await post(`/v1/verify?key=${encodeURIComponent(LOG_KEY)}`, forged) : await post('/v1/entries', { entries: badBatch }, gen.token);
      await judge(response);
    }
  });
  const accepted: string[] = [];
  const honest = (async () => {
    let prev: string | undefined;
    for (let seq = 0; Date.now() < until; seq++) {
      const note = signReading(key.signer, {
        device: FLOOD_DEVICE,
        seq,
        ...(prev ? { prev } : {}),
        start: floodHour(seq),
        end: floodHour(seq + 1),
        importWh: '0',
        exportWh: '1000',
      });
      const response = await post('/v1/entries', { entries: [note] }, gen.token);
      const answer = response.status === 200 ? ((await response.clone().json()) as { results: Array<{ error?: unknown }> }) : undefined;
      if (answer !== undefined && answer.results[0]?.error === undefined) {
        accepted.push(note);
        prev = toBase64(hashLeaf(utf8(note)));
        await response.text();
      } else await judge(response);
    }
  })();
  let healthAnswers = 0;
  const health = (async () => {
    while (Date.now() < until) {
      if ((await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(60_000) })).ok) healthAnswers++;
      await sleep(50);
    }
  })();
  await Promise.all([...flooders, honest, health]);

  t.same(uncoded, [], `every answer coded (${JSON.stringify([...statuses])})`);
  t.ok(accepted.length > 0, `${accepted.length} valid readings accepted during the flood`);
  t.ok(healthAnswers > 0, `/healthz answered ${healthAnswers} times`);
  const chain = await fetch(`${base}/v1/devices/${FLOOD_DEVICE}/chain`, { headers: auth(gen.token) });
  t.equal(chain.status, 200);
  const head = (await chain.json()) as { valid: boolean; length: number };
  t.same({ valid: head.valid, length: head.length }, { valid: true, length: accepted.length }, 'the chain holds every accepted reading, and only those');
  t.equal(child.exitCode, null, 'the server is still running');
});

/**
 * Flooded by forged work, with a real server process: 4 clients post forged
 * bundles (every signature broken) anonymously to POST /v1/verify and batches
 * of badly signed readings to POST /v1/entries as fast as they can, while a
 * fifth posts valid readings and /healthz is asked meanwhile. Every answer is
 * coded (a verdict, or problem+json with a code; never 500, never a hang),
 * every valid reading got in, and /healthz kept answering. How fast is
 * measured by `npm run bench -- flood`, not here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { toBase64, utf8 } from '../../src/crypto/base64.ts';
import { hashLeaf } from '../../src/crypto/merkle.ts';
import { auth, meterKey, ORIGIN, signReading } from '../helpers/app.ts';
import { cutBundle, LOG_KEY, writePark } from '../helpers/bundle-park.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const TOKEN = 'flood-operator-token';
const FLOOD_MS = 4000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const hour = (n: number) => new Date(Date.UTC(2024, 0, 1) + n * 3_600_000).toISOString().replace('.000Z', 'Z');

t.test('a flood of forged bundles and bad signatures', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gridproof-flood-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, ['bin/gridproof.js', 'serve'], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      DATABASE_URL: '',
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: String(port),
      GRIDPROOF_ORIGIN: ORIGIN,
      GRIDPROOF_OPERATOR_TOKEN: TOKEN,
      GRIDPROOF_GATE_CLOSURE: 'off',
      GRIDPROOF_RATE_LIMIT: '1000000',
      GRIDPROOF_VERIFY_RATE_LIMIT: '1000000',
      LOG_LEVEL: 'fatal',
    },
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const healthy = async () =>
    fetch(`${base}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
  for (let i = 0; i < 1200 && !(await healthy()); i++) {
    if (child.exitCode !== null) throw new Error(`the server exited:\n${output}`);
    await sleep(100);
  }
  t.ok(await healthy(), 'the server is up');

  const post = (url: string, body: unknown, token?: string) =>
    fetch(`${base}${url}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? auth(token) : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
  const gen = (await (await post('/v1/participants', { id: 'floodco', role: 'generator', name: 'Flood GmbH' }, TOKEN)).json()) as { token: string };
  const key = meterKey('meter/wind-f');
  const device = await post(
    '/v1/devices',
    {
      id: 'wind-f',
      owner: 'floodco',
      type: 'wind',
      country: 'DE',
      biddingZone: 'DE-LU',
      capacityW: 10_000_000,
      commissioningDate: '2018-01-01',
      eecsEnergySource: 'F01050100',
      eecsTechnology: 'T020001',
      verifierKey: key.vkey,
    },
    TOKEN,
  );
  t.equal(device.status, 201, 'device registered');

  // Forged: every reading's signature broken, verified against the park's log key so the signatures are reached.
  const reference = cutBundle(writePark(), 't1');
  const forged = {
    ...reference,
    entries: reference.entries.map((e) => ({
      ...e,
      bytes: e.bytes.replace(/— (\S+) (\S{8})/g, (_m, name: string, sig: string) => `— ${name} ${sig.slice(0, 6)}AA`),
    })),
  };
  const stranger = meterKey('meter/wind-f');
  const badBatch = Array.from({ length: 200 }, (_, i) =>
    signReading(stranger.signer, {
      device: 'wind-f',
      seq: 100_000 + i,
      prev: toBase64(new Uint8Array(32)),
      start: hour(100_000 + i),
      end: hour(100_001 + i),
      importWh: '0',
      exportWh: '1',
    }),
  );

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
        device: 'wind-f',
        seq,
        ...(prev ? { prev } : {}),
        start: hour(seq),
        end: hour(seq + 1),
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
  const chain = await fetch(`${base}/v1/devices/wind-f/chain`, { headers: auth(gen.token) });
  t.equal(chain.status, 200);
  const head = (await chain.json()) as { valid: boolean; length: number };
  t.same({ valid: head.valid, length: head.length }, { valid: true, length: accepted.length }, 'the chain holds every accepted reading, and only those');
  t.equal(child.exitCode, null, 'the server is still running');
});

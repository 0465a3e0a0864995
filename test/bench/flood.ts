/**
 * The flood of docs/operations (forged work from 4 clients) measured against
 * a real server process on PGlite: /healthz p50/p99 and valid readings
 * accepted per second by one honest client, first alone, then while 4
 * clients post forged bundles to POST /v1/verify (anonymously) and batches
 * of 200 badly signed readings to POST /v1/entries as fast as they can.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toBase64, utf8 } from '../../src/crypto/base64.ts';
import { hashLeaf } from '../../src/crypto/merkle-hash.ts';
import { auth, meterKey, ORIGIN, signReading } from '../helpers/app.ts';
import { cutBundle, LOG_KEY, writePark } from '../helpers/bundle-park.ts';
import { onCleanup, percentile, scaled, type Row, type Section } from './lib.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const TOKEN = 'flood-bench-operator-token';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const hour = (n: number) => new Date(Date.UTC(2024, 0, 1) + n * 3_600_000).toISOString().replace('.000Z', 'Z');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function benchFlood(): Promise<Section> {
  const seconds = scaled(10, 2);
  const dataDir = mkdtempSync(join(tmpdir(), 'gridproof-flood-bench-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['bin/gridproof.js', 'serve'], {
    cwd: REPO,
    stdio: 'ignore',
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
  onCleanup(async () => {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });
  const healthy = async () =>
    fetch(`${base}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
  for (let i = 0; i < 1200 && !(await healthy()); i++) await sleep(100);

  const post = (url: string, body: unknown, token?: string) =>
    fetch(`${base}${url}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? auth(token) : {}) }, body: JSON.stringify(body) });
  const gen = (await (await post('/v1/participants', { id: 'floodco', role: 'generator', name: 'Flood GmbH' }, TOKEN)).json()) as { token: string };
  const key = meterKey('meter/wind-f');
  await post(
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

  let seq = 0;
  let prev: string | undefined;
  async function phase(flood: boolean): Promise<{ p50: number; p99: number; perSecond: number; floodRequests: number }> {
    const until = Date.now() + seconds * 1000;
    let floodRequests = 0;
    const flooders = flood
      ? Array.from({ length: 4 }, async (_, c) => {
          for (let i = 0; Date.now() < until; i++) {
            const response =
              (c + i) % 2 === 0
                ? await post(`/v1/verify?key=${encodeURIComponent(LOG_KEY)}`, forged)
                : await post('/v1/entries', { entries: badBatch }, gen.token);
            await response.arrayBuffer();
            floodRequests++;
          }
        })
      : [];
    let accepted = 0;
    const honest = (async () => {
      while (Date.now() < until) {
        const note = signReading(key.signer, {
          device: 'wind-f',
          seq,
          ...(prev ? { prev } : {}),
          start: hour(seq),
          end: hour(seq + 1),
          importWh: '0',
          exportWh: '1000',
        });
        const answer = (await (await post('/v1/entries', { entries: [note] }, gen.token)).json()) as { results?: Array<{ error?: unknown }> };
        if (answer.results?.[0] !== undefined && answer.results[0].error === undefined) {
          accepted++;
          seq++;
          prev = toBase64(hashLeaf(utf8(note)));
        }
      }
    })();
    const latencies: number[] = [];
    const health = (async () => {
      while (Date.now() < until) {
        const started = performance.now();
        await (await fetch(`${base}/healthz`)).arrayBuffer();
        latencies.push(performance.now() - started);
        await sleep(20);
      }
    })();
    await Promise.all([...flooders, honest, health]);
    latencies.sort((a, b) => a - b);
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), perSecond: accepted / seconds, floodRequests };
  }

  const calm = await phase(false);
  const flooded = await phase(true);
  const rows: Row[] = [
    { figure: '/healthz p50 under flood', value: flooded.p50, unit: 'ms', baselineLabel: 'no flood', baseline: calm.p50, summary: true },
    {
      figure: '/healthz p99 under flood',
      value: flooded.p99,
      unit: 'ms',
      baselineLabel: 'no flood',
      baseline: calm.p99,
      goal: { kind: 'at-most', value: 100, unit: 'ms' },
      summary: true,
    },
    {
      figure: 'valid readings accepted under flood',
      value: flooded.perSecond,
      unit: 'readings/s',
      baselineLabel: 'no flood',
      baseline: calm.perSecond,
      summary: true,
    },
  ];
  return {
    title: `flood: 4 clients of forged bundles and bad-signature batches, ${seconds} s per phase, real server on PGlite`,
    rows,
    notes: [`${flooded.floodRequests} forged requests answered during the flood`],
  };
}

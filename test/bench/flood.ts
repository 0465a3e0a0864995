/**
 * The flood of docs/operations (forged work from 4 clients) measured against
 * a real server process on PGlite: /healthz p50/p99 and valid readings
 * accepted per second by one honest client, first alone, then while 4
 * clients post forged bundles to POST /v1/verify (anonymously) and batches
 * of 200 badly signed readings to POST /v1/entries as fast as they can.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toBase64, utf8 } from '../../src/crypto/base64.ts';
import { hashLeaf } from '../../src/crypto/merkle-hash.ts';
import { auth, meterKey, signReading } from '../helpers/app.ts';
import { LOG_KEY } from '../helpers/bundle-park.ts';
import { badlySignedBatch, FLOOD_DEVICE, FLOOD_SERVER_ENV, floodDeviceBody, floodHour, forgedBundle } from '../helpers/flood.ts';
import { freePort, healthy, REPO, sleep, type ServerProcess } from '../helpers/server-process.ts';
import { onCleanup, percentile, scaled, type Row, type Section } from './lib.ts';

const TOKEN = 'flood-bench-operator-token';

/** The server outlives any one tap test here, so it is spawned and cleaned up by the bench itself. */
async function startServer(dataDir: string): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['bin/gridproof.js', 'serve'], {
    cwd: REPO,
    stdio: 'ignore',
    env: {
      ...process.env,
      ...FLOOD_SERVER_ENV,
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: String(port),
      GRIDPROOF_OPERATOR_TOKEN: TOKEN,
      GRIDPROOF_GATE_CLOSURE: 'off',
    },
  });
  onCleanup(async () => {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });
  return healthy({ child, port, base: `http://127.0.0.1:${port}`, output: () => '(output not kept)' });
}

export async function benchFlood(): Promise<Section> {
  const seconds = scaled(10, 2);
  const { base } = await startServer(mkdtempSync(join(tmpdir(), 'gridproof-flood-bench-')));
  const post = (url: string, body: unknown, token?: string) =>
    fetch(`${base}${url}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? auth(token) : {}) }, body: JSON.stringify(body) });
  const gen = (await (await post('/v1/participants', { id: 'floodco', role: 'generator', name: 'Flood GmbH' }, TOKEN)).json()) as { token: string };
  const key = meterKey(`meter/${FLOOD_DEVICE}`);
  await post('/v1/devices', floodDeviceBody('floodco', key.vkey), TOKEN);
  const forged = forgedBundle();
  const badBatch = badlySignedBatch();

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
          device: FLOOD_DEVICE,
          seq,
          ...(prev ? { prev } : {}),
          start: floodHour(seq),
          end: floodHour(seq + 1),
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

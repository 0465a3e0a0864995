/**
 * `npm run bench -- demo`: `gridproof demo`'s year (BENCH_SCALE scales the
 * days) through the real API into a fresh service, in this process as the
 * self-started demo runs it, on embedded PGlite (the demo's default) and on
 * PostgreSQL. The baseline is the demo's own part alone: signing the same
 * readings. Checks the work was done: every reading accepted, every hour
 * matched, three claims.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { buildPark, parseHours } from '../../src/cli/demo/park.ts';
import { fillService } from '../../src/cli/demo/fill.ts';
import { generateSigner } from '../../src/crypto/note.ts';
import { sealEntryWithBytes } from '../../src/domain/entry.ts';
import type { ReadingPayload } from '../../src/domain/payloads.ts';
import { nativeSign } from '../../src/platform/node-ed25519.ts';
import type { Backend } from '../../src/db/connect.ts';
import { OPERATOR_TOKEN, ORIGIN, startTestApp } from '../helpers/app.ts';
import { note, onCleanup, scaled, type Row, type Section } from './lib.ts';

const csv = readFileSync(new URL('../../demo/de-2019-hourly.csv', import.meta.url), 'utf8');

function signingOnly(days: number): { ms: number; readings: number } {
  const park = buildPark(parseHours(csv), days);
  const t0 = performance.now();
  let readings = 0;
  for (const device of park.devices) {
    const signer = generateSigner(`meter/${device.id}`);
    for (let h = 0; h < park.hours; h++) {
      const payload: ReadingPayload = {
        kind: 'reading',
        log: ORIGIN,
        quality: 'measured',
        device: device.id,
        seq: h,
        start: new Date(park.fromMs + h * 3_600_000).toISOString(),
        end: new Date(park.fromMs + (h + 1) * 3_600_000).toISOString(),
        importWh: String(device.importWh[h]),
        exportWh: String(device.exportWh[h]),
      };
      sealEntryWithBytes(payload, signer, nativeSign);
      readings++;
    }
  }
  return { ms: performance.now() - t0, readings };
}

async function year(backend: Backend, days: number): Promise<{ ms: number; readings: number }> {
  const env = await startTestApp(backend);
  const close = onCleanup(env.close);
  const dir = mkdtempSync(join(tmpdir(), 'gridproof-bench-demo-'));
  try {
    const server = await env.app.listen({ port: 0, host: '127.0.0.1' });
    const t0 = performance.now();
    const result = await fillService({ server, operatorToken: OPERATOR_TOKEN, days, stateFile: join(dir, 'state.json'), csv, progress: new PassThrough() });
    const ms = performance.now() - t0;
    const want = result.park.hours * result.park.devices.length;
    if (result.created.readings !== want || result.created.matchedIntervals !== result.park.hours || result.created.claims !== 3) {
      throw new Error(`demo on ${backend} did not finish its work: ${JSON.stringify(result.created)}`);
    }
    return { ms, readings: want };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await close();
  }
}

export async function benchDemo(): Promise<Section> {
  const days = scaled(365, 1);
  note(`demo: signing ${days} days of readings alone`);
  const sign = signingOnly(days);
  const rows: Row[] = [];
  for (const backend of ['pglite', 'postgres'] as const) {
    note(`demo: ${days} days through the API on ${backend}`);
    const run = await year(backend, days);
    rows.push(
      {
        figure: `demo ${days} days on ${backend}: total`,
        value: run.ms / 1000,
        unit: 's',
        goal: { kind: 'at-most', value: (60 * days) / 365, unit: 's' },
        summary: true,
      },
      {
        figure: `demo on ${backend}: readings/s end to end`,
        value: Math.round(run.readings / (run.ms / 1000)),
        unit: 'readings/s',
        baselineLabel: 'signing alone',
        baseline: Math.round(sign.readings / (sign.ms / 1000)),
        summary: true,
      },
    );
  }
  return {
    title: 'demo: `gridproof demo` over the API, registry to claims',
    rows,
    notes: [`${sign.readings} readings (6 meters × ${days * 24} hours); the goal is a year in under a minute, scaled with the days`],
  };
}

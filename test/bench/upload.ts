/**
 * `npm run bench -- upload`: a year of one meter's hourly readings (BENCH_SCALE
 * scales the hours) uploaded by the real `gridproof upload` command, a child
 * process, into a fresh service on PGlite and on PostgreSQL. The baseline is
 * signing the same readings alone in this process, the part of the work the
 * command cannot hand to the server. Checks the work was done: every reading
 * accepted and the device's chain as long as the file.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatPrivateKey, generateSigner } from '../../src/crypto/note.ts';
import { sealEntryWithBytes } from '../../src/domain/entry.ts';
import type { ReadingPayload } from '../../src/domain/payloads.ts';
import type { Backend } from '../../src/db/connect.ts';
import { nativeSign } from '../../src/platform/node-ed25519.ts';
import { addDevice, addParticipant, ORIGIN, startTestApp } from '../helpers/app.ts';
import { note, onCleanup, scaled, type Row, type Section } from './lib.ts';

const BIN = fileURLToPath(new URL('../../bin/gridproof.js', import.meta.url));
const HOUR = 3_600_000;
const FROM = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

function signingOnly(hours: number): number {
  const signer = generateSigner('meter/wind-1');
  const t0 = performance.now();
  for (let h = 0; h < hours; h++) {
    const payload: ReadingPayload = {
      kind: 'reading',
      log: ORIGIN,
      quality: 'measured',
      device: 'wind-1',
      seq: h,
      start: iso(FROM + h * HOUR),
      end: iso(FROM + (h + 1) * HOUR),
      importWh: '0',
      exportWh: String(1000 + (h % 500)),
    };
    sealEntryWithBytes(payload, signer, nativeSign);
  }
  return performance.now() - t0;
}

function run(args: string[]): Promise<{ ms: number; stdout: string }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`gridproof upload failed: ${stderr.slice(-500)}`));
      else resolve({ ms: performance.now() - t0, stdout });
    });
  });
}

async function upload(backend: Backend, hours: number): Promise<number> {
  const now = FROM + (hours + 1) * HOUR;
  const env = await startTestApp(backend, { now: () => now });
  const close = onCleanup(env.close);
  const dir = mkdtempSync(join(tmpdir(), 'gridproof-bench-upload-'));
  try {
    const gen = await addParticipant(env.app, 'generator', 'gen-1');
    const key = await addDevice(env.app, { id: 'wind-1', owner: gen.id, type: 'wind', keyValidFrom: '2025-12-01T00:00:00Z' });
    const keyFile = join(dir, 'wind-1.key');
    writeFileSync(keyFile, `${formatPrivateKey(key.signer)}\n`, { mode: 0o600 });
    const rows = Array.from({ length: hours }, (_, h) => `wind-1,${iso(FROM + h * HOUR)},${iso(FROM + (h + 1) * HOUR)},0,${1000 + (h % 500)}`);
    const csv = join(dir, 'year.csv');
    writeFileSync(csv, `device,start,end,importWh,exportWh\n${rows.join('\n')}\n`);
    const server = await env.app.listen({ port: 0, host: '127.0.0.1' });
    const result = await run(['upload', csv, '--key', keyFile, '--server', server, '--token', gen.token]);
    const summary = JSON.parse(result.stdout) as { accepted: number; refused: number };
    const chain = await env.app.inject({ method: 'GET', url: '/v1/devices/wind-1/chain', headers: { authorization: `Bearer ${gen.token}` } });
    const length = (chain.json() as { length: number }).length;
    if (summary.accepted !== hours || summary.refused !== 0 || length !== hours) {
      throw new Error(`upload on ${backend} did not finish its work: ${result.stdout} chain length ${length}`);
    }
    return result.ms;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await close();
  }
}

export async function benchUpload(): Promise<Section> {
  const hours = scaled(8760, 10);
  note(`upload: signing ${hours} readings alone`);
  const signMs = signingOnly(hours);
  const rows: Row[] = [];
  for (const backend of ['pglite', 'postgres'] as const) {
    note(`upload: ${hours} readings through gridproof upload on ${backend}`);
    const ms = await upload(backend, hours);
    rows.push(
      {
        figure: `upload ${hours} readings on ${backend}: total, incl. process start`,
        value: ms / 1000,
        unit: 's',
        goal: { kind: 'at-most', value: (30 * hours) / 8760, unit: 's' },
        summary: true,
      },
      {
        figure: `upload on ${backend}: readings/s`,
        value: Math.round(hours / (ms / 1000)),
        unit: 'readings/s',
        baselineLabel: 'signing alone',
        baseline: Math.round(hours / (signMs / 1000)),
        summary: true,
      },
    );
  }
  return {
    title: "upload: `gridproof upload` of one meter's hourly readings, a CSV file, into a fresh service",
    rows,
    notes: [`the goal is a year (8,760 readings) in under 30 s, scaled with the hours`],
  };
}

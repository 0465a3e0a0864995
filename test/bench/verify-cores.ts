/**
 * The ceiling the issue measures batch intake against: how many of the same
 * reading notes Node's native Ed25519 verifies per second on every core at
 * once (one worker thread per core, verify-cores.worker.mjs), with nothing
 * else done per reading. Notes are split here, before timing; each worker
 * verifies its share once to warm up, then again timed; the rate is all
 * readings over the wall time of the slowest worker's timed pass.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { utf8 } from '../../src/crypto/base64.ts';
import { parseVerifierKey, splitNote } from '../../src/crypto/note.ts';
import type { SignedReading } from './lib.ts';
import { cpuSnapshot, cpuSplit } from './thread-cpu.ts';

interface Item {
  key: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
}

function ask(worker: Worker): Promise<{ ms: number; verified: number }> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.postMessage('run');
  });
}

/**
 * Readings per second verified natively on `threads` worker threads (default:
 * one per core), and the CPU time one verification took on them (thread-cpu.ts):
 * on a busy machine the rate falls with the share of the cores the workers
 * get, while the CPU per verification does not.
 */
export async function nativeVerifyRate(
  readings: readonly SignedReading[],
  vkeys: ReadonlyMap<string, string>,
  threads = availableParallelism(),
): Promise<{ rate: number; cpuUs: number }> {
  const keys = new Map([...vkeys].map(([device, vkey]) => [device, parseVerifierKey(vkey).publicKey]));
  const items: Item[] = readings.map((reading) => {
    const { text, lines } = splitNote(reading.note);
    return { key: keys.get(reading.device)!, message: utf8(text), signature: lines[0]!.signature };
  });
  const shares = Array.from({ length: threads }, (_, t) => items.filter((_, i) => i % threads === t));
  const workers = shares.map((share) => new Worker(new URL('./verify-cores.worker.mjs', import.meta.url), { workerData: { items: share } }));
  try {
    await Promise.all(workers.map(ask)); // warm-up
    const before = cpuSnapshot();
    const t0 = performance.now();
    const passes = await Promise.all(workers.map(ask));
    const ms = performance.now() - t0;
    const { pool } = cpuSplit(before, cpuSnapshot(), items.length, threads);
    const verified = passes.reduce((sum, pass) => sum + pass.verified, 0);
    if (verified !== items.length) throw new Error(`native verify: ${verified} of ${items.length} signatures verified`);
    return { rate: (items.length / ms) * 1000, cpuUs: pool };
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

/**
 * The process's one pool of worker threads for CPU-heavy use cases (bundle
 * verification, intake signature checks and leaf hashes, matching's window
 * plans), sized to the cores, started on first use.
 */
import type { Signer } from '../crypto/note.ts';
import type { SignatureCheck, SignatureChecks, SignatureOutcome } from '../domain/reading-signatures.ts';
import { WorkerPool } from '../platform/worker-pool.ts';
import type { CheckKeysJob, CheckSignaturesJob, PlanWindowJob, VerifyBundleJob, VerifyBundleResult } from './cpu-jobs.ts';
import type { PlannedWindow, WindowRows } from './matching/plan.ts';
import { PoolBatcher } from './pool-batcher.ts';

let pool: WorkerPool | undefined;

/** The shared pool (exported for diagnostics and for tests that kill one of its workers). */
export function cpuPool(): WorkerPool {
  pool ??= new WorkerPool({ module: new URL('./cpu-jobs.ts', import.meta.url), name: 'the verification pool' });
  return pool;
}

/** verifyWithFacts on a worker; 503 `unavailable` when the pool is saturated or its worker died. */
export function verifyOnPool(job: VerifyBundleJob): Promise<VerifyBundleResult> {
  return cpuPool().run<VerifyBundleResult>('verify-bundle', job);
}

/**
 * The intake's checks, batched over the whole process (pool-batcher.ts): every
 * intake of the process shares them, so the pool never holds more than one
 * job of each kind per worker from all of them together.
 */
let intakeBatchers: { signatures: PoolBatcher<SignatureCheck, SignatureOutcome>; keys: PoolBatcher<string, boolean> } | undefined;

function batchers() {
  if (intakeBatchers) return intakeBatchers;
  const lanes = cpuPool().size;
  intakeBatchers = {
    signatures: new PoolBatcher(async (items: SignatureCheck[]): Promise<SignatureOutcome[]> => {
      const { verdicts, leafHashes } = await cpuPool().run<SignatureChecks>('check-signatures', { items } satisfies CheckSignaturesJob);
      return verdicts.map((verdict, i) => ({ verdict, leafHash: leafHashes.slice(32 * i, 32 * i + 32) }));
    }, lanes),
    keys: new PoolBatcher((vkeys: string[]) => cpuPool().run<boolean[]>('check-keys', { vkeys } satisfies CheckKeysJob), lanes),
  };
  return intakeBatchers;
}

/** checkSignatures on the workers, one outcome per item; 503 `unavailable` when the pool is saturated or a worker died. */
export function checkSignaturesOnPool(items: readonly SignatureCheck[]): Promise<SignatureOutcome[]> {
  return batchers().signatures.check(items);
}

/** For each key, whether it passes the strict key check (parseVerifierKey), on the workers; 503 as checkSignaturesOnPool. */
export function checkKeysOnPool(vkeys: readonly string[]): Promise<boolean[]> {
  return batchers().keys.check(vkeys);
}

/**
 * planWindowRows on a worker: the same plan, or its error; 503 `unavailable`
 * only when the worker died. Background work, so never refused for a full
 * queue. The reading columns move to the worker (detached here).
 */
export function planOnPool(rows: WindowRows, signer: Signer): Promise<PlannedWindow> {
  const { entryIdx, startMs, importWh, exportWh, leafHashes } = rows.readings;
  const transfer = [...new Set([entryIdx, startMs, importWh, exportWh, leafHashes].map((column) => column.buffer as ArrayBuffer))];
  return cpuPool().run<PlannedWindow>('plan-window', { rows, signer } satisfies PlanWindowJob, { transfer, background: true });
}

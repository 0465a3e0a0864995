/**
 * The process's one pool of worker threads for CPU-heavy use cases (bundle
 * verification, intake signature checks and leaf hashes, matching's window
 * plans), sized to the cores, started on first use.
 */
import type { Signer } from '../crypto/note.ts';
import type { SignatureCheck, SignatureChecks } from '../domain/reading-signatures.ts';
import { WorkerPool } from '../platform/worker-pool.ts';
import type { CheckSignaturesJob, PlanWindowJob, VerifyBundleJob, VerifyBundleResult } from './cpu-jobs.ts';
import type { PlannedWindow, WindowRows } from './matching/plan.ts';

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

/** checkSignatures on a worker; 503 `unavailable` when the pool is saturated or its worker died. */
export function checkSignaturesOnPool(items: SignatureCheck[]): Promise<SignatureChecks> {
  return cpuPool().run<SignatureChecks>('check-signatures', { items } satisfies CheckSignaturesJob);
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

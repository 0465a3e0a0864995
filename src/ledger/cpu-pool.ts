/**
 * The process's one pool of worker threads for CPU-heavy use cases (bundle
 * verification, intake signature checks and leaf hashes), sized to the
 * cores, started on first use. Matching plans its windows on its own worker
 * (matching/worker-client.ts) beside it.
 */
import type { SignatureCheck, SignatureChecks } from '../domain/reading-signatures.ts';
import { WorkerPool } from '../platform/worker-pool.ts';
import type { CheckSignaturesJob, VerifyBundleJob, VerifyBundleResult } from './cpu-jobs.ts';

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

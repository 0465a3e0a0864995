/**
 * The process's one pool of worker threads for CPU-heavy use cases (bundle
 * verification, intake signature checks), sized to the cores, started on
 * first use. Matching plans its windows on its own worker
 * (matching/worker-client.ts) beside it.
 */
import { WorkerPool } from '../platform/worker-pool.ts';
import type { VerifyBundleJob, VerifyBundleResult } from './cpu-jobs.ts';

let pool: WorkerPool | undefined;

function shared(): WorkerPool {
  pool ??= new WorkerPool({ module: new URL('./cpu-jobs.ts', import.meta.url), name: 'the verification pool' });
  return pool;
}

/** verifyWithFacts on a worker; 503 `unavailable` when the pool is saturated or its worker died. */
export function verifyOnPool(job: VerifyBundleJob): Promise<VerifyBundleResult> {
  return shared().run<VerifyBundleResult>('verify-bundle', job);
}

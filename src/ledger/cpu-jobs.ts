/**
 * The jobs the shared CPU pool (cpu-pool.ts) runs on its worker threads.
 * Each is the same pure function the main thread would call, with Node's
 * native Ed25519, so a result is what running it in place would give.
 */
import { verifyWithFacts, type VerifiedBundle } from '../domain/bundle/verified.ts';
import type { WitnessPolicy } from '../domain/witness-policy.ts';
import { nativeVerify } from '../platform/node-ed25519.ts';
import { serveJobs } from '../platform/worker-pool-host.ts';

export interface VerifyBundleJob {
  bundle: unknown;
  logKey: string;
  witnessPolicy?: WitnessPolicy;
  firstReasonOnly: boolean;
}

export type VerifyBundleResult = VerifiedBundle;

serveJobs({
  'verify-bundle': ({ bundle, logKey, witnessPolicy, firstReasonOnly }: VerifyBundleJob): Promise<VerifyBundleResult> =>
    verifyWithFacts(bundle, { logKey, verify: nativeVerify, firstReasonOnly, ...(witnessPolicy ? { witnessPolicy } : {}) }),
});

/**
 * The jobs the shared CPU pool (cpu-pool.ts) runs on its worker threads.
 * Each is the same pure function the main thread would call, with Node's
 * native Ed25519 and SHA-256, so a result is what running it in place would give.
 */
import { VerifierCache } from '../crypto/note.ts';
import { verifyWithFacts, type VerifiedBundle } from '../domain/bundle/verified.ts';
import { checkSignatures, type SignatureCheck, type SignatureChecks } from '../domain/reading-signatures.ts';
import type { WitnessPolicy } from '../domain/witness-policy.ts';
import { nativeVerify } from '../platform/node-ed25519.ts';
import { nativeHashLeaf } from '../platform/node-sha256.ts';
import { serveJobs } from '../platform/worker-pool-host.ts';

export interface VerifyBundleJob {
  bundle: unknown;
  logKey: string;
  witnessPolicy?: WitnessPolicy;
  firstReasonOnly: boolean;
}

export type VerifyBundleResult = VerifiedBundle;

export interface CheckSignaturesJob {
  items: SignatureCheck[];
}

// Parsed verifier keys outlive jobs: a device's readings keep coming under the same keys.
const verifiers = new VerifierCache();

serveJobs({
  'verify-bundle': ({ bundle, logKey, witnessPolicy, firstReasonOnly }: VerifyBundleJob): Promise<VerifyBundleResult> =>
    verifyWithFacts(bundle, { logKey, verify: nativeVerify, firstReasonOnly, ...(witnessPolicy ? { witnessPolicy } : {}) }),
  'check-signatures': ({ items }: CheckSignaturesJob): SignatureChecks => checkSignatures(items, nativeVerify, nativeHashLeaf, verifiers),
});

/**
 * A bundle with its verdict and, only when it verified, its facts: the one
 * gate behind `gridproof verify`, POST /v1/verify, the certificate and the
 * exports, so nothing is ever said about a bundle that did not verify.
 */
import { GridproofError } from '../../errors.ts';
import type { Bundle, BundleVerdict } from './bundle-types.ts';
import { bundleFacts } from './facts.ts';
import type { BundleFacts } from './facts-types.ts';
import { verifyBundle, type VerifyBundleOptions } from './verify-bundle.ts';

export interface VerifiedBundle {
  verdict: BundleVerdict;
  /** Present exactly when the verdict is valid. */
  facts?: BundleFacts;
}

export async function verifyWithFacts(bundle: unknown, options: VerifyBundleOptions): Promise<VerifiedBundle> {
  // Awaited: the verifier may answer with a promise.
  const verdict = await verifyBundle(bundle, options);
  return verdict.valid ? { verdict, facts: bundleFacts(bundle as Bundle) } : { verdict };
}

/** The facts of a bundle that must verify and be a claim's: what certificates and exports are made from. */
export async function claimFacts(
  bundle: unknown,
  options: VerifyBundleOptions,
): Promise<{ bundle: Bundle; facts: BundleFacts & { claim: NonNullable<BundleFacts['claim']> } }> {
  const { verdict, facts } = await verifyWithFacts(bundle, options);
  if (!verdict.valid || facts === undefined) {
    const first = verdict.reasons[0];
    throw new GridproofError('unverified-bundle', `the bundle does not verify${first ? ` (${first.code}: ${first.detail})` : ''}`);
  }
  if (!verdict.claimed || facts.claim === undefined) {
    throw new GridproofError(
      'not-a-claim',
      'the bundle verifies but proves no claim: it is a bundle of a period; certificates and exports are made from a claim’s bundle',
    );
  }
  return { bundle: bundle as Bundle, facts: facts as BundleFacts & { claim: NonNullable<BundleFacts['claim']> } };
}

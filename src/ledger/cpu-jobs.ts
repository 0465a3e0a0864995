/**
 * The jobs the shared CPU pool (cpu-pool.ts) runs on its worker threads:
 * bundle verification, intake's key and signature checks, matching's window plans.
 * Each is the same pure function the main thread would call, with Node's
 * native Ed25519 and SHA-256, so a result is what running it in place would give.
 */
import { parseCheckedVerifierKey, parseVerifierKey, VerifierCache, type Signer } from '../crypto/note.ts';
import { verifyWithFacts, type VerifiedBundle } from '../domain/bundle/verified.ts';
import { checkSignatures, type SignatureCheck, type SignatureChecks } from '../domain/reading-signatures.ts';
import type { WitnessPolicy } from '../domain/witness-policy.ts';
import { isGridproofError } from '../errors.ts';
import { nativeSign, nativeVerify, nativeVerifyCheckedKey, PUBLIC_KEY_CACHE_SIZE } from '../platform/node-ed25519.ts';
import { nativeHashLeaf } from '../platform/node-sha256.ts';
import { serveJobs, transferring } from '../platform/worker-pool-host.ts';
import { planWindowRows, type PlannedWindow, type WindowRows } from './matching/plan.ts';

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

export interface CheckKeysJob {
  vkeys: string[];
}

export interface PlanWindowJob {
  rows: WindowRows;
  signer: Signer;
}

/** A planned window's settlements move back to the main thread rather than being copied. */
function planWindow({ rows, signer }: PlanWindowJob) {
  const plan: PlannedWindow = planWindowRows(rows, signer, nativeSign);
  const buffers = plan.settlements.flatMap(({ bytes, leafHash, projection }) => [
    bytes.buffer,
    leafHash.buffer,
    projection.source_idx.buffer,
    projection.sink_idx.buffer,
    projection.wh.buffer,
  ]);
  return transferring(plan, [...new Set(buffers)] as ArrayBuffer[]);
}

// Parsed verifier keys outlive jobs: a device's readings keep coming under
// the same keys. The intake sends only keys whose stored verdict of the
// strict key check is a pass, so their points are not checked again
// (docs/design.md §4). Bounded like the KeyObject cache beside it.
const checkedKeys = new VerifierCache({ parse: (vkey) => parseCheckedVerifierKey(vkey), limit: PUBLIC_KEY_CACHE_SIZE });

/** For each key, whether strict verification can accept signatures under it (parseVerifierKey). */
function checkKeys({ vkeys }: CheckKeysJob): boolean[] {
  return vkeys.map((vkey) => {
    try {
      parseVerifierKey(vkey);
      return true;
    } catch (error) {
      if (isGridproofError(error)) return false;
      throw error;
    }
  });
}

serveJobs({
  'verify-bundle': ({ bundle, logKey, witnessPolicy, firstReasonOnly }: VerifyBundleJob): Promise<VerifyBundleResult> =>
    verifyWithFacts(bundle, { logKey, verify: nativeVerify, firstReasonOnly, ...(witnessPolicy ? { witnessPolicy } : {}) }),
  'check-signatures': ({ items }: CheckSignaturesJob): SignatureChecks => checkSignatures(items, nativeVerifyCheckedKey, nativeHashLeaf, checkedKeys),
  'check-keys': checkKeys,
  'plan-window': planWindow,
});

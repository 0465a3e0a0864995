/**
 * The offline proof-bundle verifier (docs/design.md
 * §6). Pure: no I/O and no `node:` module, so the CLI, the server
 * and a browser run the same code; the Ed25519 verify function is a parameter
 * (noble by default, the server passes Node's native one).
 *
 * Given the parsed bundle and the pinned log key (whose name is the origin),
 * it checks, each step adding coded reasons (bundle-types.ts bundleCodes):
 *   1. the media type and the strict schema (stops here when they fail);
 *   2. the checkpoint's signature and origin, each entry's inclusion in it,
 *      each entry a well-formed entry of this log, no index or bytes twice;
 *   3. signatures: entry 0 by the log key, operator entries by the operator
 *      key in force (log order), readings by a device key valid for them;
 *   4. devices registered once and logged before their readings; the device
 *      chains present; no left-out reading of a tenant meter in the period;
 *   5. settlements, each checkable alone since it holds its interval and
 *      zone's every allocation; 6. the statement's allocations and the
 *      entries they rest on; 7. storage draws;
 *   8. every statement figure recomputed; 9. the claim; 10. nothing foreign.
 * It never throws for a bad bundle: parse failures of the JSON text are the
 * caller's ("unusable input"), and so is a malformed log key (it throws
 * GridproofError 'bad-verifier-key').
 */
import { type BatchVerifyFn, type VerifyFn } from '../../crypto/ed25519.ts';
import { parseVerifierKey } from '../../crypto/note.ts';
import { webCryptoBatchVerify } from '../../crypto/webcrypto-ed25519.ts';
import { applyWitnessPolicy, checkPolicy, type WitnessPolicy } from '../witness-policy.ts';
import { checkAllocations } from './allocations.ts';
import { bundleSchemaViolation } from './bundle-schema.ts';
import { BUNDLE_MEDIA_TYPE, type Bundle, type BundleVerdict } from './bundle-types.ts';
import { checkChains, checkDevices, checkTenantReadingsComplete } from './chains.ts';
import { checkClaim } from './claim.ts';
import { withBatchVerify } from './deferred-signatures.ts';
import { openBundleCheckpoint, openEntries } from './open-entries.ts';
import { FirstReasonFound, Reasons } from './reasons.ts';
import { checkRelevance } from './relevance.ts';
import { scopeOf } from './scope.ts';
import { checkSettlements } from './settlements.ts';
import { checkSignatures } from './signatures.ts';
import { checkStatement } from './statement.ts';
import { checkStorage } from './storage.ts';

export type { Bundle, BundleCode, BundleEntry, BundleReason, BundleVerdict, Statement } from './bundle-types.ts';
export { BUNDLE_MEDIA_TYPE, bundleCodes } from './bundle-types.ts';
export { scoreOf, statementFromFigures } from './statement.ts';

export interface VerifyBundleOptions {
  /** The log's C2SP verifier key `<origin>+<key id>+<key>`; its name is the origin. */
  logKey: string;
  /** A synchronous verifier (e.g. Node's native one); wins over verifyBatch. */
  verify?: VerifyFn;
  /** Default: WebCrypto where it has Ed25519, else noble. */
  verifyBatch?: BatchVerifyFn;
  /** Require cosignatures of the checkpoint by a quorum of these witnesses (docs/witnesses.md). */
  witnessPolicy?: WitnessPolicy;
  /**
   * Stop at the first reason the bundle is invalid, leaving the rest
   * unchecked: the verdict is still invalid exactly when the full one is, but
   * names one reason. What the server gives an anonymous caller, whose forged
   * bundle must not buy a full verification of every signature in it.
   */
  firstReasonOnly?: boolean;
}

function rejected(reasons: Reasons): BundleVerdict {
  return { valid: false, claimed: false, reasons: reasons.list() };
}

export async function verifyBundle(bundle: unknown, options: VerifyBundleOptions): Promise<BundleVerdict> {
  const reasons = new Reasons({ firstOnly: options.firstReasonOnly === true });
  try {
    return await verifyAll(bundle, options, reasons);
  } catch (error) {
    if (error instanceof FirstReasonFound) return rejected(reasons);
    throw error;
  }
}

async function verifyAll(bundle: unknown, options: VerifyBundleOptions, reasons: Reasons): Promise<BundleVerdict> {
  const logKey = parseVerifierKey(options.logKey);
  // A malformed policy is the caller's unusable input, like a malformed key.
  if (options.witnessPolicy) checkPolicy(options.witnessPolicy);
  const { verify } = options;
  const batch = options.verifyBatch ?? webCryptoBatchVerify;
  // A synchronous verifier answers at once, in one pass.
  const signed = <T>(run: (verify: VerifyFn, firstPass: boolean) => T): Promise<T> =>
    verify ? Promise.resolve(run(verify, false)) : withBatchVerify(batch, run);

  if (typeof bundle !== 'object' || bundle === null || Array.isArray(bundle)) {
    reasons.add('bad-schema', 'a bundle is a JSON object');
    return rejected(reasons);
  }
  const mediaType = (bundle as { mediaType?: unknown }).mediaType;
  if (mediaType !== BUNDLE_MEDIA_TYPE) {
    reasons.add('bad-media-type', `mediaType is ${JSON.stringify(mediaType) ?? 'absent'}, expected ${BUNDLE_MEDIA_TYPE}`);
    return rejected(reasons);
  }
  const violation = bundleSchemaViolation(bundle);
  if (violation !== undefined) {
    reasons.add('bad-schema', violation);
    return rejected(reasons);
  }
  const { statement, checkpoint: checkpointText, entries } = bundle as Bundle;

  // A first pass's reasons are discarded: only the second, answered pass counts.
  const checkpoint = await signed((v, first) => openBundleCheckpoint(checkpointText, logKey, v, first ? new Reasons() : reasons));
  const witnessPolicy = options.witnessPolicy;
  const policy = witnessPolicy ? await signed((v) => applyWitnessPolicy(checkpointText, witnessPolicy, v)) : undefined;
  if (policy?.shortfall !== undefined) reasons.add('too-few-cosignatures', policy.shortfall);
  const index = openEntries(entries, logKey.name, checkpoint, reasons);
  await signed((v, first) => checkSignatures(index, logKey, v, first ? new Reasons() : reasons));
  checkDevices(index, reasons);
  checkChains(index, reasons);
  const scope = scopeOf(index, statement, reasons);
  checkTenantReadingsComplete(scope, reasons);
  checkSettlements(index, reasons);
  checkAllocations(index, scope, reasons);
  checkStorage(index, scope, reasons);
  checkStatement(index, scope, statement, reasons);
  const claimed = checkClaim(index, scope, statement, reasons);
  checkRelevance(index, scope, reasons);

  const valid = reasons.empty;
  return { valid, claimed: valid && claimed, reasons: reasons.list(), statement, ...(policy ? { cosignatures: policy.cosignatures } : {}) };
}

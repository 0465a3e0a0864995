/**
 * Runs a synchronous check that calls a VerifyFn against an asynchronous
 * BatchVerifyFn, keeping the check's code one synchronous implementation.
 *
 * First pass: the check runs with a verifier that records each signature and
 * answers true, so it visits every signature it could ask about (an answer of
 * false only ever ends a note's checking early). The recorded signatures are
 * then verified in one batch. Second pass: the check runs again, answered
 * from the batch's results, and only this pass's outcome counts. A question
 * the first pass did not record (none is expected) is answered by noble, so
 * the verdict never rests on a guess.
 */
import { nobleVerify, type BatchVerifyFn, type SignatureCheck, type VerifyFn } from '../../crypto/ed25519.ts';

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function bucketOf(signature: Uint8Array): number {
  return (signature[0]! | (signature[1]! << 8) | (signature[2]! << 16) | (signature[3]! << 24)) >>> 0;
}

interface Answer {
  check: SignatureCheck;
  valid: boolean;
}

/** `run(verify, firstPass)` is called twice; the second call's result is returned. */
export async function withBatchVerify<T>(batch: BatchVerifyFn, run: (verify: VerifyFn, firstPass: boolean) => T): Promise<T> {
  const checks: SignatureCheck[] = [];
  run((publicKey, message, signature) => {
    checks.push({ publicKey, message, signature });
    return true;
  }, true);

  const results = await batch(checks);
  // Bucketed by the signature's first four bytes; a lookup compares key, signature and message in full.
  const answers = new Map<number, Answer[]>();
  checks.forEach((check, i) => {
    const id = bucketOf(check.signature);
    const list = answers.get(id);
    const answer = { check, valid: results[i] === true };
    if (list) list.push(answer);
    else answers.set(id, [answer]);
  });

  return run((publicKey, message, signature) => {
    const found = answers
      .get(bucketOf(signature))
      ?.find((a) => sameBytes(a.check.signature, signature) && sameBytes(a.check.publicKey, publicKey) && sameBytes(a.check.message, message));
    return found === undefined ? nobleVerify(publicKey, message, signature) : found.valid;
  }, false);
}

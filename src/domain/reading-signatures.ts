/**
 * The CPU-heavy half of checking posted readings (docs/design.md §4): each
 * note's one signature line verified under the device keys valid for its
 * interval, and its RFC 9162 leaf hash. Pure: the verify and hash functions
 * are passed in, so the shared worker pool runs it with Node's native
 * Ed25519 and SHA-256 and gives what the main thread would.
 */
import { utf8 } from '../crypto/base64.ts';
import type { VerifyFn } from '../crypto/ed25519.ts';
import { VerifierCache } from '../crypto/note.ts';
import { isGridproofError, type ErrorCode } from '../errors.ts';
import { openEntryNote } from './entry.ts';

export interface SignatureCheck {
  note: string;
  /** Verifier keys of the device valid for the reading's interval, as the registry's tables hold them. */
  vkeys: string[];
}

/** The verifier key that signed, or why none did ('unknown-signer' when none of `vkeys` signed). */
export type SignatureVerdict = string | { code: ErrorCode; detail: string };

/** One note's verdict and leaf hash, as the intake takes them back one by one. */
export interface SignatureOutcome {
  verdict: SignatureVerdict;
  leafHash: Uint8Array;
}

export interface SignatureChecks {
  verdicts: SignatureVerdict[];
  /** The leaf hash of item i at bytes 32·i to 32·i + 32, whatever its verdict. */
  leafHashes: Uint8Array;
}

export function checkSignatures(
  items: readonly SignatureCheck[],
  verify: VerifyFn,
  hashLeaf: (bytes: Uint8Array) => Uint8Array,
  verifiers: VerifierCache = new VerifierCache(),
): SignatureChecks {
  const leafHashes = new Uint8Array(32 * items.length);
  const verdicts = items.map(({ note, vkeys }, i): SignatureVerdict => {
    leafHashes.set(hashLeaf(utf8(note)), 32 * i);
    try {
      return openEntryNote(
        note,
        vkeys.map((vkey) => verifiers.get(vkey)),
        verify,
      ).vkey;
    } catch (error) {
      if (!isGridproofError(error)) throw error;
      return { code: error.code, detail: error.detail };
    }
  });
  return { verdicts, leafHashes };
}

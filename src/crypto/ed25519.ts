/**
 * Ed25519 (RFC 8032 §5.1) in pure JavaScript with @noble/ed25519, so the same
 * verdicts are reached in the CLI, the server and a browser. Callers that have
 * a faster implementation pass their own VerifyFn/SignFn (the server passes
 * Node's native one, src/platform/node-ed25519.ts, which is held to the same
 * verdicts by test/unit/ed25519.test.ts).
 *
 * Strictness (why `zip215: false`): verification follows RFC 8032 §5.1.7 and
 * rejects
 *   - S >= L (§5.1.7 step 1: "If ... S is not in the range 0 <= S < L,
 *     reject"), which closes the classic malleability S -> S + L;
 *   - non-canonical encodings of A and R (y >= p, or x = 0 with the sign bit
 *     set; §5.1.3 decoding), so each key and signature has one spelling;
 *   - small-order public keys A (the 8 torsion points, e.g. the identity
 *     0100..00): such a "key" has no secret behind it and makes signatures
 *     that verify for many messages (Chalkias, Garillot, Nikolaenko, "Taming
 *     the many EdDSAs", 2020, vectors 0-1). RFC 8032 does not require this
 *     check; libsodium and noble's strict mode add it.
 *   - A or R with a small-order component (not torsion-free): for such
 *     points the cofactored equation [8][S]B = [8]R + [8][k]A of §5.1.7
 *     step 3 accepts signatures that the cofactorless [S]B = R + [k]A, which
 *     OpenSSL computes, rejects (vectors 4-5 of the paper above). With A and
 *     R in the prime-order subgroup the two equations agree, so refusing
 *     these points up front gives one verdict everywhere and lets the server
 *     trust a native rejection without re-checking it here.
 * ZIP-215 (noble's default) instead accepts non-canonical encodings and small
 * keys, which suits consensus systems but not a ledger whose entries must
 * have one valid byte string each.
 */
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { GridproofError } from '../errors.ts';

// The synchronous noble API needs a SHA-512 wired in (noble v3).
ed.hashes.sha512 = sha512;

export type VerifyFn = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;
export type SignFn = (seed: Uint8Array, message: Uint8Array) => Uint8Array;

/** One signature to check: the inputs of a VerifyFn. */
export interface SignatureCheck {
  publicKey: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
}
/**
 * Verifies many signatures at once, answering in order. Asynchronous because
 * WebCrypto is (src/crypto/webcrypto-ed25519.ts): a batch lets every
 * verification be in flight together instead of awaiting each in turn.
 */
export type BatchVerifyFn = (checks: readonly SignatureCheck[]) => Promise<boolean[]>;

/** A synchronous VerifyFn (noble, Node's native one) as a BatchVerifyFn. */
export function batchOf(verify: VerifyFn): BatchVerifyFn {
  return (checks) => Promise.resolve(checks.map((c) => verify(c.publicKey, c.message, c.signature)));
}

export const PUBLIC_KEY_BYTES = 32;
export const SEED_BYTES = 32;
export const SIGNATURE_BYTES = 64;

/** Strict RFC 8032 verification (see the module comment); never throws. */
export const nobleVerify: VerifyFn = (publicKey, message, signature) => {
  if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false;
  try {
    if (!isValidPublicKey(publicKey) || !ed.Point.fromBytes(signature.subarray(0, 32), false).isTorsionFree()) return false;
    return ed.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
};

// L, the prime group order (RFC 8032 §5.1), little-endian as S is encoded.
const L_LE = [
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/**
 * S, the second half of a 64-byte signature read as a little-endian integer,
 * is below L (RFC 8032 §5.1.7 step 1). Native verifiers (OpenSSL, BoringSSL
 * behind WebCrypto) are given only signatures that pass, so they cannot
 * differ from noble on this rule whatever their version.
 */
export function scalarIsCanonical(signature: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    const s = signature[32 + i]!;
    const l = L_LE[i]!;
    if (s !== l) return s < l;
  }
  return false;
}

function checkSeed(seed: Uint8Array): void {
  if (seed.length !== SEED_BYTES) throw new GridproofError('bad-private-key', 'an Ed25519 seed is 32 bytes');
}

/** RFC 8032 §5.1.6 signing; the 32-byte seed is the RFC's "private key". */
export const nobleSign: SignFn = (seed, message) => {
  checkSeed(seed);
  return ed.sign(message, seed);
};

/** RFC 8032 §5.1.5: the public key A of a seed. */
export function publicKeyFromSeed(seed: Uint8Array): Uint8Array {
  checkSeed(seed);
  return ed.getPublicKey(seed);
}

/** A fresh seed from the platform's CSPRNG (WebCrypto, in browsers and Node). */
export function randomSeed(): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(SEED_BYTES));
}

/**
 * Whether strict verification can ever accept signatures under this key: a
 * canonical encoding of a curve point that is not of small order and has no
 * small-order component. Lets key
 * parsing refuse a useless key up front, and a native verifier apply the same
 * key rules as nobleVerify.
 */
export function isValidPublicKey(publicKey: Uint8Array): boolean {
  if (publicKey.length !== PUBLIC_KEY_BYTES) return false;
  try {
    const point = ed.Point.fromBytes(publicKey, false);
    return !point.isSmallOrder() && point.isTorsionFree();
  } catch {
    return false;
  }
}

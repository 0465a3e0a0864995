/**
 * Ed25519 through Node's OpenSSL: the server's hot path (about ten times
 * @noble/ed25519, docs/design.md §10). Building a KeyObject from raw
 * bytes costs as much as a verification, so KeyObjects are cached (bounded,
 * least recently used first out).
 *
 * Same verdicts as nobleVerify (src/crypto/ed25519.ts), which is what a
 * browser or the CLI runs on the same bytes. OpenSSL 3 verifies with the
 * cofactorless equation [S]B - [k]A == R (comparing encodings) and accepts
 * small-order and some non-canonical public keys; noble's strict mode uses the
 * cofactored equation and rejects those keys. Measured on the vectors of
 * Chalkias, Garillot, Nikolaenko, "Taming the many EdDSAs" (2020)
 * (test/unit/ed25519.test.ts):
 *   - OpenSSL accepts, noble rejects: small-order A (vectors 0, 1) and the
 *     non-canonical A encoding of a small-order point (vector 11). Fixed by
 *     pre-checking the key with isValidPublicKey: once per cached key, or
 *     once before, by a caller that vouches for it (nativeVerifyCheckedKey).
 *   - cofactored noble would accept, OpenSSL rejects: A or R with a
 *     small-order component whose residue only the cofactor removes (vectors
 *     4, 5). The rule (src/crypto/ed25519.ts) refuses such A and R for every
 *     verifier, so a native rejection is final: a forged signature costs one
 *     native verification, never a second one in JavaScript.
 *   - S >= L (RFC 8032 §5.1.7) is rejected explicitly before OpenSSL, as it
 *     is by noble, rather than relying on the OpenSSL version.
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { isValidPublicKey, PUBLIC_KEY_BYTES, scalarIsCanonical, SEED_BYTES, SIGNATURE_BYTES, type SignFn, type VerifyFn } from '../crypto/ed25519.ts';
import { lruGet } from '../crypto/lru.ts';
import { GridproofError } from '../errors.ts';

// DER prefixes for raw Ed25519 keys (RFC 8410 §4 SubjectPublicKeyInfo and §7
// OneAsymmetricKey, algorithm id-Ed25519 1.3.101.112).
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Public keys a thread keeps ready: about 1 KiB of memory each (measured), 16 MiB at most. */
export const PUBLIC_KEY_CACHE_SIZE = 16_384;
const PRIVATE_CACHE_SIZE = 64;

/**
 * A cached public key: its KeyObject, null when strict verification always
 * rejects it, and whether isValidPublicKey has passed it in this thread.
 */
interface CachedPublicKey {
  object: KeyObject | null;
  pointChecked: boolean;
}

const publicKeys = new Map<string, CachedPublicKey>();
const privateKeys = new Map<string, KeyObject>();

function makePublicKey(raw: Buffer): CachedPublicKey {
  try {
    return { object: createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' }), pointChecked: false };
  } catch {
    return { object: null, pointChecked: true };
  }
}

/**
 * The KeyObject to verify under, or null. The point check (about ten
 * verifications of CPU, docs/design.md §10) runs once per cached key, and
 * not at all for a key the caller vouches was checked before.
 */
function publicKeyObject(publicKey: Uint8Array, pointVouched: boolean): KeyObject | null {
  const raw = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength);
  const entry = lruGet(publicKeys, PUBLIC_KEY_CACHE_SIZE, raw.toString('base64'), () => makePublicKey(raw));
  if (!pointVouched && !entry.pointChecked) {
    if (!isValidPublicKey(publicKey)) entry.object = null;
    entry.pointChecked = true;
  }
  return entry.object;
}

function verifyNatively(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, pointVouched: boolean): boolean {
  if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false;
  if (!scalarIsCanonical(signature)) return false;
  const key = publicKeyObject(publicKey, pointVouched);
  if (key === null) return false;
  try {
    // A native rejection is final: with A torsion-free (checked with the key)
    // an R that passes [S]B = R + [k]A is torsion-free too, and strict noble
    // refuses a torsion component in R, so both reach the same verdict.
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}

/** Strict Ed25519 with nobleVerify's verdicts, for any key. */
export const nativeVerify: VerifyFn = (publicKey, message, signature) => verifyNatively(publicKey, message, signature, false);

/**
 * nativeVerify for keys that have passed isValidPublicKey already (see
 * parseCheckedVerifierKey in src/crypto/note-keys.ts): the same verdict for
 * such keys, without checking the point again. Given any other key it may
 * accept what nobleVerify rejects.
 */
export const nativeVerifyCheckedKey: VerifyFn = (publicKey, message, signature) => verifyNatively(publicKey, message, signature, true);

export const nativeSign: SignFn = (seed, message) => {
  if (seed.length !== SEED_BYTES) throw new GridproofError('bad-private-key', 'an Ed25519 seed is 32 bytes');
  const raw = Buffer.from(seed.buffer, seed.byteOffset, seed.byteLength);
  const key = lruGet(privateKeys, PRIVATE_CACHE_SIZE, raw.toString('base64'), () =>
    createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' }),
  );
  return new Uint8Array(sign(null, message, key));
};

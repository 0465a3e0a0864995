/**
 * Ed25519 verification through WebCrypto (`crypto.subtle`, W3C Web
 * Cryptography "Ed25519"), where the platform has it: current Chromium,
 * Firefox, Safari and Node. It is native code, several times faster than
 * @noble/ed25519, and asynchronous, so a batch has every verification in
 * flight together. Where WebCrypto lacks Ed25519 the batch falls back to
 * nobleVerify.
 *
 * Same verdicts as nobleVerify (src/crypto/ed25519.ts), held to it by
 * test/unit/ed25519.test.ts. WebCrypto runs OpenSSL (Node) or BoringSSL
 * (Chromium), which use the cofactorless equation and accept small-order
 * public keys, so, as in src/platform/node-ed25519.ts: S >= L and keys that
 * strict verification always rejects are refused before WebCrypto, and a
 * WebCrypto rejection is confirmed by nobleVerify (only the cofactored
 * equation can still accept). Valid signatures stay on the fast path.
 *
 * Pure: no `node:` import; `globalThis.crypto` is the platform's.
 */
import { isValidPublicKey, nobleVerify, PUBLIC_KEY_BYTES, scalarIsCanonical, SIGNATURE_BYTES, type BatchVerifyFn, type SignatureCheck } from './ed25519.ts';
import { toBase64 } from './base64.ts';

/** The slice of SubtleCrypto used here, typed alike for the DOM and for Node. */
interface Subtle {
  importKey(format: 'raw', key: Uint8Array<ArrayBuffer>, algorithm: { name: 'Ed25519' }, extractable: false, usages: ['verify']): Promise<unknown>;
  verify(algorithm: { name: 'Ed25519' }, key: unknown, signature: Uint8Array<ArrayBuffer>, data: Uint8Array<ArrayBuffer>): Promise<boolean>;
}

const ALGORITHM = { name: 'Ed25519' } as const;
const KEY_CACHE_SIZE = 4096;

function subtle(): Subtle | undefined {
  return (globalThis as { crypto?: { subtle?: Subtle } }).crypto?.subtle;
}

/** WebCrypto wants ArrayBuffer-backed views; a view of shared or offset memory is copied. */
function plain(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

// null marks a key strict verification always rejects; the cache is bounded, oldest out first.
const keys = new Map<string, Promise<unknown>>();

function importedKey(api: Subtle, publicKey: Uint8Array): Promise<unknown> {
  const id = toBase64(publicKey);
  let key = keys.get(id);
  if (key === undefined) {
    key = isValidPublicKey(publicKey) ? api.importKey('raw', plain(publicKey), ALGORITHM, false, ['verify']) : Promise.resolve(null);
    keys.set(id, key);
    if (keys.size > KEY_CACHE_SIZE) keys.delete(keys.keys().next().value as string);
  }
  return key;
}

let support: Promise<boolean> | undefined;

/** Whether this platform's WebCrypto verifies Ed25519 (asked once, with the RFC 8032 §7.1 TEST 1 key). */
export function webCryptoHasEd25519(): Promise<boolean> {
  const api = subtle();
  if (api === undefined) return Promise.resolve(false);
  support ??= api
    .importKey(
      'raw',
      new Uint8Array([
        0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a, 0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25, 0xaf,
        0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a,
      ]),
      ALGORITHM,
      false,
      ['verify'],
    )
    .then(
      () => true,
      () => false,
    );
  return support;
}

async function verifyOne(api: Subtle, check: SignatureCheck): Promise<boolean> {
  const { publicKey, message, signature } = check;
  if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false;
  if (!scalarIsCanonical(signature)) return false;
  const key = await importedKey(api, publicKey);
  if (key === null) return false;
  let ok: boolean;
  try {
    ok = await api.verify(ALGORITHM, key, plain(signature), plain(message));
  } catch {
    ok = false;
  }
  return ok || nobleVerify(publicKey, message, signature);
}

/** Strict verification of a batch through WebCrypto, or noble where WebCrypto has no Ed25519. */
export const webCryptoBatchVerify: BatchVerifyFn = async (checks) => {
  const api = subtle();
  if (api === undefined || !(await webCryptoHasEd25519())) {
    return checks.map((c) => nobleVerify(c.publicKey, c.message, c.signature));
  }
  return Promise.all(checks.map((check) => verifyOne(api, check)));
};

/**
 * SHA-256 (FIPS 180-4) over the concatenation of its arguments: the Merkle
 * hashes (RFC 9162 §2.1.1) and key IDs (C2SP signed-note) are all hashes of a
 * few concatenated parts, fed to one hash state without copying them together.
 * @noble/hashes is pure JavaScript, so this runs in a browser too.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

export function sha256(...parts: Uint8Array[]): Uint8Array {
  const state = nobleSha256.create();
  for (const part of parts) state.update(part);
  return state.digest();
}

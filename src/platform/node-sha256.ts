/**
 * RFC 9162 §2.1.1 leaf hashes through Node's OpenSSL: the server hashes every
 * entry it appends or checks, and a settlement entry is tens of kilobytes,
 * where native SHA-256 is several times faster than @noble/hashes. Same bytes
 * as hashLeaf in src/crypto/merkle-hash.ts (test/unit/sha256.test.ts), which
 * is what a browser or an offline verifier runs.
 */
import { createHash } from 'node:crypto';

const LEAF_PREFIX = new Uint8Array([0x00]);
const NODE_PREFIX = new Uint8Array([0x01]);

/** MTH({d}) = SHA-256(0x00 || d). */
export function nativeHashLeaf(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(LEAF_PREFIX).update(data).digest());
}

/** RFC 9162 §2.1.1 interior node: SHA-256(0x01 || left || right), as hashChildren in src/crypto/merkle-hash.ts (the monitor's frontier and every append complete about one per entry). */
export function nativeHashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest());
}

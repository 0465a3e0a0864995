/**
 * Keys of C2SP signed notes (https://c2sp.org/signed-note, "Signatures" and
 * "Ed25519 signatures"): key names, key IDs, the verifier key string
 * `<name>+<hex key ID>+<base64(0x01 || public key)>`, and the private key
 * string `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>` that Go's
 * golang.org/x/mod/sumdb/note.GenerateKey writes. Re-exported by note.ts.
 */
import { GridproofError } from '../errors.ts';
import { fromBase64, toBase64, utf8 } from './base64.ts';
import { isValidPublicKey, publicKeyFromSeed, randomSeed, SEED_BYTES } from './ed25519.ts';
import { lruGet } from './lru.ts';
import { sha256 } from './sha256.ts';

/** A key whose signatures a reader accepts. `vkey` is its verifier key string. */
export interface Verifier {
  name: string;
  /** uint32 */
  keyId: number;
  publicKey: Uint8Array;
  vkey: string;
}

export interface Signer {
  name: string;
  /** uint32 */
  keyId: number;
  seed: Uint8Array;
  publicKey: Uint8Array;
}

/** The signature type byte of Ed25519 in signed notes. */
export const ALG_ED25519 = 0x01;

/**
 * Key names are non-empty and contain no Unicode spaces and no '+'
 * (signed-note "Format"); as in Go's note.isValidName, spaces are Unicode's
 * White_Space property. Notes hold no control characters, so names do not
 * either, and a JavaScript string with a lone surrogate is not valid UTF-8.
 */
export function isValidSignerName(name: string): boolean {
  return name.length > 0 && !/[\p{White_Space}\p{Cc}\p{Cs}+]/u.test(name);
}

/**
 * Key ID = SHA-256(key name || 0x0A || type || 32-byte public key)[:4],
 * big-endian; the type is 0x01 for note signatures, 0x04 for C2SP
 * tlog-cosignature Ed25519 cosignatures.
 */
export function noteKeyId(name: string, publicKey: Uint8Array, alg: number = ALG_ED25519): number {
  const hash = sha256(utf8(name), Uint8Array.of(0x0a, alg), publicKey);
  return ((hash[0]! << 24) | (hash[1]! << 16) | (hash[2]! << 8) | hash[3]!) >>> 0;
}

/** A key ID as the 4 bytes that start a signature (big-endian). */
export function keyIdBytes(keyId: number): Uint8Array {
  return Uint8Array.of(keyId >>> 24, (keyId >>> 16) & 0xff, (keyId >>> 8) & 0xff, keyId & 0xff);
}

function hex8(keyId: number): string {
  return keyId.toString(16).padStart(8, '0');
}

/**
 * `<name>+<hex key ID>`, the start of a verifier key string: names a key
 * without its public key, as a signature line does (name and 4-byte key ID).
 * Two installs with the same origin have the same name and differ here.
 */
export function keyHandle(key: { name: string; keyId: number }): string {
  return `${key.name}+${hex8(key.keyId)}`;
}

function checkName(name: string): void {
  if (!isValidSignerName(name)) {
    throw new GridproofError('bad-signer-name', 'a key name is non-empty, without spaces, "+" or control characters');
  }
}

/** Splits at the first `count` '+' only: the base64 part may itself contain '+'. */
function splitPlus(text: string, count: number): string[] | null {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < count; i++) {
    const plus = text.indexOf('+', start);
    if (plus < 0) return null;
    parts.push(text.slice(start, plus));
    start = plus + 1;
  }
  parts.push(text.slice(start));
  return parts;
}

/** Decodes `<name>+<8 lowercase hex>+<base64(type || 32 bytes)>`; null when malformed. */
function parseKeyParts(parts: string[], alg: number): { name: string; keyId: number; key: Uint8Array } | null {
  const [name, id, base64] = parts;
  if (name === undefined || id === undefined || base64 === undefined) return null;
  if (!isValidSignerName(name) || !/^[0-9a-f]{8}$/.test(id)) return null;
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(base64);
  } catch {
    return null;
  }
  if (bytes.length !== 1 + SEED_BYTES || bytes[0] !== alg) return null;
  return { name, keyId: parseInt(id, 16), key: bytes.slice(1) };
}

export function formatVerifierKey(name: string, publicKey: Uint8Array, alg: number = ALG_ED25519): string {
  checkName(name);
  if (publicKey.length !== 32) throw new GridproofError('bad-verifier-key', 'an Ed25519 public key is 32 bytes');
  const body = new Uint8Array(33);
  body[0] = alg;
  body.set(publicKey, 1);
  return `${name}+${hex8(noteKeyId(name, publicKey, alg))}+${toBase64(body)}`;
}

/**
 * Parses a verifier key string strictly: the key ID must be the one the name
 * and key give, and the key must be one strict Ed25519 verification can
 * accept signatures under (isValidPublicKey).
 */
export function parseVerifierKey(vkey: string, alg: number = ALG_ED25519): Verifier {
  const verifier = parseCheckedVerifierKey(vkey, alg);
  if (!isValidPublicKey(verifier.publicKey)) {
    throw new GridproofError('bad-verifier-key', 'not a canonical Ed25519 key of large order');
  }
  return verifier;
}

/**
 * Parses a verifier key whose point has passed isValidPublicKey already:
 * the form and the key ID are checked (microseconds), the point is not
 * (about ten signature verifications, docs/design.md §10). The intake hands
 * its workers only device keys whose stored verdict of that check is a pass,
 * and they parse them with this whenever one has left their cache. Any key
 * not known to have passed goes through parseVerifierKey.
 */
export function parseCheckedVerifierKey(vkey: string, alg: number = ALG_ED25519): Verifier {
  const parts = splitPlus(vkey, 2);
  const key = parts === null ? null : parseKeyParts(parts, alg);
  if (key === null) throw new GridproofError('bad-verifier-key', `expected <name>+<8 hex>+<base64(0x0${alg} || key)>`);
  if (noteKeyId(key.name, key.key, alg) !== key.keyId) {
    throw new GridproofError('bad-verifier-key', 'key ID does not match the name and key');
  }
  return { name: key.name, keyId: key.keyId, publicKey: key.key, vkey };
}

export function verifierOf(signer: Signer): Verifier {
  return {
    name: signer.name,
    keyId: signer.keyId,
    publicKey: signer.publicKey,
    vkey: formatVerifierKey(signer.name, signer.publicKey),
  };
}

/** A signer for `name` from a 32-byte seed (a fresh random one by default). */
export function generateSigner(name: string, seed: Uint8Array = randomSeed(), alg: number = ALG_ED25519): Signer {
  checkName(name);
  const publicKey = publicKeyFromSeed(seed);
  return { name, keyId: noteKeyId(name, publicKey, alg), seed: seed.slice(), publicKey };
}

/** Parses `PRIVATE+KEY+<name>+<hex key ID>+<base64(type || seed)>`; the ID must match. */
export function parsePrivateKey(text: string, alg: number = ALG_ED25519): Signer {
  const parts = splitPlus(text, 4);
  const key = parts === null || parts[0] !== 'PRIVATE' || parts[1] !== 'KEY' ? null : parseKeyParts(parts.slice(2), alg);
  // Never echo the text: it is a secret.
  if (key === null) throw new GridproofError('bad-private-key', 'expected PRIVATE+KEY+<name>+<8 hex>+<base64>');
  const signer = generateSigner(key.name, key.key, alg);
  if (signer.keyId !== key.keyId) {
    throw new GridproofError('bad-private-key', 'key ID does not match the name and key');
  }
  return signer;
}

export function formatPrivateKey(signer: Signer, alg: number = ALG_ED25519): string {
  checkName(signer.name);
  if (signer.seed.length !== SEED_BYTES) throw new GridproofError('bad-private-key', 'an Ed25519 seed is 32 bytes');
  const body = new Uint8Array(33);
  body[0] = alg;
  body.set(signer.seed, 1);
  return `PRIVATE+KEY+${signer.name}+${hex8(noteKeyId(signer.name, signer.publicKey, alg))}+${toBase64(body)}`;
}

/**
 * Parsed verifier keys by their string, so a key is parsed once while it is
 * held. Unbounded unless given a limit, then least recently used first out
 * (the intake's workers: a fleet of meters has more keys than a worker
 * should hold).
 */
export class VerifierCache {
  readonly #verifiers = new Map<string, Verifier>();
  readonly #parse: (vkey: string) => Verifier;
  readonly #limit: number;

  constructor(options: { parse?: (vkey: string) => Verifier; limit?: number } = {}) {
    this.#parse = options.parse ?? ((vkey) => parseVerifierKey(vkey));
    this.#limit = options.limit ?? Number.POSITIVE_INFINITY;
    if (!(this.#limit >= 1)) throw new RangeError(`a VerifierCache holds at least one key, not ${options.limit}`);
  }

  get size(): number {
    return this.#verifiers.size;
  }

  get(vkey: string): Verifier {
    return lruGet(this.#verifiers, this.#limit, vkey, () => this.#parse(vkey));
  }
}

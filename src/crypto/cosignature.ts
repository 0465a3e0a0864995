/**
 * C2SP tlog-cosignature v1, Ed25519 (https://c2sp.org/tlog-cosignature):
 * a witness's note signature line on a checkpoint,
 *
 *   — <cosigner name> base64(key ID || u64 big-endian timestamp || Ed25519 signature)
 *
 * where the key ID is SHA-256(name || 0x0A || 0x04 || public key)[:4] and the
 * signed message is
 *
 *   cosignature/v1\n
 *   time <timestamp, ASCII decimal, no leading zeroes>\n
 *   <the checkpoint's note text, final newline included>
 *
 * The timestamp is POSIX seconds and at most 2^63 - 1. Cosigner keys are
 * vkeys with signature type 0x04 (the spec's "Format"); the private key file
 * reuses the signed-note PRIVATE+KEY form with that type byte.
 */
import { GridproofError } from '../errors.ts';
import { fromBase64, toBase64, utf8 } from './base64.ts';
import { nobleSign, nobleVerify, type SignFn, type VerifyFn } from './ed25519.ts';
import {
  formatPrivateKey,
  formatVerifierKey,
  generateSigner,
  keyIdBytes,
  parsePrivateKey,
  parseVerifierKey,
  splitNote,
  type Signer,
  type Verifier,
} from './note.ts';

/** The signature type byte of Ed25519 cosignatures (tlog-cosignature "Format"). */
export const ALG_COSIGNATURE_V1 = 0x04;
/** 2^63 - 1: the largest timestamp the spec allows. */
const MAX_TIMESTAMP = 2n ** 63n - 1n;

export function generateCosigner(name: string, seed?: Uint8Array): Signer {
  return generateSigner(name, seed, ALG_COSIGNATURE_V1);
}

export function parseCosignerKey(vkey: string): Verifier {
  return parseVerifierKey(vkey, ALG_COSIGNATURE_V1);
}

export function parseCosignerPrivateKey(text: string): Signer {
  return parsePrivateKey(text, ALG_COSIGNATURE_V1);
}

export function formatCosignerPrivateKey(signer: Signer): string {
  return formatPrivateKey(signer, ALG_COSIGNATURE_V1);
}

export function cosignerVerifierOf(signer: Signer): Verifier {
  const vkey = formatVerifierKey(signer.name, signer.publicKey, ALG_COSIGNATURE_V1);
  return { name: signer.name, keyId: signer.keyId, publicKey: signer.publicKey, vkey };
}

/** The message a v1 cosignature signs (tlog-cosignature "Ed25519 signed message"). */
export function cosignedMessage(checkpointText: string, timestamp: number): Uint8Array {
  return utf8(`cosignature/v1\ntime ${timestamp}\n${checkpointText}`);
}

function checkTimestamp(timestamp: number): void {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new GridproofError('bad-signature', 'a cosignature timestamp is a non-negative integer of seconds');
  }
}

/** One signature line (with its newline) cosigning `checkpointText` at `timestamp` (POSIX seconds). */
export function cosign(checkpointText: string, signer: Signer, timestamp: number, sign: SignFn = nobleSign): string {
  checkTimestamp(timestamp);
  const signature = sign(signer.seed, cosignedMessage(checkpointText, timestamp));
  const body = new Uint8Array(4 + 8 + signature.length);
  body.set(keyIdBytes(signer.keyId), 0);
  new DataView(body.buffer).setBigUint64(4, BigInt(timestamp), false);
  body.set(signature, 12);
  return `\u2014 ${signer.name} ${toBase64(body)}\n`;
}

export interface Cosignature {
  /** The cosigner's verifier key (vkey, type 0x04). */
  vkey: string;
  name: string;
  /** POSIX seconds, as signed. */
  timestamp: number;
}

export interface OpenedCosignatures {
  /** The checkpoint's note text. */
  text: string;
  /** One per cosigner whose line verified, in line order. */
  valid: Cosignature[];
  /** Lines of a known cosigner's name and key ID whose signature does not verify, or whose form is wrong. */
  invalid: { vkey: string; detail: string }[];
}

/**
 * Checks the cosignature lines of a checkpoint note against `cosigners`:
 * lines of other keys (the log's own, unknown witnesses) are ignored, as the
 * spec says clients MUST; a known cosigner counts once however many lines it
 * has. The note's own form is checked strictly ('bad-note').
 */
export function openCosignatures(note: string, cosigners: Verifier[], verify: VerifyFn = nobleVerify): OpenedCosignatures {
  const { text, lines } = splitNote(note);
  const valid: Cosignature[] = [];
  const invalid: { vkey: string; detail: string }[] = [];
  for (const line of lines) {
    const cosigner = cosigners.find((c) => c.name === line.name && c.keyId === line.keyId);
    if (cosigner === undefined || valid.some((c) => c.vkey === cosigner.vkey)) continue;
    // splitNote leaves the key ID out of `signature`: here it is u64 timestamp || signature.
    if (line.signature.length !== 8 + 64) {
      invalid.push({ vkey: cosigner.vkey, detail: 'a cosignature is a timestamp and a 64-byte signature' });
      continue;
    }
    const big = new DataView(line.signature.buffer, line.signature.byteOffset, 8).getBigUint64(0, false);
    if (big > MAX_TIMESTAMP || big > BigInt(Number.MAX_SAFE_INTEGER)) {
      invalid.push({ vkey: cosigner.vkey, detail: 'the timestamp is out of range' });
      continue;
    }
    const timestamp = Number(big);
    if (!verify(cosigner.publicKey, cosignedMessage(text, timestamp), line.signature.subarray(8))) {
      invalid.push({ vkey: cosigner.vkey, detail: `the cosignature by ${cosigner.name} does not verify` });
      continue;
    }
    valid.push({ vkey: cosigner.vkey, name: cosigner.name, timestamp });
  }
  return { text, valid, invalid };
}

/** Parses a witness's 200 answer: one or more signature lines, each ending in a newline. */
export function parseSignatureLines(body: string): string[] {
  if (body === '' || !body.endsWith('\n')) throw new GridproofError('bad-note', 'signature lines end with a newline');
  const lines = body.slice(0, -1).split('\n');
  for (const line of lines) {
    if (!line.startsWith('\u2014 ')) throw new GridproofError('bad-note', 'a signature line starts with an em dash and a space');
    const base64 = line.slice(line.lastIndexOf(' ') + 1);
    fromBase64(base64);
  }
  return lines.map((line) => `${line}\n`);
}

/** Parsed cosigner keys by their string, each parsed once. */
export class CosignerKeyCache {
  readonly #keys = new Map<string, Verifier>();

  get(vkey: string): Verifier {
    let key = this.#keys.get(vkey);
    if (!key) {
      key = parseCosignerKey(vkey);
      this.#keys.set(vkey, key);
    }
    return key;
  }
}

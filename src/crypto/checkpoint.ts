/**
 * C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the signed tree
 * head of the log, a signed note whose text is
 *
 *   <origin>\n<tree size>\n<base64 root hash>\n[<extension line>\n]…
 *
 * "Note text": at least three non-empty lines; the size is ASCII decimal with
 * no leading zeroes (0 for the empty tree); the root is the RFC 6962 / RFC
 * 9162 Merkle root; extension lines are opaque and non-empty. Parsing is
 * strict, so every checkpoint has one text.
 */
import { GridproofError } from '../errors.ts';
import { hashFromBase64, toBase64 } from './base64.ts';
import { nobleSign, nobleVerify, type SignFn, type VerifyFn } from './ed25519.ts';
import { HASH_BYTES } from './merkle-hash.ts';
import { openNote, signNote, type Signer, type Verifier } from './note.ts';

export interface Checkpoint {
  origin: string;
  size: number;
  root: Uint8Array;
  extensions: string[];
}

function bad(detail: string): never {
  throw new GridproofError('bad-checkpoint', detail);
}

/** A non-empty line: no newline (the note rules about other characters apply when signing). */
function isLine(text: string): boolean {
  return text.length > 0 && !text.includes('\n');
}

export function formatCheckpoint(cp: Checkpoint): string {
  if (!isLine(cp.origin)) bad('the origin is one non-empty line');
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) bad('the tree size is a non-negative integer');
  if (cp.root.length !== HASH_BYTES) bad('the root hash is 32 bytes');
  if (!cp.extensions.every(isLine)) bad('extension lines are non-empty lines');
  return [cp.origin, String(cp.size), toBase64(cp.root), ...cp.extensions].map((line) => `${line}\n`).join('');
}

export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) bad('the checkpoint text ends with a newline');
  const lines = text.slice(0, -1).split('\n');
  const [origin, size, root, ...extensions] = lines;
  if (origin === undefined || size === undefined || root === undefined) bad('a checkpoint has three lines');
  if (!lines.every((line) => line.length > 0)) bad('checkpoint lines are non-empty');
  if (!/^(?:0|[1-9][0-9]*)$/.test(size) || !Number.isSafeInteger(Number(size))) {
    bad('the tree size is decimal without leading zeroes');
  }
  let rootHash: Uint8Array;
  try {
    rootHash = hashFromBase64(root);
  } catch {
    bad('the root hash is 32 bytes in standard base64');
  }
  return { origin, size: Number(size), root: rootHash, extensions };
}

/**
 * Opens a checkpoint note signed by the log key `verifier` (signatures from
 * other keys, such as witness cosignatures, are ignored). Note errors keep
 * their codes ('bad-note', 'bad-signature', 'unknown-signer'); a text that is
 * not a checkpoint, or a checkpoint of another log, is 'bad-checkpoint'. The
 * log key's name is the origin (docs/design.md §2; the spec's SHOULD).
 */
export function openCheckpoint(note: string, verifier: Verifier, expectedOrigin: string, verify: VerifyFn = nobleVerify): Checkpoint {
  const { text } = openNote(note, [verifier], verify);
  const cp = parseCheckpoint(text);
  if (cp.origin !== expectedOrigin) bad(`checkpoint of ${cp.origin}, expected ${expectedOrigin}`);
  if (verifier.name !== expectedOrigin) bad(`the log key is named ${verifier.name}, not ${expectedOrigin}`);
  return cp;
}

/** Signs a checkpoint with the log key, whose name must be the origin. */
export function signCheckpoint(cp: Checkpoint, signer: Signer, sign: SignFn = nobleSign): string {
  if (signer.name !== cp.origin) bad(`the log key is named ${signer.name}, not ${cp.origin}`);
  return signNote(formatCheckpoint(cp), [signer], sign);
}

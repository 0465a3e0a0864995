/**
 * C2SP signed notes (https://c2sp.org/signed-note), Ed25519 only, with the
 * behaviour of Go's golang.org/x/mod/sumdb/note as the reference:
 *
 *   <text, ending in \n>
 *   \n
 *   — <key name> <base64(4-byte key ID || signature)>\n   (one or more)
 *
 * The signed message is the text, final newline included. Keys and their
 * string forms are in note-keys.ts, re-exported here.
 */
import { GridproofError } from '../errors.ts';
import { fromBase64, toBase64, utf8 } from './base64.ts';
import { nobleSign, nobleVerify, type SignFn, type VerifyFn } from './ed25519.ts';
import { isValidSignerName, keyHandle, keyIdBytes, type Signer, type Verifier } from './note-keys.ts';

export * from './note-keys.ts';

/** U+2014 EM DASH and a space start every signature line (signed-note "Format"). */
const SIGNATURE_PREFIX = '\u2014 ';

/**
 * Go's note.Open refuses more than 100 signatures; the spec asks verifiers to
 * accept at least 16 and to bound the work a note can cause.
 */
const MAX_SIGNATURES = 100;

/**
 * Signed notes are valid UTF-8 without ASCII control characters other than
 * newline (signed-note "Format"). In a JavaScript string, invalid UTF-8 shows
 * up as a lone surrogate.
 */
const CONTROL = /[\u0000-\u0009\u000b-\u001f]/;

function hasForbiddenCharacters(text: string): boolean {
  return CONTROL.test(text) || !text.isWellFormed();
}

function badNote(detail: string): never {
  throw new GridproofError('bad-note', detail);
}

/**
 * Signs `text` with each signer, in order. The text must be non-empty, end in
 * a newline and hold no control characters; it may contain empty lines (the
 * last empty line of a note separates the signatures).
 */
export function signNote(text: string, signers: Signer[], sign: SignFn = nobleSign): string {
  return signNoteWithBytes(text, signers, sign).note;
}

export interface SignedNote {
  note: string;
  /** The note's UTF-8 bytes. */
  bytes: Uint8Array;
}

/** signNote, with the note's bytes: a long text is encoded once, both to be signed and to be kept. */
export function signNoteWithBytes(text: string, signers: Signer[], sign: SignFn = nobleSign): SignedNote {
  if (!text.endsWith('\n')) badNote('the note text must end with a newline');
  if (hasForbiddenCharacters(text)) badNote('the note text holds a control character or invalid UTF-8');
  if (signers.length === 0) badNote('a note needs at least one signature');
  const message = utf8(text);
  let lines = '';
  for (const signer of signers) {
    if (!isValidSignerName(signer.name)) throw new GridproofError('bad-signer-name', 'invalid key name');
    const signature = sign(signer.seed, message);
    const body = new Uint8Array(4 + signature.length);
    body.set(keyIdBytes(signer.keyId), 0);
    body.set(signature, 4);
    lines += `${SIGNATURE_PREFIX}${signer.name} ${toBase64(body)}\n`;
  }
  const signatures = utf8(`\n${lines}`);
  const bytes = new Uint8Array(message.length + signatures.length);
  bytes.set(message);
  bytes.set(signatures, message.length);
  return { note: `${text}\n${lines}`, bytes };
}

export interface SignatureLine {
  name: string;
  keyId: number;
  signature: Uint8Array;
}

export function parseSignatureLine(line: string): SignatureLine {
  if (!line.startsWith(SIGNATURE_PREFIX)) badNote('a signature line starts with an em dash and a space');
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  const name = rest.slice(0, space);
  if (space < 0 || !isValidSignerName(name)) badNote('a signature line holds a key name and a signature');
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(rest.slice(space + 1));
  } catch {
    badNote('a signature is strict standard base64');
  }
  // Go's note.Open: a key ID and at least one signature byte.
  if (bytes.length < 5) badNote('a signature is a key ID and a signature');
  const keyId = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
  return { name, keyId, signature: bytes.subarray(4) };
}

function verifyLine(line: SignatureLine, verifier: Verifier, message: Uint8Array, verify: VerifyFn): void {
  if (!verify(verifier.publicKey, message, line.signature)) badSignature(line);
}

function badSignature(line: { name: string }): never {
  throw new GridproofError('bad-signature', `signature by ${line.name} does not verify`);
}

/**
 * Splits a signed note strictly ('bad-note') into its text (final newline
 * included) and its parsed signature lines, verifying nothing.
 */
export function splitNote(note: string): { text: string; lines: SignatureLine[] } {
  if (hasForbiddenCharacters(note)) badNote('a note holds a control character or invalid UTF-8');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) badNote('no blank line before the signatures');
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (block === '' || !block.endsWith('\n')) badNote('signature lines end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) badNote(`more than ${MAX_SIGNATURES} signatures`);
  return { text, lines: lines.map(parseSignatureLine) };
}

/**
 * Why no known key signed a note, naming both sides: "signed by
 * localhost/gridproof+9b9054c5; the key given is localhost/gridproof+f6ce5d50".
 * Every default install has the same origin, so the key name alone cannot
 * tell the log that signed from the log that is trusted; the key ID can.
 */
export function signerMismatch(lines: readonly { name: string; keyId: number }[], given: readonly { name: string; keyId: number }[]): string {
  const signed = lines.length === 0 ? 'signed by no key' : `signed by ${lines.map(keyHandle).join(', ')}`;
  const trusted = given.length === 1 ? `the key given is ${keyHandle(given[0]!)}` : `the keys given are ${given.map(keyHandle).join(', ') || 'none'}`;
  return `${signed}; ${trusted}`;
}

/**
 * Opens a signed note: parses it strictly ('bad-note'), ignores signatures
 * from keys not in `verifiers` (same name and key ID), verifies every
 * signature from a known key (a failure is 'bad-signature': the spec says
 * SHOULD reject the whole note), and requires at least one of them
 * ('unknown-signer'). `verifiedBy` lists each verifier once, in line order.
 */
export function openNote(note: string, verifiers: Verifier[], verify: VerifyFn = nobleVerify): { text: string; verifiedBy: Verifier[] } {
  const { text, lines } = splitNote(note);
  const message = utf8(text);
  const verifiedBy: Verifier[] = [];
  for (const line of lines) {
    const verifier = verifiers.find((v) => v.name === line.name && v.keyId === line.keyId);
    if (verifier === undefined) continue; // unknown keys MUST be ignored
    verifyLine(line, verifier, message, verify);
    if (!verifiedBy.includes(verifier)) verifiedBy.push(verifier);
  }
  if (verifiedBy.length === 0) throw new GridproofError('unknown-signer', `no signature from a known key: ${signerMismatch(lines, verifiers)}`);
  return { text, verifiedBy };
}

/**
 * Opens a note that must carry exactly one signature line, by one of
 * `verifiers`. The signed-note format lets anyone append lines that verifiers
 * ignore (signed-note "Signatures"); a log that keeps notes whole would then
 * store bytes nobody signed, and one payload would have many spellings and
 * leaf hashes. So a second line — unknown key, known key or the same line
 * again — is 'extra-signature', checked before any signature is verified.
 */
export function openSoleSignedNote(note: string, verifiers: Verifier[], verify: VerifyFn = nobleVerify): { text: string; signer: Verifier } {
  const { text, lines } = splitNote(note);
  if (lines.length !== 1) {
    const names = lines.map((line) => line.name).join(', ');
    throw new GridproofError('extra-signature', `${lines.length} signature lines (${names}); exactly one is accepted`);
  }
  const line = lines[0]!;
  const signer = soleLineSigner(line, verifiers);
  verifyLine(line, signer, utf8(text), verify);
  return { text, signer };
}

/**
 * A note that another thread split (splitNote, exactly one line) and whose
 * signature it verified under some public keys: the key name and ID of its
 * line, and the verdict under a public key, or undefined when it has none.
 */
export interface CheckedSoleLine {
  name: string;
  keyId: number;
  verdict(publicKey: Uint8Array): boolean | undefined;
}

/**
 * openSoleSignedNote's signer for a note already split and verified
 * elsewhere (CheckedSoleLine), with the same rules and errors; undefined
 * when there is no verdict under the signer's key, and the note must be
 * opened in full.
 */
export function openCheckedSoleLine(line: CheckedSoleLine, verifiers: Verifier[]): Verifier | undefined {
  const signer = soleLineSigner(line, verifiers);
  const ok = line.verdict(signer.publicKey);
  if (ok === undefined) return undefined;
  if (!ok) badSignature(line);
  return signer;
}

function soleLineSigner(line: { name: string; keyId: number }, verifiers: Verifier[]): Verifier {
  const signer = verifiers.find((v) => v.name === line.name && v.keyId === line.keyId);
  if (signer === undefined) throw new GridproofError('unknown-signer', `not signed by a key that may sign this note: ${signerMismatch([line], verifiers)}`);
  return signer;
}

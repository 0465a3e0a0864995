/**
 * The part of checking an entry that needs no replay state, done ahead and
 * on other threads by the monitor (cli/monitor-precheck.ts, docs/design.md
 * §7): each entry's leaf hash, whether parseEntry accepts it, and the
 * Ed25519 arithmetic of its one signature line under the keys with that
 * line's name and key ID among those given. Which key may sign an entry is
 * still decided by the replay, in log order (replay-signatures.ts); this
 * only answers "does this note's one signature line verify under this key",
 * for the replay's CheckedSoleLine (crypto/note.ts). Pure: the verify and
 * hash functions are parameters.
 */
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES, type VerifyFn } from '../../crypto/ed25519.ts';
import { splitNote } from '../../crypto/note.ts';
import { isGridproofError } from '../../errors.ts';
import { parseEntry } from '../entry.ts';

export interface PrecheckKey {
  name: string;
  keyId: number;
  publicKey: Uint8Array;
}

export interface Prechecked {
  /** Note i's leaf hash at 32·i, when wellFormed[i] is 1 (else it is not UTF-8 text and has none). */
  leafHashes: Uint8Array;
  wellFormed: Uint8Array;
  /** 1 when parseEntry(note i, origin) returns, 0 when it throws. */
  accepted: Uint8Array;
  /**
   * Verification j: of the sole signature line of note noteOf[j] (which
   * splitNote accepts) under keys[keyOf[j]], whose name and key ID are the
   * line's, over the note's text.
   */
  noteOf: Uint32Array;
  keyOf: Uint32Array;
  ok: Uint8Array;
}

/**
 * The UTF-8 bytes of a split note's text (splitNote's `text`, up to its last
 * blank line) as a view of the note's own bytes: a newline byte never occurs
 * inside a multi-byte character, so the last blank line is found in the bytes
 * where it is in the string, and the text need not be encoded again.
 */
function textBytes(note: Uint8Array): Uint8Array {
  let at = note.length - 2;
  while (at >= 0 && !(note[at] === 0x0a && note[at + 1] === 0x0a)) at--;
  return note.subarray(0, at + 1);
}

/** Signed notes are UTF-8 text (signed-note "Format"); an entry that is not gets no leaf hash here and no text in the replay. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function precheckEntries(
  notes: readonly Uint8Array[],
  origin: string,
  keys: readonly PrecheckKey[],
  verify: VerifyFn,
  hashLeaf: (bytes: Uint8Array) => Uint8Array,
): Prechecked {
  const byId = new Map<string, number[]>();
  keys.forEach((key, k) => {
    if (key.publicKey.length !== PUBLIC_KEY_BYTES) return;
    const id = `${key.name} ${key.keyId}`;
    byId.set(id, [...(byId.get(id) ?? []), k]);
  });
  const leafHashes = new Uint8Array(32 * notes.length);
  const wellFormed = new Uint8Array(notes.length);
  const accepted = new Uint8Array(notes.length);
  const noteOf: number[] = [];
  const keyOf: number[] = [];
  const ok: number[] = [];
  notes.forEach((bytes, i) => {
    let note: string;
    try {
      note = strictUtf8.decode(bytes);
    } catch {
      return;
    }
    try {
      parseEntry(note, origin);
      accepted[i] = 1;
    } catch (error) {
      if (!isGridproofError(error)) throw error;
    }
    wellFormed[i] = 1;
    leafHashes.set(hashLeaf(bytes), 32 * i);
    let split: ReturnType<typeof splitNote>;
    try {
      split = splitNote(note);
    } catch {
      return; // the replay reports it
    }
    const line = split.lines[0]!;
    if (split.lines.length !== 1 || line.signature.length !== SIGNATURE_BYTES) return;
    const candidates = byId.get(`${line.name} ${line.keyId}`);
    if (candidates === undefined) return;
    const message = textBytes(bytes);
    for (const key of candidates) {
      noteOf.push(i);
      keyOf.push(key);
      ok.push(verify(keys[key]!.publicKey, message, line.signature) ? 1 : 0);
    }
  });
  return { leafHashes, wellFormed, accepted, noteOf: Uint32Array.from(noteOf), keyOf: Uint32Array.from(keyOf), ok: Uint8Array.from(ok) };
}

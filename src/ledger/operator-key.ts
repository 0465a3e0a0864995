/**
 * The operator key this process signs with (docs/design.md §2.2, README
 * "Rotating the operator key"). A rotation logs a `key` entry signed by the
 * log key, and from its index on only the new key may sign. So every
 * operator append asks, under the head lock, which operator key entry is in
 * force (one index probe) and compares it with the one this process knows.
 * When another process rotated to a key this one can load too (the staged
 * key, or the key file a sibling sharing DATA_DIR already promoted), it
 * switches to it; otherwise it appends nothing, `operator-key-rotated`,
 * rather than sign with a retired key. Migration 016 holds the database to
 * the same rule for any client.
 */
import { verifierOf, type Signer, type Verifier } from '../crypto/note.ts';
import { operatorKeyInForce } from '../db/registry.ts';
import type { Tx } from '../db/log.ts';
import { GridproofError } from '../errors.ts';

/** Where the keys of a rotation are kept: files in DATA_DIR or the environment (src/operator-key-files.ts). */
export interface OperatorKeyStore {
  /** The key staged to replace the operator key, or undefined when none is; throws `bad-next-key` when it cannot be used. */
  staged(): Signer | undefined;
  /** Keys this process may switch to when another process rotated: the staged key and the key file as it is now. */
  candidates(): Signer[];
  /** A rotation to `next` is logged at `entryIdx`: a restart must load `next`; `retired` is kept aside. */
  promote(next: Signer, retired: Signer, entryIdx: number): void;
}

/** No staged key and nothing to promote: tests and callers that hold keys in memory. */
export const KEYS_IN_MEMORY: OperatorKeyStore = { staged: () => undefined, candidates: () => [], promote: () => undefined };

export interface KeyInForce {
  entryIdx: number;
  verifierKey: string;
}

export class OperatorKey {
  #signer: Signer;
  #verifier: Verifier;
  /** Index of the operator key entry in force when this process last looked; -1 before the first look. */
  #entryIdx = -1;
  /** The key a rotation of this process is switching to, until it has switched. */
  #rotatingTo: Signer | undefined;
  readonly store: OperatorKeyStore;

  constructor(signer: Signer, store: OperatorKeyStore = KEYS_IN_MEMORY) {
    this.#signer = signer;
    this.#verifier = verifierOf(signer);
    this.store = store;
  }

  get signer(): Signer {
    return this.#signer;
  }

  get verifier(): Verifier {
    return this.#verifier;
  }

  /**
   * Under the head lock, before anything is signed: this process's key must
   * be the one in force. An empty log has none yet (entry 0 names it).
   */
  async requireInForce(tx: Tx): Promise<void> {
    const inForce = await operatorKeyInForce(tx);
    if (inForce === undefined || inForce.entryIdx === this.#entryIdx) return;
    this.follow(inForce);
  }

  /** Takes `inForce` as the key to sign with: this process's key, or one it can load; else `operator-key-rotated`. */
  follow(inForce: KeyInForce): void {
    if (inForce.verifierKey === this.#verifier.vkey) {
      this.#entryIdx = inForce.entryIdx;
      return;
    }
    let loadable: Signer[];
    try {
      loadable = [...(this.#rotatingTo ? [this.#rotatingTo] : []), ...this.store.candidates()];
    } catch (error) {
      if (!(error instanceof GridproofError)) throw error;
      loadable = [];
    }
    const next = loadable.find((signer) => verifierOf(signer).vkey === inForce.verifierKey);
    if (next === undefined) {
      throw new GridproofError(
        'operator-key-rotated',
        `the operator key in force is ${inForce.verifierKey} (entry ${inForce.entryIdx}), not this process's ${this.#verifier.vkey}; stage the new key and restart (README "Rotating the operator key")`,
      );
    }
    this.#switchTo(next, inForce.entryIdx);
  }

  /**
   * Runs `append`, which logs the rotation to `next` and returns its index,
   * and switches to `next` once it committed. Meanwhile another append of
   * this process that finds the rotation in force switches to `next` itself.
   */
  async rotate<R extends { index: number }>(next: Signer, append: () => Promise<R>): Promise<R> {
    this.#rotatingTo = next;
    try {
      const result = await append();
      if (this.#verifier.vkey !== verifierOf(next).vkey) this.#switchTo(next, result.index);
      return result;
    } finally {
      this.#rotatingTo = undefined;
    }
  }

  /**
   * Signs with `next` from now on, then leaves the keys for a restart. The
   * switch comes first: the log already names `next`, so this process must
   * not sign with the retired key even when the files cannot be written;
   * that failure is `key-files-not-written`, saying the rotation is in force.
   */
  #switchTo(next: Signer, entryIdx: number): void {
    const retired = this.#signer;
    this.#signer = next;
    this.#verifier = verifierOf(next);
    this.#entryIdx = entryIdx;
    try {
      this.store.promote(next, retired, entryIdx);
    } catch (error) {
      const why = error instanceof GridproofError ? error.detail : (error as Error).message;
      throw new GridproofError(
        'key-files-not-written',
        `the operator key rotation of entry ${entryIdx} is logged and in force, and this process signs with ${this.#verifier.vkey}; but the key files were not left for a restart: ${why}`,
      );
    }
  }
}

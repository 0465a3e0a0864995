/**
 * The monitor's incremental Merkle root: the frontier (compact range) of the
 * tree, i.e. the hashes of the perfect subtrees of the binary decomposition of
 * its size, left to right (the same nodes as merkle-subtrees.ts `frontier`).
 * Appending a leaf merges it with one subtree per trailing 1 bit of the
 * size; the root folds the frontier from the right (RFC 9162 §2.1.1). So a
 * monitor that kept the frontier of size m needs only the new leaves to get
 * the root of size n, and log2(n) hashes of state.
 */
import { fromBase64, toBase64 } from '../../crypto/base64.ts';
import { EMPTY_ROOT, hashChildren, HASH_BYTES } from '../../crypto/merkle.ts';
import { GridproofError } from '../../errors.ts';

function popcount(n: number): number {
  let count = 0;
  for (let m = n; m > 0; m = Math.floor(m / 2)) count += m % 2;
  return count;
}

/** SHA-256(0x01 || left || right): hashChildren, or the same function through a platform's native hash. */
export type HashChildren = (left: Uint8Array, right: Uint8Array) => Uint8Array;

export class Frontier {
  #size: number;
  readonly #stack: Uint8Array[];
  readonly #hashChildren: HashChildren;

  private constructor(size: number, stack: Uint8Array[], hash: HashChildren) {
    this.#size = size;
    this.#stack = stack;
    this.#hashChildren = hash;
  }

  static empty(hash: HashChildren = hashChildren): Frontier {
    return new Frontier(0, [], hash);
  }

  /** A frontier as saved by toJSON: one hash per 1 bit of size, largest subtree first. */
  static fromJSON(saved: { size: number; hashes: string[] }, hash: HashChildren = hashChildren): Frontier {
    if (!Number.isSafeInteger(saved.size) || saved.size < 0) throw new GridproofError('bad-request', 'frontier size is a non-negative integer');
    if (!Array.isArray(saved.hashes) || saved.hashes.length !== popcount(saved.size)) {
      throw new GridproofError('bad-request', `a frontier of size ${saved.size} has ${popcount(saved.size)} hashes`);
    }
    const stack = saved.hashes.map((hash) => {
      const bytes = typeof hash === 'string' ? fromBase64(hash) : new Uint8Array();
      if (bytes.length !== HASH_BYTES) throw new GridproofError('bad-hash', 'frontier hashes are 32 bytes');
      return bytes;
    });
    return new Frontier(saved.size, stack, hash);
  }

  get size(): number {
    return this.#size;
  }

  append(leafHash: Uint8Array): void {
    if (leafHash.length !== HASH_BYTES) throw new GridproofError('bad-hash', 'a leaf hash is 32 bytes');
    let hash = leafHash;
    for (let n = this.#size; n % 2 === 1; n = (n - 1) / 2) hash = this.#hashChildren(this.#stack.pop()!, hash);
    this.#stack.push(hash);
    this.#size++;
  }

  /** MTH of the leaves appended so far (EMPTY_ROOT for none). */
  root(): Uint8Array {
    let root = this.#stack.at(-1);
    if (root === undefined) return EMPTY_ROOT.slice();
    for (let i = this.#stack.length - 2; i >= 0; i--) root = this.#hashChildren(this.#stack[i]!, root);
    return root;
  }

  toJSON(): { size: number; hashes: string[] } {
    return { size: this.#size, hashes: this.#stack.map(toBase64) };
  }
}

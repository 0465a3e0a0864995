/**
 * Steps 1–2 of verification: the checkpoint under the pinned log key, then
 * each entry's inclusion in it and its parsing as an entry of this log.
 */
import { hashFromBase64, toBase64, utf8 } from '../../crypto/base64.ts';
import { openCheckpoint, type Checkpoint } from '../../crypto/checkpoint.ts';
import type { VerifyFn } from '../../crypto/ed25519.ts';
import { hashLeaf, NodeHashCache, verifyInclusion } from '../../crypto/merkle.ts';
import type { Verifier } from '../../crypto/note.ts';
import { isGridproofError } from '../../errors.ts';
import { parseEntry } from '../entry.ts';
import type { HashB64 } from '../payloads.ts';
import { indexItems, type BundleIndex, type Item } from './bundle-index.ts';
import type { BundleEntry } from './bundle-types.ts';
import type { Reasons } from './reasons.ts';

function message(error: unknown): string {
  return isGridproofError(error) ? `${error.code}: ${error.detail}` : String(error);
}

/** The checkpoint, signed by the log key, of the log the key names; undefined (and a reason) otherwise. */
export function openBundleCheckpoint(text: string, logKey: Verifier, verify: VerifyFn, reasons: Reasons): Checkpoint | undefined {
  try {
    return openCheckpoint(text, logKey, logKey.name, verify);
  } catch (error) {
    reasons.add('bad-checkpoint', message(error));
    return undefined;
  }
}

/**
 * Proof hashes decoded once per distinct spelling: a bundle's proofs repeat
 * their upper nodes, so a month's 30,000 proof hashes are under 3,000 strings.
 * Strict decoding (docs/design.md §2) gives one string one byte value, so the
 * cache changes no verdict.
 */
class ProofHashes {
  readonly #decoded = new Map<string, Uint8Array>();

  decode(text: string): Uint8Array {
    let bytes = this.#decoded.get(text);
    if (bytes === undefined) {
      bytes = hashFromBase64(text);
      this.#decoded.set(text, bytes);
    }
    return bytes;
  }
}

interface ProofCaches {
  nodes: NodeHashCache;
  hashes: ProofHashes;
}

function checkInclusion(entry: BundleEntry, leaf: Uint8Array, checkpoint: Checkpoint, caches: ProofCaches, reasons: Reasons): void {
  if (entry.index >= checkpoint.size) {
    reasons.add('bad-inclusion', `entry ${entry.index} is outside the checkpoint's tree of ${checkpoint.size} entries`);
    return;
  }
  let proof: Uint8Array[];
  try {
    proof = entry.proof.map((text) => caches.hashes.decode(text));
  } catch (error) {
    reasons.add('bad-schema', `entry ${entry.index}: proof ${message(error)}`);
    return;
  }
  try {
    verifyInclusion(entry.index, checkpoint.size, leaf, proof, checkpoint.root, caches.nodes);
  } catch (error) {
    reasons.add('bad-inclusion', `entry ${entry.index}: ${message(error)}`);
  }
}

/**
 * Opens every entry: no index and no bytes twice, inclusion in the checkpoint
 * (skipped when the checkpoint did not open: that is already a reason), a
 * well-formed entry of `origin`. Entries that do not parse are left out of
 * the index, so whatever rests on them is reported as missing.
 */
export function openEntries(entries: readonly BundleEntry[], origin: string, checkpoint: Checkpoint | undefined, reasons: Reasons): BundleIndex {
  const carried = new Set<number>();
  const seen = new Map<HashB64, number>();
  const items: Item[] = [];
  // One set of caches for the whole bundle: its proofs share their upper nodes.
  const caches: ProofCaches = { nodes: new NodeHashCache(), hashes: new ProofHashes() };
  for (const entry of entries) {
    if (carried.has(entry.index)) {
      reasons.add('duplicate-entry', `entry ${entry.index} appears twice`);
      continue;
    }
    carried.add(entry.index);
    let leaf: Uint8Array;
    try {
      leaf = hashLeaf(utf8(entry.bytes));
    } catch (error) {
      reasons.add('bad-entry', `entry ${entry.index}: ${message(error)}`);
      continue;
    }
    const leafHash = toBase64(leaf);
    const twin = seen.get(leafHash);
    if (twin !== undefined) {
      reasons.add('duplicate-entry', `entries ${twin} and ${entry.index} have the same bytes`);
      continue;
    }
    seen.set(leafHash, entry.index);
    if (checkpoint !== undefined) checkInclusion(entry, leaf, checkpoint, caches, reasons);
    try {
      const { payload } = parseEntry(entry.bytes, origin);
      items.push({ index: entry.index, note: entry.bytes, leafHash, payload });
    } catch (error) {
      reasons.add('bad-entry', `entry ${entry.index}: ${message(error)}`);
    }
  }
  return indexItems(items, carried);
}

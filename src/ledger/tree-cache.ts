/**
 * Stored tree nodes and the log size, remembered. A perfect-subtree hash
 * never changes once written (the table is append-only) and the log only
 * grows, so neither can go stale: serving proofs then needs the database only
 * for nodes not seen before. Bounded: the oldest nodes are forgotten first.
 */
import type { GetNode, NodeId, StoredNode } from '../crypto/merkle.ts';
import { readLogSize, readNodes, type Db } from '../db/log.ts';
import { GridproofError } from '../errors.ts';

/** About 100 bytes a node: 64 MB at most. */
const DEFAULT_CAPACITY = 640_000;

const keyOf = (id: NodeId): string => `${id.level}:${id.index}`;

export class TreeCache {
  readonly #db: Db;
  readonly #capacity: number;
  readonly #nodes = new Map<string, Uint8Array>();
  #size = 0;

  constructor(db: Db, capacity = DEFAULT_CAPACITY) {
    this.#db = db;
    this.#capacity = capacity;
  }

  /** The log size, read again only when `atLeast` is beyond what is known. */
  async size(atLeast = Number.POSITIVE_INFINITY): Promise<number> {
    if (atLeast > this.#size) this.#size = await readLogSize(this.#db);
    return this.#size;
  }

  async nodes(ids: readonly NodeId[]): Promise<GetNode> {
    const found = new Map<string, Uint8Array>();
    const missing: NodeId[] = [];
    for (const id of ids) {
      const hash = this.#nodes.get(keyOf(id));
      if (hash) found.set(keyOf(id), hash);
      else missing.push(id);
    }
    if (missing.length > 0) {
      const fetched = await readNodes(this.#db, missing);
      for (const id of missing) {
        const hash = fetched(id);
        found.set(keyOf(id), hash);
        this.#remember(keyOf(id), hash);
      }
    }
    return (id) => {
      const hash = found.get(keyOf(id));
      if (!hash) throw new GridproofError('internal-error', `tree node ${keyOf(id)} was not asked for`);
      return hash;
    };
  }

  /** These nodes from memory alone, or undefined if one is not remembered (no I/O: safe inside a transaction). */
  cached(ids: readonly NodeId[]): GetNode | undefined {
    const found = new Map<string, Uint8Array>();
    for (const id of ids) {
      const hash = this.#nodes.get(keyOf(id));
      if (!hash) return undefined;
      found.set(keyOf(id), hash);
    }
    return (id) => found.get(keyOf(id))!;
  }

  /** Nodes a committed transaction wrote. Never call before COMMIT: a rolled-back append's nodes are not the log's. */
  rememberCommitted(nodes: readonly StoredNode[], size: number): void {
    for (const node of nodes) this.#remember(keyOf(node), node.hash);
    if (size > this.#size) this.#size = size;
  }

  #remember(key: string, hash: Uint8Array): void {
    this.#nodes.set(key, hash);
    if (this.#nodes.size > this.#capacity) this.#nodes.delete(this.#nodes.keys().next().value!);
  }
}

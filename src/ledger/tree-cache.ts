/**
 * Stored tree nodes and the log size, remembered. A perfect-subtree hash
 * never changes once written (the table is append-only) and the log only
 * grows, so neither can go stale.
 *
 * Nodes are kept densely, 32 bytes each, in chunks of consecutive indexes of
 * one level, read whole on a miss: a proof at a random index touches one
 * node per level, and after a while every chunk a log of 10^6 entries has
 * (64 MB) is in memory, so proofs need no query at all. Reads of chunks
 * that arrive while others are under way are gathered into the next query
 * (as group commit does for writes). The oldest chunks are dropped beyond the
 * budget. The right edge of the tree (the frontier an append builds on) is
 * kept aside, so appending in this process reads no node.
 */
import { frontier, HASH_BYTES, type GetNode, type NodeId, type StoredNode } from '../crypto/merkle.ts';
import { readLogSize, readNodeRanges, type Db } from '../db/log.ts';
import { GridproofError } from '../errors.ts';

/** Nodes per chunk: 32 KiB of hashes. */
const CHUNK = 1024;
/** Chunks kept: 64 MiB, every node of a log of about a million entries. */
const DEFAULT_MAX_CHUNKS = 2048;
/** Chunk queries in flight at once: fewer than the pool's connections, so writers keep some. */
const MAX_LOADS = 4;

interface Chunk {
  hashes: Uint8Array;
  /** Nodes held, consecutive from the chunk's first index. */
  count: number;
}

interface Load {
  keys: string[];
  /** The chunks read, whether or not the budget lets the cache keep them. */
  resolve: (read: ReadonlyMap<string, Chunk>) => void;
  reject: (error: unknown) => void;
}

const chunkKey = (level: number, chunk: number): string => `${level}:${chunk}`;
const nodeKey = (id: NodeId): string => `${id.level}:${id.index}`;

function inChunks(chunks: ReadonlyMap<string, Chunk>, id: NodeId): Uint8Array | undefined {
  const chunk = chunks.get(chunkKey(id.level, Math.floor(id.index / CHUNK)));
  const offset = id.index % CHUNK;
  return chunk && offset < chunk.count ? chunk.hashes.subarray(offset * HASH_BYTES, (offset + 1) * HASH_BYTES) : undefined;
}

export class TreeCache {
  readonly #db: Db;
  readonly #maxChunks: number;
  readonly #chunks = new Map<string, Chunk>();
  /** The frontier of `#edgeSize`: at most 63 nodes. */
  #edge = new Map<string, Uint8Array>();
  #edgeSize = 0;
  #size = 0;
  #queued: Load[] = [];
  #loading = 0;

  constructor(db: Db, maxChunks = DEFAULT_MAX_CHUNKS) {
    this.#db = db;
    this.#maxChunks = maxChunks;
  }

  /** The log size, read again only when `atLeast` is beyond what is known. */
  async size(atLeast = Number.POSITIVE_INFINITY): Promise<number> {
    if (atLeast > this.#size) this.#size = await readLogSize(this.#db);
    return this.#size;
  }

  /** The nodes asked for, read from the database only where not remembered. */
  async nodes(ids: readonly NodeId[]): Promise<GetNode> {
    // Taken before waiting: a load may evict a chunk these came from.
    const found = new Map<string, Uint8Array | undefined>(ids.map((id) => [nodeKey(id), this.#lookup(id)]));
    const missing = ids.filter((id) => found.get(nodeKey(id)) === undefined);
    if (missing.length > 0) {
      const keys = new Set(missing.map((id) => chunkKey(id.level, Math.floor(id.index / CHUNK))));
      const read = await new Promise<ReadonlyMap<string, Chunk>>((resolve, reject) => {
        this.#queued.push({ keys: [...keys], resolve, reject });
        this.#startLoads();
      });
      for (const id of missing) found.set(nodeKey(id), inChunks(read, id));
    }
    return (id) => {
      const hash = found.get(nodeKey(id));
      if (!hash) throw new GridproofError('internal-error', `tree node ${nodeKey(id)} is not stored`);
      return hash;
    };
  }

  /** These nodes from memory alone, or undefined if one is not remembered (no I/O: safe inside a transaction). */
  cached(ids: readonly NodeId[]): GetNode | undefined {
    const found = new Map<string, Uint8Array>();
    for (const id of ids) {
      const hash = this.#lookup(id);
      if (!hash) return undefined;
      found.set(nodeKey(id), hash);
    }
    return (id) => found.get(nodeKey(id))!;
  }

  /**
   * Nodes of the committed log: ones an append wrote, after its COMMIT (a
   * rolled-back append's nodes are not the log's), or ones read from it.
   */
  remember(nodes: readonly StoredNode[], size: number): void {
    for (const node of nodes) this.#extend(node);
    if (size >= this.#edgeSize) {
      const given = new Map(nodes.map((node) => [nodeKey(node), node.hash]));
      const edge = new Map<string, Uint8Array>();
      for (const id of frontier(size)) {
        const hash = given.get(nodeKey(id)) ?? this.#lookup(id);
        if (hash) edge.set(nodeKey(id), hash);
      }
      this.#edge = edge;
      this.#edgeSize = size;
    }
    if (size > this.#size) this.#size = size;
  }

  #lookup(id: NodeId): Uint8Array | undefined {
    return inChunks(this.#chunks, id) ?? this.#edge.get(nodeKey(id));
  }

  /** Grows the node's chunk when the node is its next one (a new chunk starts at its first index). */
  #extend(node: StoredNode): void {
    const key = chunkKey(node.level, Math.floor(node.index / CHUNK));
    const offset = node.index % CHUNK;
    let chunk = this.#chunks.get(key);
    if (!chunk && offset === 0) {
      chunk = { hashes: new Uint8Array(CHUNK * HASH_BYTES), count: 0 };
      this.#keep(key, chunk);
    }
    if (chunk && offset === chunk.count) {
      chunk.hashes.set(node.hash, offset * HASH_BYTES);
      chunk.count += 1;
    }
  }

  #keep(key: string, chunk: Chunk): void {
    this.#chunks.delete(key);
    this.#chunks.set(key, chunk);
    if (this.#chunks.size > this.#maxChunks) this.#chunks.delete(this.#chunks.keys().next().value!);
  }

  #startLoads(): void {
    while (this.#loading < MAX_LOADS && this.#queued.length > 0) {
      const loads = this.#queued;
      this.#queued = [];
      this.#loading += 1;
      const keys = [...new Set(loads.flatMap((load) => load.keys))];
      const ranges = keys.map((key) => {
        const [level, chunk] = key.split(':').map(Number) as [number, number];
        return { level, from: chunk * CHUNK, to: (chunk + 1) * CHUNK };
      });
      readNodeRanges(this.#db, ranges)
        .then((rows) => {
          const read = this.#store(keys, rows);
          for (const load of loads) load.resolve(read);
        })
        .catch((error: unknown) => {
          for (const load of loads) load.reject(error);
        })
        .finally(() => {
          this.#loading -= 1;
          this.#startLoads();
        });
    }
  }

  #store(keys: readonly string[], rows: ReadonlyArray<{ level: number; idx: number; hash: Uint8Array }>): ReadonlyMap<string, Chunk> {
    const fresh = new Map<string, Chunk>(keys.map((key) => [key, { hashes: new Uint8Array(CHUNK * HASH_BYTES), count: 0 }]));
    for (const row of rows) {
      const chunk = fresh.get(chunkKey(row.level, Math.floor(row.idx / CHUNK)))!;
      chunk.hashes.set(row.hash, (row.idx % CHUNK) * HASH_BYTES);
      chunk.count += 1;
    }
    for (const [key, chunk] of fresh) this.#keep(key, chunk);
    return fresh;
  }
}

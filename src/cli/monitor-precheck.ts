/**
 * The monitor's leaf hashes, entry parsing and Ed25519 arithmetic on worker
 * threads (platform/worker-pool.ts running monitor-jobs.ts,
 * domain/monitor/precheck.ts), pages ahead, so the main thread replays one
 * page of entries while the workers check the next (docs/design.md §7, §10).
 *
 * The replay (domain/monitor/replay-signatures.ts) still decides, entry by
 * entry in log order, which key may sign it. For a note the workers split
 * (exactly one signature line) it takes their verdict under that key
 * (CheckedSoleLine, crypto/note.ts) instead of splitting the same string
 * again; with no verdict under that key it opens the note in place. The
 * workers try the keys the replay held when the page was handed to them: a
 * key logged since, workers not started yet, a worker that died or a busy
 * pool costs in-place work, never a different verdict, parse or leaf hash.
 */
import type { CheckedSoleLine, Verifier } from '../crypto/note.ts';
import type { Prechecked, PrecheckKey } from '../domain/monitor/precheck.ts';
import { WorkerPool } from '../platform/worker-pool.ts';
import type { PrecheckJob } from './monitor-jobs.ts';

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((byte, i) => byte === b[i]);

/** What the workers found for one page of entries. */
export class PagePrecheck {
  readonly ready: Promise<void>;
  readonly #lines: Array<CheckedSoleLine | undefined>;
  readonly #leafHashes: Array<Uint8Array | undefined>;
  readonly #accepted: Uint8Array;
  readonly #answered: () => void;

  constructor(pool: WorkerPool, notes: readonly Uint8Array[], origin: string, known: readonly Verifier[], answered: () => void = () => undefined) {
    this.#lines = new Array<CheckedSoleLine | undefined>(notes.length);
    this.#leafHashes = new Array<Uint8Array | undefined>(notes.length);
    this.#accepted = new Uint8Array(notes.length);
    this.#answered = answered;
    const keys = known.map(({ name, keyId, publicKey }) => ({ name, keyId, publicKey }));
    const chunks: Array<Promise<void>> = [];
    const per = Math.max(1, Math.ceil(notes.length / pool.size));
    for (let at = 0; at < notes.length; at += per) {
      const first = at;
      chunks.push(
        pool.run<Prechecked>('precheck-entries', { notes: notes.slice(first, first + per), origin, keys } satisfies PrecheckJob).then(
          (result) => this.#take(result, first, keys),
          // A busy pool or a dead worker: these entries are checked in place.
          () => undefined,
        ),
      );
    }
    this.ready = Promise.all(chunks).then(() => undefined);
  }

  #take(result: Prechecked, first: number, keys: readonly PrecheckKey[]): void {
    this.#accepted.set(result.accepted, first);
    result.wellFormed.forEach((well, i) => {
      if (well === 1) this.#leafHashes[first + i] = result.leafHashes.subarray(32 * i, 32 * i + 32);
    });
    // Verifications of one note are adjacent: its candidate keys, all with the line's name and key ID.
    for (let j = 0; j < result.noteOf.length;) {
      const note = result.noteOf[j]!;
      const verdicts: Array<{ publicKey: Uint8Array; ok: boolean }> = [];
      for (; j < result.noteOf.length && result.noteOf[j] === note; j++)
        verdicts.push({ publicKey: keys[result.keyOf[j]!]!.publicKey, ok: result.ok[j] === 1 });
      const { name, keyId } = keys[result.keyOf[j - 1]!]!;
      this.#lines[first + note] = {
        name,
        keyId,
        verdict: (publicKey) => {
          const ok = verdicts.find((verdict) => sameBytes(verdict.publicKey, publicKey))?.ok;
          if (ok !== undefined) this.#answered();
          return ok;
        },
      };
    }
  }

  /** The leaf hash of the page's note i, if a worker computed it. */
  leafHash(i: number): Uint8Array | undefined {
    return this.#leafHashes[i];
  }

  /** Whether a worker found that parseEntry accepts the page's note i (for the origin the page was checked for). */
  accepted(i: number): boolean {
    return this.#accepted[i] === 1;
  }

  /** The page's note i as a worker split and verified it, if it did. */
  checkedLine(i: number): CheckedSoleLine | undefined {
    return this.#lines[i];
  }
}

export class MonitorPrecheck {
  readonly #pool = new WorkerPool({ module: new URL('./monitor-jobs.ts', import.meta.url), name: "the monitor's workers" });
  #ready = false;
  #answered = 0;

  /**
   * Starts the workers. Loading their code takes a while (about a second on
   * two busy cores), so pages go to them only once every one has answered;
   * until then, and in a run too short to wait for them, entries are
   * checked in place. Resolves once they are up (or failed to start).
   */
  async start(): Promise<void> {
    // Built while the first pages are checked in place, rather than blocking them.
    await this.#pool.prepare().catch(() => undefined);
    try {
      this.#pool.warm();
    } catch {
      return; // the workers' code could not be built: every entry is checked in place
    }
    const answers = Array.from({ length: this.#pool.size }, () => this.#pool.run<boolean>('ready', null));
    await Promise.all(answers).then(
      () => {
        this.#ready = true;
      },
      () => undefined,
    );
  }

  /** How many of the replay's signature checks a worker's verdict answered. */
  get answered(): number {
    return this.#answered;
  }

  /** Starts checking a page of notes of log `origin` under the keys the replay holds now; undefined while the workers are not up. */
  page(notes: readonly Uint8Array[], origin: string, known: readonly Verifier[]): PagePrecheck | undefined {
    if (!this.#ready) return undefined;
    return new PagePrecheck(this.#pool, notes, origin, known, () => this.#answered++);
  }

  /** Ends the workers (pages still being checked are then checked in place). */
  close(): Promise<void> {
    return this.#pool.close();
  }
}

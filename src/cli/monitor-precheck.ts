/**
 * The monitor's leaf hashes, entry parsing and Ed25519 arithmetic on worker
 * threads (platform/worker-pool.ts running monitor-jobs.ts,
 * domain/monitor/precheck.ts), pages ahead, so the main thread replays one
 * page of entries while the workers check the next (docs/design.md §7, §10).
 *
 * The replay (domain/monitor/replay-signatures.ts) still decides, entry by
 * entry in log order, which keys may sign it, and still calls its VerifyFn
 * with the key, the message and the signature. The VerifyFn given to it
 * answers from a worker's verdict only when the key, the message and the
 * signature are byte for byte those the worker verified, and otherwise
 * verifies in place. The workers try the keys the replay held when the page
 * was handed to them: a key logged since, workers not started yet, a worker
 * that died or a busy pool costs in-place work, never a different verdict,
 * parse or leaf hash.
 */
import type { VerifyFn } from '../crypto/ed25519.ts';
import type { Verifier } from '../crypto/note.ts';
import type { Prechecked } from '../domain/monitor/precheck.ts';
import { WorkerPool } from '../platform/worker-pool.ts';
import type { PrecheckJob } from './monitor-jobs.ts';

interface Verdict {
  publicKey: Buffer;
  message: Buffer;
  ok: boolean;
}

const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const signatureKey = (signature: Uint8Array): string => asBuffer(signature).toString('latin1');

/** What the workers found for one page of entries. */
export class PagePrecheck {
  readonly ready: Promise<void>;
  readonly #verdicts = new Map<string, Verdict[]>();
  readonly #leafHashes: Array<Uint8Array | undefined>;
  readonly #accepted: Uint8Array;

  constructor(pool: WorkerPool, notes: readonly string[], origin: string, known: readonly Verifier[]) {
    this.#leafHashes = new Array<Uint8Array | undefined>(notes.length);
    this.#accepted = new Uint8Array(notes.length);
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

  #take(result: Prechecked, first: number, keys: ReadonlyArray<{ publicKey: Uint8Array }>): void {
    this.#accepted.set(result.accepted, first);
    result.wellFormed.forEach((well, i) => {
      if (well === 1) this.#leafHashes[first + i] = result.leafHashes.subarray(32 * i, 32 * i + 32);
    });
    result.ok.forEach((ok, j) => {
      const signature = result.signatures.subarray(64 * j, 64 * j + 64);
      const verdict = {
        publicKey: asBuffer(keys[result.keyOf[j]!]!.publicKey),
        message: asBuffer(result.messages.subarray(j === 0 ? 0 : result.ends[j - 1]!, result.ends[j]!)),
        ok: ok === 1,
      };
      const key = signatureKey(signature);
      const same = this.#verdicts.get(key);
      if (same) same.push(verdict);
      else this.#verdicts.set(key, [verdict]);
    });
  }

  /** The leaf hash of the page's note i, if a worker computed it. */
  leafHash(i: number): Uint8Array | undefined {
    return this.#leafHashes[i];
  }

  /** Whether a worker found that parseEntry accepts the page's note i (for the origin the page was checked for). */
  accepted(i: number): boolean {
    return this.#accepted[i] === 1;
  }

  /** A worker's verdict on exactly these bytes, if there is one. */
  verdict(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean | undefined {
    const candidates = this.#verdicts.get(signatureKey(signature));
    if (candidates === undefined) return undefined;
    const key = asBuffer(publicKey);
    const text = asBuffer(message);
    return candidates.find((verdict) => verdict.publicKey.equals(key) && verdict.message.equals(text))?.ok;
  }
}

export class MonitorPrecheck {
  readonly #inPlace: VerifyFn;
  readonly #pool = new WorkerPool({ module: new URL('./monitor-jobs.ts', import.meta.url), name: "the monitor's workers" });
  #current: PagePrecheck | undefined;
  #ready = false;
  #answered = 0;

  /** `inPlace` verifies what the workers did not. */
  constructor(inPlace: VerifyFn) {
    this.#inPlace = inPlace;
  }

  /**
   * Starts the workers. Loading their code takes a while (about a second on
   * two busy cores), so pages go to them only once every one has answered;
   * until then, and in a run too short to wait for them, entries are
   * checked in place. Resolves once they are up (or failed to start).
   */
  start(): Promise<void> {
    this.#pool.warm();
    const answers = Array.from({ length: this.#pool.size }, () => this.#pool.run<boolean>('ready', null));
    return Promise.all(answers).then(
      () => {
        this.#ready = true;
      },
      () => undefined,
    );
  }

  /** The VerifyFn to give the replay: a worker's verdict on the same bytes, else `inPlace`. */
  readonly verify: VerifyFn = (publicKey, message, signature) => {
    const verdict = this.#current?.verdict(publicKey, message, signature);
    if (verdict === undefined) return this.#inPlace(publicKey, message, signature);
    this.#answered++;
    return verdict;
  };

  /** How many of the replay's verifications a worker answered. */
  get answered(): number {
    return this.#answered;
  }

  /** Starts checking a page of notes of log `origin` under the keys the replay holds now; undefined while the workers are not up. */
  page(notes: readonly string[], origin: string, known: readonly Verifier[]): PagePrecheck | undefined {
    if (!this.#ready) return undefined;
    return new PagePrecheck(this.#pool, notes, origin, known);
  }

  /** The page being replayed: its verdicts answer `verify` until the next. */
  use(page: PagePrecheck | undefined): void {
    this.#current = page;
  }

  /** Ends the workers (pages still being checked are then checked in place). */
  close(): Promise<void> {
    return this.#pool.close();
  }
}

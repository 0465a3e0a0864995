/**
 * The monitor's leaf hashes and Ed25519 arithmetic on the shared worker pool
 * (ledger/cpu-pool.ts, domain/monitor/precheck.ts), a page ahead, so the
 * main thread parses and replays one page of entries while the workers check
 * the next (docs/design.md §7, §10).
 *
 * The replay (domain/monitor/replay-signatures.ts) still decides, entry by
 * entry in log order, which keys may sign it, and still calls its VerifyFn
 * with the key, the message and the signature. The VerifyFn given to it
 * answers from a worker's verdict only when the key, the message and the
 * signature are byte for byte those the worker verified, and otherwise
 * verifies in place. The workers try the keys the replay held one page
 * earlier: a key logged since, a worker that died or a busy pool costs
 * in-place work, never a different verdict or leaf hash.
 */
import type { VerifyFn } from '../crypto/ed25519.ts';
import type { Verifier } from '../crypto/note.ts';
import type { Prechecked } from '../domain/monitor/precheck.ts';
import { cpuPool, precheckOnPool } from '../ledger/cpu-pool.ts';

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

  constructor(notes: readonly string[], known: readonly Verifier[], workers: number) {
    this.#leafHashes = new Array<Uint8Array | undefined>(notes.length);
    const keys = known.map(({ name, keyId, publicKey }) => ({ name, keyId, publicKey }));
    const chunks: Array<Promise<void>> = [];
    const per = Math.max(1, Math.ceil(notes.length / Math.max(1, workers)));
    for (let at = 0; at < notes.length; at += per) {
      const first = at;
      chunks.push(
        precheckOnPool(notes.slice(first, first + per), keys).then(
          (result) => this.#take(result, first, keys),
          // A busy pool or a dead worker: these entries are checked in place.
          () => undefined,
        ),
      );
    }
    this.ready = Promise.all(chunks).then(() => undefined);
  }

  #take(result: Prechecked, first: number, keys: ReadonlyArray<{ publicKey: Uint8Array }>): void {
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
  #current: PagePrecheck | undefined;

  /** `inPlace` verifies what the workers did not. */
  constructor(inPlace: VerifyFn) {
    this.#inPlace = inPlace;
    cpuPool().warm();
  }

  /** The VerifyFn to give the replay: a worker's verdict on the same bytes, else `inPlace`. */
  readonly verify: VerifyFn = (publicKey, message, signature) =>
    this.#current?.verdict(publicKey, message, signature) ?? this.#inPlace(publicKey, message, signature);

  /** Starts checking a page of notes under the keys the replay holds now. */
  page(notes: readonly string[], known: readonly Verifier[]): PagePrecheck {
    return new PagePrecheck(notes, known, cpuPool().size);
  }

  /** The page being replayed: its verdicts answer `verify` until the next. */
  use(page: PagePrecheck | undefined): void {
    this.#current = page;
  }
}

/**
 * Getting checkpoints witnessed (C2SP tlog-witness, docs/witnesses.md): the
 * latest checkpoint goes to every configured witness with a consistency
 * proof from the size that witness last cosigned; the cosignatures that come
 * back are checked and stored (migration 015).
 *
 * Each witness has its own loop state and at most one request in flight, so
 * a slow or dead witness delays no other witness and nothing else in the
 * service: `poke` starts requests and returns at once. A failure backs off
 * exponentially (1 s doubling to 5 min). On 409 the witness states the size
 * it last cosigned; the next request starts from there (the spec's way for
 * a log to learn a witness's state, also after the witness lost it).
 */
import { CosignerKeyCache, openCosignatures, parseSignatureLines } from '../crypto/cosignature.ts';
import { cosignedSizes, insertCosignature } from '../db/cosignatures.ts';
import { latestCheckpoint, type CheckpointRow } from '../db/checkpoints.ts';
import { formatAddCheckpoint } from '../domain/witness.ts';
import type { Ledger } from './ledger.ts';
import { proveConsistency } from './proofs.ts';

const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 5 * 60_000;
const REQUEST_TIMEOUT_MS = 10_000;

export interface WitnessProgress {
  vkey: string;
  name: string;
  url: string;
  /** The largest size this witness cosigned for us; undefined before the first. */
  cosignedSize: number | undefined;
  lastError: string | undefined;
  /** ISO 8601. */
  lastAttemptAt: string | undefined;
  nextAttemptAt: string | undefined;
}

interface Loop {
  cosignedSize: number | undefined;
  /** A size the witness stated in a 409, to start the next request from. */
  statedSize: number | undefined;
  failures: number;
  notBefore: number;
  lastError: string | undefined;
  lastAttemptAt: number | undefined;
  inFlight: Promise<void> | undefined;
}

export class CheckpointWitnessing {
  readonly #ledger: Ledger;
  readonly #loops = new Map<string, Loop>();
  readonly #keys = new CosignerKeyCache();
  #loaded: Promise<void> | undefined;

  constructor(ledger: Ledger) {
    this.#ledger = ledger;
    for (const w of ledger.witnesses) {
      this.#loops.set(w.vkey, {
        cosignedSize: undefined,
        statedSize: undefined,
        failures: 0,
        notBefore: 0,
        lastError: undefined,
        lastAttemptAt: undefined,
        inFlight: undefined,
      });
    }
  }

  /** Where each witness stands, from the database once, then from the loops. */
  async #load(): Promise<void> {
    this.#loaded ??= cosignedSizes(this.#ledger.db, [...this.#loops.keys()]).then((sizes) => {
      for (const [vkey, size] of sizes) this.#loops.get(vkey)!.cosignedSize = size;
    });
    await this.#loaded;
  }

  /** Starts a request to every witness that is idle, due and behind the latest checkpoint; never waits for them. */
  async poke(): Promise<void> {
    if (this.#loops.size === 0) return;
    await this.#load();
    const checkpoint = await latestCheckpoint(this.#ledger.db);
    if (!checkpoint) return;
    const now = this.#ledger.now();
    for (const witness of this.#ledger.witnesses) {
      const loop = this.#loops.get(witness.vkey)!;
      if (loop.inFlight || now < loop.notBefore || loop.cosignedSize === checkpoint.size) continue;
      loop.inFlight = this.#submit(witness.vkey, witness.url, loop, checkpoint).finally(() => {
        loop.inFlight = undefined;
      });
    }
  }

  /** Waits for the requests in flight (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.#loops.values()].map((loop) => loop.inFlight));
  }

  progress(): WitnessProgress[] {
    return this.#ledger.witnesses.map((w) => {
      const loop = this.#loops.get(w.vkey)!;
      const iso = (ms: number | undefined) => (ms === undefined || ms === 0 ? undefined : new Date(ms).toISOString());
      return {
        vkey: w.vkey,
        name: this.#keys.get(w.vkey).name,
        url: w.url,
        cosignedSize: loop.cosignedSize,
        lastError: loop.lastError,
        lastAttemptAt: iso(loop.lastAttemptAt),
        nextAttemptAt: loop.failures > 0 ? iso(loop.notBefore) : undefined,
      };
    });
  }

  async #submit(vkey: string, url: string, loop: Loop, checkpoint: CheckpointRow): Promise<void> {
    loop.lastAttemptAt = this.#ledger.now();
    try {
      // At most two tries: the second starts from the size a 409 stated.
      for (let attempt = 0; attempt < 2; attempt++) {
        const old = loop.statedSize ?? loop.cosignedSize ?? 0;
        if (old > checkpoint.size) throw new Error(`the witness says it cosigned size ${old}, beyond our latest checkpoint ${checkpoint.size}`);
        const proof = old > 0 && old < checkpoint.size ? (await proveConsistency(this.#ledger, old, checkpoint.size)).proof : [];
        const response = await fetch(`${url}/add-checkpoint`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain; charset=utf-8' },
          body: formatAddCheckpoint(old, proof, checkpoint.note),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        const body = await response.text();
        if (response.status === 200) {
          await this.#store(vkey, checkpoint, body);
          loop.cosignedSize = checkpoint.size;
          loop.statedSize = undefined;
          loop.failures = 0;
          loop.notBefore = 0;
          loop.lastError = undefined;
          return;
        }
        const stated = response.status === 409 ? /^(0|[1-9][0-9]*)\n$/.exec(body) : null;
        if (stated === null) throw new Error(`HTTP ${response.status}: ${body.slice(0, 200)}`);
        const size = Number(stated[1]);
        if (size === old) throw new Error(`the witness refuses the checkpoint of size ${checkpoint.size} (409 at its size ${size})`);
        loop.statedSize = size;
      }
      throw new Error('the witness keeps changing its stated size');
    } catch (error) {
      loop.failures++;
      loop.lastError = error instanceof Error ? error.message : String(error);
      loop.notBefore = this.#ledger.now() + Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (loop.failures - 1));
    }
  }

  /** Keeps each line that is a valid cosignature by this witness of this checkpoint. */
  async #store(vkey: string, checkpoint: CheckpointRow, body: string): Promise<void> {
    const key = this.#keys.get(vkey);
    for (const line of parseSignatureLines(body)) {
      const [cosignature] = openCosignatures(`${checkpoint.note}${line}`, [key], this.#ledger.verify).valid;
      if (cosignature === undefined) continue;
      await insertCosignature(this.#ledger.db, { size: checkpoint.size, witness: vkey, line, signed_at: cosignature.timestamp });
      return;
    }
    throw new Error('the answer holds no valid cosignature by this witness');
  }
}

/** Pokes the witnesses on a fixed cadence; returns a stop function that waits for requests in flight. */
export function startWitnessing(witnessing: CheckpointWitnessing, everyMs: number, onError: (error: unknown) => void): () => Promise<void> {
  const timer = setInterval(() => {
    witnessing.poke().catch(onError);
  }, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await witnessing.idle();
  };
}

/**
 * Group commit (docs/design.md §3): requests queue their
 * prepared readings; one writer takes everything queued, checks it against
 * the chain heads and keys read under the head lock, and appends it in one
 * transaction. Requests that arrive while a batch commits form the next one,
 * so throughput does not fall to one commit per request. A promise resolves
 * only after COMMIT: a success is durable.
 */
import { commitReadings, type EntryResult, type PreparedReading } from './commit-readings.ts';
import type { Ledger } from './ledger.ts';

export type { EntryResult, PreparedReading } from './commit-readings.ts';

interface Job {
  items: PreparedReading[];
  resolve: (results: EntryResult[]) => void;
  reject: (error: unknown) => void;
}

/** Readings per transaction: big enough to amortise the commit, small enough to keep latency low. */
const MAX_BATCH = 2000;

export class Sequencer {
  readonly #ledger: Ledger;
  #queue: Job[] = [];
  #draining: Promise<void> | undefined;

  constructor(ledger: Ledger) {
    this.#ledger = ledger;
  }

  submit(items: PreparedReading[]): Promise<EntryResult[]> {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.#queue.push({ items, resolve, reject });
      this.#draining ??= this.#drain().finally(() => {
        this.#draining = undefined;
      });
    });
  }

  /** Resolves when everything queued so far is committed (graceful close). */
  async idle(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      // Let the event loop read the requests that arrived meanwhile: an
      // embedded database answers without yielding, and the batch would
      // otherwise hold one request only.
      await new Promise((resolve) => setImmediate(resolve));
      const batch = this.#takeBatch();
      try {
        const results = await commitReadings(
          this.#ledger,
          batch.flatMap((job) => job.items),
        );
        let offset = 0;
        for (const job of batch) {
          job.resolve(results.slice(offset, offset + job.items.length));
          offset += job.items.length;
        }
      } catch (error) {
        // An unexpected failure must not take other requests down with it:
        // retry each job on its own, so only the job that fails fails.
        if (batch.length === 1) batch[0]!.reject(error);
        else for (const job of batch) await commitReadings(this.#ledger, job.items).then(job.resolve, job.reject);
      }
    }
  }

  #takeBatch(): Job[] {
    const batch: Job[] = [];
    let count = 0;
    while (this.#queue.length > 0 && (batch.length === 0 || count + this.#queue[0]!.items.length <= MAX_BATCH)) {
      const job = this.#queue.shift()!;
      batch.push(job);
      count += job.items.length;
    }
    return batch;
  }
}

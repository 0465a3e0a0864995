/**
 * Hands the intake's checks to the shared CPU pool (docs/design.md §4):
 * signature checks, and the first check of each device key. Checks from
 * concurrent requests are queued together and sent as one job per free
 * worker, so a thousand single-reading requests cost a few dozen messages,
 * not a thousand, and the pool's own queue (shared with bundle
 * verification) never fills with intake work: each batcher has at most one
 * job per worker out at a time. A job that fails (its worker died: 503 `unavailable`)
 * fails every request it held a check of, and nothing else; the pool
 * replaces the worker.
 */

/** Runs one job: one output per item, in order. */
type RunJob<I, O> = (items: I[]) => Promise<O[]>;

interface Waiting<I, O> {
  item: I;
  resolve: (outcome: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Checks per job: enough to amortise a message (tens of µs against about
 * 100 µs per signature check), few enough that a batch is spread over every
 * worker and its first part comes back early.
 */
const MAX_PER_JOB = 64;

/**
 * Fewer checks than this are not split over workers: on this kind of machine
 * waking a worker (postMessage) costs about as much as verifying a few
 * signatures, and a CPU profile of 64 single-reading clients spent a tenth of
 * the event loop in it.
 */
const MIN_PER_JOB = 16;

export class PoolBatcher<I, O> {
  readonly #run: RunJob<I, O>;
  readonly #lanes: number;
  readonly #queue: Array<Waiting<I, O>> = [];
  #out = 0;
  #scheduled = false;

  constructor(run: RunJob<I, O>, lanes: number) {
    this.#run = run;
    this.#lanes = Math.max(1, lanes);
  }

  /** One outcome per item, in order; rejects (with the pool's error) if a job holding one of them fails. */
  check(items: readonly I[]): Promise<O[]> {
    const outcomes = items.map((item) => new Promise<O>((resolve, reject) => this.#queue.push({ item, resolve, reject })));
    if (this.#queue.length >= MAX_PER_JOB) this.#dispatch();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.#dispatch();
      });
    }
    return Promise.all(outcomes);
  }

  #dispatch(): void {
    while (this.#out < this.#lanes && this.#queue.length > 0) {
      // Spread what is queued over the free workers.
      const size = Math.min(MAX_PER_JOB, Math.max(MIN_PER_JOB, Math.ceil(this.#queue.length / (this.#lanes - this.#out))));
      const job = this.#queue.splice(0, size);
      this.#out++;
      this.#run(job.map((waiting) => waiting.item))
        .then(
          (outcomes) => job.forEach((waiting, i) => waiting.resolve(outcomes[i]!)),
          (error: unknown) => job.forEach((waiting) => waiting.reject(error)),
        )
        .finally(() => {
          this.#out--;
          this.#dispatch();
        });
    }
  }
}

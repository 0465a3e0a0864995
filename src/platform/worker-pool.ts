/**
 * A fixed pool of worker threads for CPU-heavy jobs (signature checks, bundle
 * verification), so the event loop keeps answering while they run. Sized to
 * the cores by default; each worker holds one job at a time, and at most
 * `maxQueued` jobs wait for a free worker: beyond that a job is refused at
 * once with 503 `unavailable` rather than piling up work nobody will wait for.
 * A worker that dies fails only the job it held (503 `unavailable`, never a
 * hang) and is replaced before the next job is handed out. Background work
 * (matching's planning), which no client waits for, is queued whatever the
 * bound: it is refused only by a closed pool or a dead worker.
 *
 * Workers are TypeScript modules that call serveJobs (worker-pool-host.ts).
 * A worker does not load them through the tsx loader the process uses
 * (bin/gridproof.js): each worker would start a loader thread of its own and
 * transform file after file, about a second of CPU per worker on two cores.
 * The pool bundles its module once per process with esbuild (already used to
 * build the web app) into one ES module that every worker it starts
 * evaluates from a data: URL (docs/design.md §10). Idle workers are
 * unreferenced, so the pool never keeps a process alive.
 */
import { build, buildSync, type BuildOptions, type BuildResult } from 'esbuild';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { GridproofError, type ErrorCode } from '../errors.ts';

export interface JobRequest {
  id: number;
  kind: string;
  input: unknown;
}

export type JobReply = { id: number; result: unknown } | { id: number; error: { code?: ErrorCode; detail: string } };

export interface RunOptions {
  /** Buffers of `input` moved to the worker rather than copied (detached here). */
  transfer?: ArrayBuffer[];
  /** Work no request waits for: waits for a worker however many jobs are queued. */
  background?: boolean;
}

export interface WorkerPoolOptions {
  /** The worker module's URL (a file: URL to a .ts module calling serveJobs). */
  module: URL;
  /** Default: os.availableParallelism(). */
  size?: number;
  /** Jobs that may wait for a free worker; default 4 per worker. */
  maxQueued?: number;
  /** Names the pool in errors. */
  name: string;
}

const bundles = new Map<string, URL>();

/**
 * How `module` and everything it imports become one ES module. Packages
 * written as CommonJS (ajv) may require Node's built-in modules, which an ES
 * module can reach only through a require made for it.
 */
const bundleOptions = (module: URL): BuildOptions & { write: false } => ({
  entryPoints: [fileURLToPath(module)],
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  write: false,
  logLevel: 'error',
  banner: { js: `import { createRequire } from 'node:module'; const require = createRequire(${JSON.stringify(module.href)});` },
});

const dataUrl = (result: BuildResult<{ write: false }>): URL =>
  new URL(`data:text/javascript;base64,${Buffer.from(result.outputFiles[0]!.contents).toString('base64')}`);

/** The bundle of `module`, built now (blocking) unless prepare() built it already. */
function bundled(module: URL): URL {
  let script = bundles.get(module.href);
  if (script === undefined) {
    script = dataUrl(buildSync(bundleOptions(module)));
    bundles.set(module.href, script);
  }
  return script;
}

interface Job {
  id: number;
  kind: string;
  input: unknown;
  transfer: ArrayBuffer[];
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface Slot {
  thread: Worker;
  job: Job | undefined;
}

export class WorkerPool {
  readonly size: number;
  readonly maxQueued: number;
  readonly #name: string;
  readonly #module: URL;
  readonly #slots: Slot[] = [];
  readonly #queue: Job[] = [];
  #nextId = 0;
  #closed = false;

  constructor(options: WorkerPoolOptions) {
    this.size = Math.max(1, options.size ?? availableParallelism());
    this.maxQueued = Math.max(0, options.maxQueued ?? 4 * this.size);
    this.#name = options.name;
    this.#module = options.module;
  }

  /** Jobs held by a worker now. */
  get running(): number {
    return this.#slots.filter((slot) => slot.job !== undefined).length;
  }

  /** Jobs waiting for a worker. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Runs `kind` on a worker; its result, its GridproofError, or 503 `unavailable` when the pool is full or the worker died. */
  run<T>(kind: string, input: unknown, { transfer = [], background = false }: RunOptions = {}): Promise<T> {
    if (this.#closed) return Promise.reject(new GridproofError('unavailable', `${this.#name} is closed`));
    let free: Slot | undefined;
    try {
      free = this.#freeSlot();
    } catch (error) {
      // The workers' code could not be built: no job can run.
      return Promise.reject(new GridproofError('unavailable', `${this.#name} cannot start a worker: ${(error as Error).message}`));
    }
    if (free === undefined && !background && this.#queue.length >= this.maxQueued) {
      return Promise.reject(new GridproofError('unavailable', `${this.#name} is busy (${this.#queue.length} jobs waiting); try again shortly`));
    }
    return new Promise<T>((resolve, reject) => {
      const job: Job = { id: this.#nextId++, kind, input, transfer, resolve: resolve as (value: unknown) => void, reject };
      if (free === undefined) this.#queue.push(job);
      else this.#give(free, job);
    });
  }

  /**
   * Builds the workers' bundle without blocking the event loop (a few hundred
   * milliseconds), for a caller that has other work meanwhile; a worker
   * started before it is ready builds it in place.
   */
  async prepare(): Promise<void> {
    if (!bundles.has(this.#module.href)) bundles.set(this.#module.href, dataUrl(await build(bundleOptions(this.#module))));
  }

  /**
   * Starts every worker now rather than on first use, so the first jobs do
   * not wait for threads to boot (loading their modules takes a while).
   */
  warm(): void {
    while (!this.#closed && this.#slots.length < this.size) this.#spawn();
  }

  /** Ends every worker; jobs held or waiting reject with `unavailable`. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.reject(new GridproofError('unavailable', `${this.#name} closed`));
    const slots = this.#slots.splice(0);
    for (const slot of slots) {
      slot.job?.reject(new GridproofError('unavailable', `${this.#name} closed`));
      slot.job = undefined;
    }
    await Promise.all(slots.map((slot) => slot.thread.terminate()));
  }

  /** The worker threads (for operators' diagnostics and tests that kill one). */
  threads(): Worker[] {
    return this.#slots.map((slot) => slot.thread);
  }

  #freeSlot(): Slot | undefined {
    const idle = this.#slots.find((slot) => slot.job === undefined);
    if (idle !== undefined) return idle;
    return this.#slots.length < this.size ? this.#spawn() : undefined;
  }

  #spawn(): Slot {
    const thread = new Worker(bundled(this.#module));
    thread.unref();
    const slot: Slot = { thread, job: undefined };
    // Unreferenced again once running: a thread that came up holding no job must not keep the process alive.
    thread.once('online', () => {
      if (slot.job === undefined) thread.unref();
    });
    thread.on('message', (reply: JobReply) => {
      const job = slot.job;
      if (job === undefined || job.id !== reply.id) return;
      slot.job = undefined;
      if ('result' in reply) job.resolve(reply.result);
      else
        job.reject(
          reply.error.code === undefined ? new Error(`${this.#name}: ${reply.error.detail}`) : new GridproofError(reply.error.code, reply.error.detail),
        );
      this.#next(slot);
    });
    const died = (why: string) => {
      const at = this.#slots.indexOf(slot);
      if (at === -1) return;
      this.#slots.splice(at, 1);
      const job = slot.job;
      slot.job = undefined;
      job?.reject(new GridproofError('unavailable', `${this.#name}: the worker running this job ${why}`));
      // Replaced before the waiting jobs are handed out again.
      if (!this.#closed && this.#queue.length > 0) this.#next(this.#spawn());
    };
    thread.on('error', (error) => died(`failed: ${error.message}`));
    thread.on('exit', (code) => died(`exited with code ${code}`));
    this.#slots.push(slot);
    return slot;
  }

  #give(slot: Slot, job: Job): void {
    slot.job = job;
    // Referenced while a job is out, so a caller waiting on it is not cut short.
    slot.thread.ref();
    slot.thread.postMessage({ id: job.id, kind: job.kind, input: job.input } satisfies JobRequest, job.transfer);
  }

  #next(slot: Slot): void {
    const job = this.#queue.shift();
    if (job === undefined) slot.thread.unref();
    else this.#give(slot, job);
  }
}

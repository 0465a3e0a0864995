/**
 * Background work on a cadence that outlives failures: the checkpoint
 * publisher and automatic matching. A run that fails (the database is
 * restarting, say) is reported and tried again after a delay that doubles
 * up to `maxDelayMs`; the first success returns to the normal cadence. Runs
 * never overlap, and nothing here ever ends the process.
 */
export interface RepeatOptions {
  everyMs: number;
  /** The longest wait after repeated failures. */
  maxDelayMs?: number;
  onError: (error: unknown, failures: number, retryInMs: number) => void;
}

/** The wait before the next run after `failures` failures in a row. */
export function backoffMs(everyMs: number, failures: number, maxDelayMs: number): number {
  if (failures === 0) return everyMs;
  return Math.min(maxDelayMs, Math.max(everyMs, 250) * 2 ** Math.min(failures - 1, 20));
}

/** Starts the loop; the returned function stops it and waits for a run in progress. */
export function repeat(task: () => Promise<unknown>, options: RepeatOptions): () => Promise<void> {
  const maxDelayMs = options.maxDelayMs ?? Math.max(options.everyMs, 30_000);
  let failures = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const schedule = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = run();
    }, delayMs);
    timer.unref();
  };
  const run = async () => {
    try {
      await task();
      failures = 0;
    } catch (error) {
      failures += 1;
      try {
        options.onError(error, failures, backoffMs(options.everyMs, failures, maxDelayMs));
      } catch {
        // A failing reporter must not stop the loop.
      }
    }
    schedule(backoffMs(options.everyMs, failures, maxDelayMs));
  };
  schedule(options.everyMs);
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}

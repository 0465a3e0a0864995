/**
 * The progress of `gridproof monitor` through the entries: a bar on stderr
 * when it is a terminal.
 */
import cliProgress from 'cli-progress';

export interface MonitorProgress {
  start(total: number): void;
  update(done: number): void;
  stop(): void;
}

export function progressBar(): MonitorProgress | undefined {
  if (!process.stderr.isTTY) return undefined;
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'entries [{bar}] {value}/{total} {percentage}% | ETA {eta_formatted}', hideCursor: true, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  let running = false;
  return {
    start(total) {
      if (total > 0) {
        bar.start(total, 0);
        running = true;
      }
    },
    update(done) {
      if (running) bar.update(done);
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}

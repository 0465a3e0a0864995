/**
 * CPU time by thread, from Linux's /proc (proc(5): utime and stime, fields 14
 * and 15 of a stat line, in clock ticks), for the bench's "where a reading's
 * CPU goes" figures (docs/design.md §10). Wall time cannot say whether a ratio
 * is bounded by waiting or by the cores; CPU time per thread can.
 *
 * The process's threads are told apart without naming them: the event loop
 * is the thread whose id is the process id; during an intake run, the pool's
 * workers are the busiest other threads (verification dwarfs what V8's and
 * libuv's helper threads do), so the `poolSize` busiest are counted as the
 * pool and the rest as helpers. PostgreSQL's share is every `postgres`
 * process of the machine (backends, WAL writer, checkpointer): run on a quiet
 * machine, as every bench is.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's times: USER_HZ, 100 on every Linux this runs on (sysconf(_SC_CLK_TCK)). */
const TICKS_PER_SECOND = 100;

/** utime + stime of one stat line, in ticks; the command name may hold spaces, so fields count from its closing parenthesis. */
function ticksOf(statLine: string): { comm: string; ticks: number } {
  const open = statLine.indexOf('(');
  const close = statLine.lastIndexOf(')');
  const fields = statLine.slice(close + 2).split(' ');
  // After "pid (comm)", field 3 (state) is fields[0], so field n is fields[n - 3].
  return { comm: statLine.slice(open + 1, close), ticks: Number(fields[14 - 3]) + Number(fields[15 - 3]) };
}

function readTicks(path: string): { comm: string; ticks: number } | undefined {
  try {
    return ticksOf(readFileSync(path, 'utf8'));
  } catch {
    return undefined; // the thread or process ended between listing and reading
  }
}

export interface CpuSnapshot {
  /** Ticks per thread of this process, by thread id. */
  threads: Map<number, number>;
  /** Ticks of every process named postgres, by pid. */
  postgres: Map<number, number>;
}

export function cpuSnapshot(): CpuSnapshot {
  const threads = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    const read = readTicks(`/proc/self/task/${tid}/stat`);
    if (read) threads.set(Number(tid), read.ticks);
  }
  const postgres = new Map<number, number>();
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    const read = readTicks(`/proc/${pid}/stat`);
    if (read?.comm === 'postgres') postgres.set(Number(pid), read.ticks);
  }
  return { threads, postgres };
}

/** CPU in µs per item, by part, between two snapshots. */
export interface CpuSplit {
  eventLoop: number;
  pool: number;
  helpers: number;
  postgres: number;
  total: number;
}

const delta = (before: Map<number, number>, after: Map<number, number>): Map<number, number> =>
  new Map([...after].map(([id, ticks]) => [id, ticks - (before.get(id) ?? 0)]));

export function cpuSplit(before: CpuSnapshot, after: CpuSnapshot, items: number, poolSize: number): CpuSplit {
  const perItemUs = (ticks: number) => ((ticks / TICKS_PER_SECOND) * 1e6) / items;
  const threads = delta(before.threads, after.threads);
  const eventLoop = threads.get(process.pid) ?? 0;
  threads.delete(process.pid);
  const busiest = [...threads.values()].sort((a, b) => b - a);
  const pool = busiest.slice(0, poolSize).reduce((sum, ticks) => sum + ticks, 0);
  const helpers = busiest.slice(poolSize).reduce((sum, ticks) => sum + ticks, 0);
  const postgres = [...delta(before.postgres, after.postgres).values()].reduce((sum, ticks) => sum + ticks, 0);
  const split = { eventLoop: perItemUs(eventLoop), pool: perItemUs(pool), helpers: perItemUs(helpers), postgres: perItemUs(postgres) };
  return { ...split, total: split.eventLoop + split.pool + split.helpers + split.postgres };
}

/**
 * PoolBatcher (src/ledger/pool-batcher.ts): checks from concurrent callers
 * share jobs, never more than one job per lane is out, each caller gets its
 * own outputs in order, and a failed job fails only the callers it held.
 * The job runner here is a plain function with a controllable delay, not the
 * worker pool: what is tested is the batching.
 */
import t from 'tap';
import { PoolBatcher } from '../../src/ledger/pool-batcher.ts';

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

/** A runner that doubles numbers after a delay, fails jobs holding a negative one, and records what it ran. */
function recordingRunner() {
  const jobs: number[][] = [];
  let out = 0;
  let maxOut = 0;
  const run = async (items: number[]): Promise<number[]> => {
    jobs.push(items);
    maxOut = Math.max(maxOut, ++out);
    await tick(5);
    out--;
    if (items.some((item) => item < 0)) throw new Error('job failed');
    return items.map((item) => item * 2);
  };
  return { run, jobs, maxOut: () => maxOut };
}

t.test('concurrent callers share jobs, get their own outputs in order, and never more jobs out than lanes', async (t) => {
  const runner = recordingRunner();
  const batcher = new PoolBatcher(runner.run, 2);
  const callers = Array.from({ length: 50 }, (_, c) => [c * 10, c * 10 + 1, c * 10 + 2]);
  const outputs = await Promise.all(callers.map((items) => batcher.check(items)));
  outputs.forEach((output, c) =>
    t.same(
      output,
      callers[c]!.map((item) => item * 2),
      `caller ${c}`,
    ),
  );
  t.ok(runner.maxOut() <= 2, `at most 2 jobs out at once (saw ${runner.maxOut()})`);
  t.ok(runner.jobs.length < callers.length, `${callers.length} callers in ${runner.jobs.length} jobs`);
  t.equal(runner.jobs.flat().length, 150, 'every item ran exactly once');
  t.ok(
    runner.jobs.every((job) => job.length <= 64),
    'no job holds more than 64 items',
  );
});

t.test('a failed job fails the callers it held and no other', async (t) => {
  const runner = recordingRunner();
  const batcher = new PoolBatcher(runner.run, 1);
  // One lane: 64 items fill job 1 at once; while it runs, the bad item and
  // 63 more queue up and become job 2 together; a check queued after job 2
  // left becomes job 3.
  const first = batcher.check(Array.from({ length: 64 }, (_, i) => i));
  const bad = batcher.check([-1]);
  const sharing = batcher.check(Array.from({ length: 63 }, (_, i) => 100 + i));
  while (runner.jobs.length < 2) await tick(1);
  const after = batcher.check([7]);
  t.equal((await first).length, 64, 'the job before it answers');
  await t.rejects(bad, /job failed/, 'the caller whose item failed the job is refused');
  await t.rejects(sharing, /job failed/, 'a caller that shared the failed job is refused');
  t.same(await after, [14], 'a caller in a later job answers');
  t.same(
    runner.jobs.map((job) => job.length),
    [64, 64, 1],
    'three jobs, as described',
  );
});

t.test('an empty check answers at once with nothing', async (t) => {
  const runner = recordingRunner();
  t.same(await new PoolBatcher(runner.run, 2).check([]), []);
  t.equal(runner.jobs.length, 0, 'no job for nothing');
});

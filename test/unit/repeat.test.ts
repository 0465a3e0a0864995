/**
 * Background work retries with a capped exponential backoff and never stops
 * on a failure (src/ledger/repeat.ts): the publisher and automatic matching
 * carry on by themselves once the database is back.
 */
import t from 'tap';
import { backoffMs, repeat } from '../../src/ledger/repeat.ts';

t.test('the delay doubles from the cadence up to the cap, and resets on success', async (t) => {
  t.strictSame(
    [0, 1, 2, 3, 4, 5, 6].map((failures) => backoffMs(1000, failures, 30_000)),
    [1000, 1000, 2000, 4000, 8000, 16_000, 30_000],
  );
  t.equal(backoffMs(100, 1, 30_000), 250, 'a short cadence still waits a quarter second after a failure');
  t.equal(backoffMs(5000, 60, 30_000), 30_000, 'capped however many failures');
});

t.test('a failing task is retried until it succeeds, then runs on its cadence', async (t) => {
  const reported: Array<[number, number]> = [];
  let calls = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  // repeat's timers never hold a process open (unref); this test's does while it waits.
  const keepAlive = setInterval(() => undefined, 1000);
  const stop = repeat(
    async () => {
      calls += 1;
      if (calls <= 3) throw new Error('the database is restarting');
      if (calls === 5) done();
    },
    { everyMs: 5, maxDelayMs: 400, onError: (_error, failures, retryInMs) => reported.push([failures, retryInMs]) },
  );
  await finished;
  await stop();
  clearInterval(keepAlive);
  t.strictSame(
    reported,
    [
      [1, 250],
      [2, 400],
      [3, 400],
    ],
    'each failure reported with its count and the capped delay',
  );
  t.equal(calls, 5, 'runs went on after the failures and after the first success');
});

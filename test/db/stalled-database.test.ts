/**
 * A database that stalls without closing the connection (a frozen server, a
 * dropped route): the service answers 503 `unavailable` instead of hanging,
 * /healthz included, and carries on by itself once the database answers
 * again. The stall is a real TCP proxy in front of the real PostgreSQL
 * server that stops passing bytes in both directions (helpers/database-proxy.ts).
 */
import t from 'tap';
import { openPostgres } from '../../src/db/connect.ts';
import { addParticipant, startTestApp } from '../helpers/app.ts';
import { testBackends } from '../helpers/database.ts';
import { proxiedTestStore } from '../helpers/database-proxy.ts';
import { entryIndexes, isProblem, range } from '../helpers/log-state.ts';

const backends = await testBackends();
t.test('a stalled PostgreSQL gives 503, not a hang', { skip: !backends.includes('postgres') && 'needs a PostgreSQL server' }, async (t) => {
  const { proxy, testStore, directUrl } = await proxiedTestStore(t);
  const env = await startTestApp('postgres', { testStore });
  t.teardown(env.close);
  const { app } = env;
  await addParticipant(app, 'tenant', 'before');
  t.equal((await app.inject({ url: '/healthz' })).statusCode, 200, 'healthy through the proxy');

  proxy.stall();
  const stalledHealth = await app.inject({ url: '/healthz' });
  isProblem(t, stalledHealth, 503, 'unavailable', '/healthz while stalled');
  t.equal(stalledHealth.headers['retry-after'], '5', 'Retry-After: a database that does not answer takes seconds to come back');
  const calls = await Promise.all([
    app.inject({ url: '/v1/log/checkpoint' }),
    app.inject({
      method: 'POST',
      url: '/v1/participants',
      headers: { authorization: 'Bearer operator-token-for-tests-only' },
      payload: { id: 'during', role: 'tenant', name: 'During' },
    }),
    ...range(6).map(() => app.inject({ url: '/v1/log/checkpoint' })),
  ]);
  for (const [i, response] of calls.entries()) isProblem(t, response, 503, 'unavailable', `request ${i} while stalled`);
  isProblem(t, await app.inject({ url: '/healthz' }), 503, 'unavailable', '/healthz still 503 while stalled');

  proxy.resume();
  let healthy = false;
  for (let i = 0; i < 50 && !healthy; i++) {
    healthy = (await app.inject({ url: '/healthz' })).statusCode === 200;
    if (!healthy) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  t.ok(healthy, 'healthy again once the database answers, without a restart');
  await addParticipant(app, 'tenant', 'after');
  const check = await openPostgres(directUrl, 1);
  t.teardown(() => check.close());
  const { indexes, size } = await entryIndexes(check.db);
  t.strictSame(indexes, range(size), 'the log has no gap');
  const names = (await check.db.selectFrom('participant').select('id').execute()).map((row) => row.id);
  t.ok(names.includes('before') && names.includes('after'), 'writes before and after the stall are there');
  t.notOk(names.includes('during'), 'the write refused with 503 was not stored');
});

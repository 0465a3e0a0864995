/**
 * A database that stalls without closing the connection (a frozen server, a
 * dropped route): the service answers 503 `unavailable` instead of hanging,
 * /healthz included, and carries on by itself once the database answers
 * again. The stall is a real TCP proxy in front of the real PostgreSQL
 * server that stops passing bytes in both directions.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import t from 'tap';
import { openPostgres } from '../../src/db/connect.ts';
import { migrate } from '../../src/db/migrate.ts';
import { addParticipant, startTestApp } from '../helpers/app.ts';
import { ADMIN_URL, createPostgresDatabase, testBackends } from '../helpers/database.ts';
import { entryIndexes, isProblem, range } from '../helpers/log-state.ts';

/** Forwards to PostgreSQL; while stalled, accepts connections and reads nothing, writes nothing. */
class StallingProxy {
  readonly #server: Server;
  readonly #pairs = new Set<[Socket, Socket]>();
  stalled = false;

  constructor(target: { host: string; port: number }) {
    this.#server = createServer((client) => {
      const upstream = connect(target.port, target.host);
      const pair: [Socket, Socket] = [client, upstream];
      this.#pairs.add(pair);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.#pairs.delete(pair);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream);
      upstream.pipe(client);
      if (this.stalled) {
        client.pause();
        upstream.pause();
        client.unpipe(upstream);
        upstream.unpipe(client);
      }
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return (this.#server.address() as { port: number }).port;
  }

  stall(): void {
    this.stalled = true;
    for (const [client, upstream] of this.#pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  /** The stalled connections are gone for good (as after a network partition); new ones pass. */
  resume(): void {
    this.stalled = false;
    for (const [client, upstream] of this.#pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.#pairs.clear();
  }

  close(): Promise<void> {
    this.resume();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

const backends = await testBackends();
t.test('a stalled PostgreSQL gives 503, not a hang', { skip: !backends.includes('postgres') && 'needs a PostgreSQL server' }, async (t) => {
  const database = await createPostgresDatabase();
  t.teardown(database.drop);
  const direct = await openPostgres(database.url, 2);
  await migrate(direct);
  await direct.close();

  const target = new URL(ADMIN_URL);
  const proxy = new StallingProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const proxyPort = await proxy.listen();
  t.teardown(() => proxy.close());
  const viaProxy = new URL(database.url);
  viaProxy.port = String(proxyPort);
  const errors: Error[] = [];
  const store = await openPostgres(viaProxy.toString(), 4, { connectTimeoutMs: 500, statementTimeoutMs: 500, onError: (error) => errors.push(error) });
  const env = await startTestApp('postgres', { testStore: { store, url: viaProxy.toString(), cleanup: () => store.close() } });
  t.teardown(async () => {
    await env.close();
    await store.close();
  });
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
  const check = await openPostgres(database.url, 1);
  t.teardown(() => check.close());
  const { indexes, size } = await entryIndexes(check.db);
  t.strictSame(indexes, range(size), 'the log has no gap');
  const names = (await check.db.selectFrom('participant').select('id').execute()).map((row) => row.id);
  t.ok(names.includes('before') && names.includes('after'), 'writes before and after the stall are there');
  t.notOk(names.includes('during'), 'the write refused with 503 was not stored');
});

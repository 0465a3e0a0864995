/**
 * A real TCP proxy in front of the real PostgreSQL server, for a service
 * whose database goes away without a mock: while stalled it passes no byte
 * either way (a frozen server, a dropped route); while down it closes every
 * connection at once (a server that is gone). Either way the service answers
 * 503 `unavailable` (src/db/resilient-pool.ts isDatabaseUnavailable).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { openPostgres } from '../../src/db/connect.ts';
import { migrate } from '../../src/db/migrate.ts';
import { ADMIN_URL, createPostgresDatabase, type TestStore } from './database.ts';

/** Forwards to PostgreSQL; while stalled, accepts connections and reads nothing, writes nothing; while down, closes them. */
export class DatabaseProxy {
  readonly #server: Server;
  readonly #pairs = new Set<[Socket, Socket]>();
  stalled = false;
  down = false;

  constructor(target: { host: string; port: number }) {
    this.#server = createServer((client) => {
      if (this.down) {
        client.destroy();
        return;
      }
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
    this.down = false;
    this.#dropAll();
  }

  /** The database is gone: every connection is closed, and every new one at once, until resume(). */
  takeDown(): void {
    this.down = true;
    this.#dropAll();
  }

  #dropAll(): void {
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

/**
 * A fresh, migrated PostgreSQL database that a service reaches only through
 * a DatabaseProxy, with short timeouts so that a stall answers within a
 * second (`directUrl` reaches it without the proxy, to look at what was
 * written); the proxy, the store and the database are gone when `t` ends
 * (after the service, which the caller closes first: teardowns run last in,
 * first out).
 */
export async function proxiedTestStore(t: {
  teardown(fn: () => unknown): void;
}): Promise<{ proxy: DatabaseProxy; testStore: TestStore; directUrl: string; errors: Error[] }> {
  const database = await createPostgresDatabase();
  t.teardown(database.drop);
  const direct = await openPostgres(database.url, 2);
  await migrate(direct);
  await direct.close();

  const target = new URL(ADMIN_URL);
  const proxy = new DatabaseProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const proxyPort = await proxy.listen();
  t.teardown(() => proxy.close());
  const viaProxy = new URL(database.url);
  viaProxy.port = String(proxyPort);
  // The pool's connection errors while the database is away: expected, kept for a test that looks.
  const errors: Error[] = [];
  const store = await openPostgres(viaProxy.toString(), 4, { connectTimeoutMs: 500, statementTimeoutMs: 500, onError: (error) => errors.push(error) });
  t.teardown(() => store.close());
  return { proxy, testStore: { store, url: viaProxy.toString(), cleanup: () => store.close() }, directUrl: database.url, errors };
}

/**
 * Each test file gets its own empty database, on every backend this run has:
 * a fresh PostgreSQL database on the local server (when one answers) and an
 * in-memory PGlite. `scripts/test.js` sets GRIDPROOF_TEST_BACKENDS after
 * probing; run alone, a test file probes for itself.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPGlite, openPostgres, type Backend, type Store } from '../../src/db/connect.ts';
import { migrate } from '../../src/db/migrate.ts';

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function postgresAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function testBackends(): Promise<Backend[]> {
  const listed = process.env.GRIDPROOF_TEST_BACKENDS;
  if (listed) return listed.split(',').filter((b): b is Backend => b === 'postgres' || b === 'pglite');
  return (await postgresAnswers()) ? ['postgres', 'pglite'] : ['pglite'];
}

/** Creates a new database on the local server and returns its URL. */
export async function createPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `gridproof_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      // pg's Pool.end() resolves before its sockets have closed; a forced drop
      // would then kill those backends and their clients would raise FATAL
      // 57P01 errors into the test. Wait (bounded) for them to go first.
      for (let i = 0; i < 100; i++) {
        const { rows } = await client.query('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
        if (rows[0].n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

export interface TestStore {
  store: Store;
  /** The database URL (postgres only), for a second process or pool. */
  url: string | undefined;
  cleanup(): Promise<void>;
}

export async function openTestStore(backend: Backend): Promise<TestStore> {
  if (backend === 'pglite') {
    const store = await openPGlite(undefined);
    await migrate(store);
    return { store, url: undefined, cleanup: () => store.close() };
  }
  const database = await createPostgresDatabase();
  const store = await openPostgres(database.url);
  await migrate(store);
  return {
    store,
    url: database.url,
    async cleanup() {
      await store.close();
      await database.drop();
    },
  };
}

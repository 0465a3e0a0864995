/**
 * When PostgreSQL breaks a deadlock by rolling the service's transaction
 * back (40P01), the request answers 503 `unavailable` with Retry-After,
 * nothing of it is written, and the same request succeeds when tried again
 * (docs/api.md). The deadlock is real: another session holds the device row
 * the append's foreign-key check must share, then asks for the log head the
 * append holds.
 */
import pg from 'pg';
import t from 'tap';
import { openPostgres } from '../../src/db/connect.ts';
import { migrate } from '../../src/db/migrate.ts';
import { addDevice, addParticipant, postEntries, startTestApp } from '../helpers/app.ts';
import { ADMIN_URL, createPostgresDatabase, testBackends } from '../helpers/database.ts';
import { isProblem, logSnapshot, Meter } from '../helpers/log-state.ts';

const NOW = Date.parse('2024-06-01T00:00:00Z');

const backends = await testBackends();
t.test(
  'a transaction rolled back to break a deadlock answers 503 and writes nothing',
  { skip: !backends.includes('postgres') && 'needs a PostgreSQL server' },
  async (t) => {
    // PostgreSQL looks for a deadlock once, deadlock_timeout after a session
    // starts to wait. The service's sessions look after 5 s, time enough on a
    // busy machine for the other session to close the cycle; the other
    // session waits a minute, so the service's transaction is the victim.
    const database = await createPostgresDatabase();
    t.teardown(database.drop);
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`alter database ${new URL(database.url).pathname.slice(1)} set deadlock_timeout = '5s'`);
    await admin.end();
    const store = await openPostgres(database.url);
    await migrate(store);
    const env = await startTestApp('postgres', { now: () => NOW, testStore: { store, url: database.url, cleanup: () => store.close() } });
    t.teardown(async () => {
      await env.close();
      await store.close();
    });
    const { app, ledger } = env;
    const gen = await addParticipant(app, 'generator', 'windco');
    const meter = new Meter('wind-1', (await addDevice(app, { id: 'wind-1', owner: gen.id, type: 'wind' })).signer);
    const first = meter.next();
    t.equal((await postEntries(app, gen.token, [first])).statusCode, 200);
    meter.accepted(first);

    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    t.teardown(() => other.end());
    await other.query('begin');
    await other.query(`set local deadlock_timeout = '60s'`);
    await other.query(`select 1 from device where id = 'wind-1' for update`);

    const before = await logSnapshot(ledger.db);
    const note = meter.next();
    const posted = postEntries(app, gen.token, [note]);
    // Wait until the append (holding the head) waits for this session's device row, then ask for the head.
    for (let i = 0; ; i++) {
      const waiting = await other.query(`select 1 from pg_stat_activity where pg_blocking_pids(pid) @> array[pg_backend_pid()]`);
      if (waiting.rowCount! > 0) break;
      if (i === 200) throw new Error('the append never waited for the device row');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const head = other.query('select size from log_head for update');
    const response = await posted;
    isProblem(t, response, 503, 'unavailable', 'the deadlock victim');
    t.match(response.json().detail, /deadlock/, 'the detail says why');
    t.equal(response.headers['retry-after'], '1', 'Retry-After: a second, as a deadlock is broken at once');
    await head;
    await other.query('rollback');
    t.strictSame(await logSnapshot(ledger.db), before, 'nothing of the rolled-back request was written');

    const again = await postEntries(app, gen.token, [note]);
    t.match(again.json(), { results: [{ index: before.size, duplicate: false }] }, 'the same request tried again goes in');
    t.equal((await app.inject({ url: '/healthz' })).statusCode, 200, 'the service is healthy');
  },
);

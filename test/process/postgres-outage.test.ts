/**
 * PostgreSQL restarts under load, with a cluster of the test's own (initdb
 * into a temporary directory, a free port, run as the unprivileged
 * `postgres` user when the test runs as root). The real server process is
 * never restarted by the test: through `pg_ctl restart -m fast` and then
 * `-m immediate` it answers 503 `unavailable` meanwhile, comes back by
 * itself, and every acknowledged entry is in the log at its index, without
 * a gap.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { openPostgres } from '../../src/db/connect.ts';
import { entryIndexes, range } from '../helpers/log-state.ts';
import { exited, freePort, healthy, Processes, sleep } from '../helpers/server-process.ts';

const BIN = ['/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin'].find((dir) => existsSync(join(dir, 'pg_ctl')));
const TOKEN = 'outage-test-operator-token';

const asRoot = userInfo().uid === 0;
/** Runs a PostgreSQL tool, as `postgres` when we are root (initdb refuses root). */
function pgTool(tool: string, args: string[]) {
  const command = asRoot ? ['runuser', '-u', 'postgres', '--', join(BIN!, tool), ...args] : [join(BIN!, tool), ...args];
  const result = spawnSync(command[0]!, command.slice(1), { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`${tool} ${args.join(' ')}: ${result.status}\n${result.stdout}${result.stderr}`);
}

t.test('the service rides out PostgreSQL restarts under load', { skip: !BIN && 'no PostgreSQL binaries found' }, async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'gridproof-outage-'));
  t.teardown(() => rmSync(scratch, { recursive: true, force: true }));
  const cluster = join(scratch, 'cluster');
  if (asRoot) {
    const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gids = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    chownSync(scratch, Number(ids.stdout.trim()), Number(gids.stdout.trim()));
  }
  const pgPort = await freePort();
  pgTool('initdb', ['-D', cluster, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  pgTool('pg_ctl', [
    '-D',
    cluster,
    '-l',
    join(scratch, 'pg.log'),
    '-w',
    '-o',
    `-p ${pgPort} -k ${scratch} -c listen_addresses=127.0.0.1 -c fsync=off`,
    'start',
  ]);
  t.teardown(() => {
    try {
      pgTool('pg_ctl', ['-D', cluster, '-m', 'immediate', 'stop']);
    } catch {
      // already stopped
    }
  });
  const url = `postgres://postgres@127.0.0.1:${pgPort}/postgres`;

  const server = await healthy(
    new Processes(t).start(
      {
        DATABASE_URL: url,
        DATA_DIR: join(scratch, 'data'),
        GRIDPROOF_OPERATOR_TOKEN: TOKEN,
        GRIDPROOF_CHECKPOINT_INTERVAL: 'PT0.2S',
        GRIDPROOF_DB_CONNECT_TIMEOUT: 'PT1S',
        GRIDPROOF_DB_STATEMENT_TIMEOUT: 'PT5S',
        LOG_LEVEL: 'fatal',
      },
      await freePort(),
    ),
    60_000,
  );
  const { base, child } = server;
  const answersHealth = async (): Promise<boolean> => {
    try {
      return (await fetch(`${base}/healthz`)).ok;
    } catch {
      return false;
    }
  };

  // The load: 4 clients registering participants as fast as they can.
  const acknowledged: Array<{ id: string; index: number }> = [];
  const statuses = new Map<number, number>();
  let stop = false;
  let next = 0;
  const clients = range(4).map(async () => {
    while (!stop) {
      const id = `p-${next++}`;
      let status: number;
      try {
        const response = await fetch(`${base}/v1/participants`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ id, role: 'tenant', name: id }),
        });
        status = response.status;
        const body = (await response.json()) as { index?: number; code?: string };
        if (status === 201) acknowledged.push({ id, index: body.index! });
        else if (status !== 503 || body.code !== 'unavailable') throw new Error(`unexpected ${status}: ${JSON.stringify(body)}`);
      } catch (error) {
        if (error instanceof Error && error.message.startsWith('unexpected')) throw error;
        status = 0; // the connection itself failed
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status !== 201) await sleep(20);
    }
  });

  for (const mode of ['fast', 'immediate']) {
    const before = acknowledged.length;
    while (acknowledged.length < before + 50) await sleep(20);
    pgTool('pg_ctl', ['-D', cluster, '-m', mode, '-w', 'restart']);
    const after = acknowledged.length;
    for (let i = 0; i < 600 && acknowledged.length < after + 50; i++) await sleep(50);
    t.ok(acknowledged.length >= after + 50, `entries are acknowledged again after restart -m ${mode}`);
    t.equal(child.exitCode, null, `the server process survived restart -m ${mode}`);
  }
  stop = true;
  await Promise.all(clients);
  t.ok(await answersHealth(), '/healthz is 200 again');
  t.equal(statuses.get(500) ?? 0, 0, `no 500s (answers by status: ${JSON.stringify([...statuses])})`);

  const store = await openPostgres(url, 1);
  t.teardown(() => store.close());
  const rows = await store.db
    .selectFrom('participant')
    .innerJoin('entry', 'entry.idx', 'participant.entry_idx')
    .select(['participant.id', 'entry.idx'])
    .execute();
  const indexOf = new Map(rows.map((row) => [row.id, row.idx]));
  const lost = acknowledged.filter((ack) => indexOf.get(ack.id) !== ack.index);
  t.strictSame(lost, [], `all ${acknowledged.length} acknowledged entries are at their index`);
  const { indexes, size } = await entryIndexes(store.db);
  t.strictSame(indexes, range(size), `indexes 0..${size - 1} without a gap`);

  child.kill('SIGTERM');
  await exited(child);
  t.equal(child.exitCode, 0, 'a graceful stop at the end');
});

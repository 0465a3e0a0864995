/**
 * `gridproof monitor --state FILE` checks where the state goes before it
 * replays anything (src/cli/monitor-state.ts stateFileProblem): a directory
 * that does not exist, a path through a file, a state "file" that is a
 * directory each get one line naming FILE as given (never the temporary
 * file), exit 2, with no request sent to the service. A state that cannot
 * be written at the end anyway (here: its directory removed during the run)
 * still prints the run's result, then says so on stderr, exit 2. The real
 * service, the real command in its own process, and a real proxy between
 * them logging every request.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { readLogSize } from '../../src/db/log.ts';
import { publishCheckpoint } from '../../src/ledger/publish.ts';
import { addParticipant } from '../helpers/app.ts';
import { meterService, runGridproof } from '../helpers/cli.ts';
import { requestLogProxy } from '../helpers/request-log-proxy.ts';

t.test('monitor --state: where the state goes is checked before the replay, and a failed write still prints the result', async (t) => {
  const { scratch, test, server } = await meterService(t, { now: Date.parse('2026-01-02T00:00:00Z'), keyValidFrom: '2025-12-01T00:00:00Z' });
  await publishCheckpoint(test.ledger);
  const certifier = await addParticipant(test.app, 'certifier', 'cert-1');
  let removeOnEntries: string | undefined;
  const proxy = await requestLogProxy(t, server, (request) => {
    // The directory goes away once the replay has started: the write at the end fails.
    if (removeOnEntries !== undefined && request.startsWith('GET /v1/log/entries')) rmSync(removeOnEntries, { recursive: true, force: true });
  });
  const size = await readLogSize(test.testStore.store.db);
  const monitor = (state: string) => runGridproof(['monitor', proxy.url, '--token', certifier.token, '--state', state]);

  const missing = join(scratch, 'nonexistent', 'dir', 'm.json');
  const aFile = join(scratch, 'a-file');
  writeFileSync(aFile, 'not a directory\n');
  const aDirectory = join(scratch, 'state-dir');
  mkdirSync(aDirectory);
  const cases: Array<[string, string]> = [
    [missing, `gridproof monitor: --state ${missing}: the directory ${join(scratch, 'nonexistent', 'dir')} does not exist\n`],
    [join(aFile, 'm.json'), `gridproof monitor: --state ${join(aFile, 'm.json')}: ${aFile} is not a directory\n`],
    [aDirectory, `gridproof monitor: --state ${aDirectory} is a directory, not a state file\n`],
  ];
  for (const [state, line] of cases) {
    const result = await monitor(state);
    t.equal(result.status, 2, `${state}: exit 2`);
    t.equal(result.stderr, line, `${state}: one line naming the file as given`);
    t.equal(result.stdout, '', `${state}: no report, nothing was checked`);
  }
  t.same(proxy.requests, [], 'nothing was fetched: not the key, not one entry');
  t.notOk(existsSync(join(scratch, 'nonexistent')), 'no directory was made');
  t.equal(readFileSync(aFile, 'utf8'), 'not a directory\n', 'the file in the way is unchanged');
  t.same(readdirSync(aDirectory), [], 'the directory in the way is unchanged');
  t.equal(await readLogSize(test.testStore.store.db), size, 'the log is unchanged');

  // The place was fine at the start and is gone at the end: the result is printed, then why the state is not.
  const gone = join(scratch, 'gone');
  mkdirSync(gone);
  removeOnEntries = gone;
  const lost = await monitor(join(gone, 'm.json'));
  t.equal(lost.status, 2, `the state not written: exit 2 (${lost.stderr})`);
  t.ok(
    proxy.requests.some((request) => request.startsWith('GET /v1/log/entries')),
    'the entries were replayed',
  );
  t.match(lost.stdout, /\nresult +OK: every check passed\n$/, "the run's result is printed");
  t.match(lost.stdout, new RegExp(`\\nstate +NOT SAVED to ${join(gone, 'm.json')} \\(why on stderr\\)\\n`), 'the report says the state is not saved');
  t.equal(
    lost.stderr,
    `gridproof monitor: --state ${join(gone, 'm.json')} was not written (ENOENT: no such file or directory); the run's result stands, and the next run checks these entries again\n`,
    'one line naming the file as given, not the temporary one',
  );

  // A place that works: the state is saved, exit 0.
  removeOnEntries = undefined;
  const kept = join(scratch, 'kept.json');
  const clean = await monitor(kept);
  t.equal(clean.status, 0, `a writable place: exit 0 (${clean.stderr})`);
  t.match(clean.stdout, new RegExp(`\\nstate +saved to ${kept}\\n`));
  t.same(
    readdirSync(scratch).filter((name) => name.endsWith('.tmp')),
    [],
    'no temporary file left behind',
  );
});

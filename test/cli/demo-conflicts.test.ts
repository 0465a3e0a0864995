/**
 * `gridproof demo --server`, the real command against a listening service
 * whose log already holds some of the demo park's ids. Run again with its
 * state file, the demo says nothing changed (exit 0). Run with another state
 * file, or on a log where someone else registered a participant of the same
 * id, it stops before it writes anything, with one line naming the ids and
 * what to pass, and exits 1: the log refuses those ids (a 409), the input is
 * not unusable. A participant of a role the demo cannot look up shows only as
 * its registration's 409: exit 1 too, the entries before it in the log and
 * in the state file alike. So is a contract of the demo's id that is not
 * the demo's (another device and tenant): one line naming it and what
 * differs, before any reading is posted; the demo's own, made by a run that
 * stopped before it saved that, is taken as it is. A state file of another
 * log, or a file that is no state file, is the user's input that is wrong:
 * exit 2, one line without an error code in front.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { parseEntry } from '../../src/domain/entry.ts';
import { addDevice, addParticipant, auth, OPERATOR_TOKEN, ORIGIN, startTestApp } from '../helpers/app.ts';
import { runGridproof } from '../helpers/cli.ts';
import { logSnapshot } from '../helpers/log-state.ts';

const gridproof = (args: string[]) => runGridproof(args, { timeoutMs: 300_000 });
/** The whole of stderr is one line. */
const ONE_LINE = /^gridproof demo: [^\n]+\n$/;

async function service(t: Test) {
  const env = await startTestApp('pglite');
  t.teardown(env.close);
  const server = await env.app.listen({ port: 0, host: '127.0.0.1' });
  const demo = (state: string) => gridproof(['demo', '--server', server, '--token', OPERATOR_TOKEN, '--days', '1', '--state', state]);
  return { env, server, demo };
}

t.test('demo --server: the same run again changes nothing; another state file is refused naming the ids, exit 1', async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'gridproof-demo-conflicts-'));
  t.teardown(() => rmSync(scratch, { recursive: true, force: true }));
  const { env, server, demo } = await service(t);
  const state = join(scratch, 'state.json');
  const first = await demo(state);
  t.equal(first.status, 0, `the first run: exit 0 (${first.stderr.slice(-300)})`);
  const filled = await logSnapshot(env.ledger.db);

  const again = await demo(state);
  t.equal(again.status, 0, `the same run again: exit 0 (${again.stderr.slice(-300)})`);
  t.match(again.stdout, `The demo park was already complete on ${server}: nothing changed.\n`, 'it says nothing changed');
  t.same(await logSnapshot(env.ledger.db), filled, 'and the log is unchanged');

  const other = join(scratch, 'other.json');
  const foreign = await demo(other);
  t.equal(foreign.status, 1, `another state file: exit 1, the log refuses the ids (${foreign.stderr})`);
  t.match(foreign.stderr, ONE_LINE, 'one line on stderr');
  t.equal(
    foreign.stderr,
    `gridproof demo: the service already has participant nordwind, participant sonnenfeld, participant datacentre and 8 more of the demo park's ids, ` +
      `and ${other} holds no token or key for them; nothing was written. If an earlier demo run registered them, pass that run's state file with --state; ` +
      `if not, these ids are taken on this log: run the demo on a log of its own (without --server it starts one in ./demo-data)\n`,
    'naming the ids and what to pass',
  );
  t.equal(foreign.stdout, '', 'no summary');
  t.notOk(existsSync(other), 'no state file is made');
  t.same(await logSnapshot(env.ledger.db), filled, 'the log is unchanged');

  // A run that stopped after its contract was logged, before it saved that: the contract found is the demo's own.
  const saved = JSON.parse(readFileSync(state, 'utf8')) as { contract?: boolean };
  delete saved.contract;
  writeFileSync(state, JSON.stringify(saved));
  const resumed = await demo(state);
  t.equal(resumed.status, 0, `its own contract, unsaved: exit 0 (${resumed.stderr.slice(-300)})`);
  t.match(resumed.stdout, `The demo park was already complete on ${server}: nothing changed.\n`, 'nothing changed');
  t.equal((JSON.parse(readFileSync(state, 'utf8')) as { contract?: boolean }).contract, true, 'the state file has it now');
  t.same(await logSnapshot(env.ledger.db), filled, 'and the log is unchanged');
});

t.test("demo --server on a log where someone else's contract has the demo's id: one line naming it, exit 1, no reading posted", async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'gridproof-demo-conflicts-'));
  t.teardown(() => rmSync(scratch, { recursive: true, force: true }));
  const { env, demo } = await service(t);
  // Another park's PPA under the demo's contract id: another generator's device, another tenant.
  await env.app.inject({
    method: 'POST',
    url: '/v1/zones',
    headers: auth(OPERATOR_TOKEN),
    payload: { zone: 'DE-LU', gCO2PerKWh: 380, validFrom: '2018-01-01T00:00:00Z' },
  });
  await addParticipant(env.app, 'generator', 'other-gen');
  await addDevice(env.app, { id: 'other-wind', owner: 'other-gen', type: 'wind' });
  await addParticipant(env.app, 'tenant', 'other-tenant');
  const contract = await env.app.inject({
    method: 'POST',
    url: '/v1/contracts',
    headers: auth(OPERATOR_TOKEN),
    payload: { id: 'ppa-factory-wind', device: 'other-wind', tenant: 'other-tenant', priority: 0, shareBp: 6000, validFrom: '2018-12-31T23:00:00Z' },
  });
  t.equal(contract.statusCode, 201, 'their contract is logged');
  const before = await logSnapshot(env.ledger.db);

  const state = join(scratch, 'state.json');
  const clash = await demo(state);
  t.equal(clash.status, 1, `exit 1: the log refuses the id (${clash.stderr})`);
  t.equal(
    clash.stderr,
    "gridproof demo: the service already has contract ppa-factory-wind, and not the demo's: device other-wind, not wind-farm; tenant other-tenant, not factory. " +
      `Nothing more was written: the registry entries this run made before it stay in the log, and ${state} keeps them. ` +
      "The demo's matching needs its own contract: run the demo on a log of its own (without --server it starts one in ./demo-data)\n",
    'one line naming the contract, what differs and what to do',
  );
  t.equal(clash.stdout, '', 'no summary');
  const after = await logSnapshot(env.ledger.db);
  t.same(after.entries.slice(0, before.size), before.entries, 'what the log held is unchanged');
  t.equal(after.readings, before.readings, 'no reading was posted');
  const kinds = after.entries.slice(before.size).map((entry) => parseEntry(Buffer.from(entry.bytes, 'base64').toString('utf8'), ORIGIN).payload.kind);
  const count = (kind: string) => kinds.filter((k) => k === kind).length;
  t.same(
    { zone: count('zone'), participant: count('participant'), device: count('device'), key: count('key'), all: kinds.length },
    { zone: 1, participant: 5, device: 6, key: 6, all: 18 },
    `the log gained the park's zone factor, participants, devices and their keys only: ${kinds.join(', ')}`,
  );
  const saved = JSON.parse(readFileSync(state, 'utf8')) as {
    tokens: Record<string, string>;
    devices: Record<string, { registered: boolean }>;
    contract?: boolean;
  };
  t.equal(Object.keys(saved.tokens).length, 5, 'the state file keeps the participants');
  t.ok(Object.values(saved.devices).every((d) => d.registered) && Object.keys(saved.devices).length === 6, 'and the devices');
  t.notOk(saved.contract, 'and no contract');

  // Again with that state file: the same refusal, and now nothing is written at all.
  const again = await demo(state);
  t.equal(again.status, 1, `again: exit 1 (${again.stderr})`);
  t.equal(
    again.stderr,
    "gridproof demo: the service already has contract ppa-factory-wind, and not the demo's: device other-wind, not wind-farm; tenant other-tenant, not factory. " +
      "Nothing was written. The demo's matching needs its own contract: run the demo on a log of its own (without --server it starts one in ./demo-data)\n",
    'the same line, saying nothing was written',
  );
  t.same(await logSnapshot(env.ledger.db), after, 'the log is unchanged');
});

t.test("demo --server on a log where someone else's participant has a demo id: one line, exit 1", async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'gridproof-demo-conflicts-'));
  t.teardown(() => rmSync(scratch, { recursive: true, force: true }));
  const { env, server, demo } = await service(t);
  await addParticipant(env.app, 'tenant', 'factory');
  const before = await logSnapshot(env.ledger.db);

  const state = join(scratch, 'state.json');
  const clash = await demo(state);
  t.equal(clash.status, 1, `exit 1 (${clash.stderr})`);
  t.equal(
    clash.stderr,
    `gridproof demo: the service already has participant factory, and ${state} holds no token or key for it; nothing was written. ` +
      `If an earlier demo run registered it, pass that run's state file with --state; ` +
      `if not, this id is taken on this log: run the demo on a log of its own (without --server it starts one in ./demo-data)\n`,
    'one line naming the participant and what to pass',
  );
  t.equal(clash.stdout, '', 'no summary');
  t.notOk(existsSync(state), 'no state file is made');
  t.same(await logSnapshot(env.ledger.db), before, 'the log is unchanged');

  // A role the demo cannot look up (a certifier's id has no page): its registration's 409, after the entries before it.
  const other = await service(t);
  await addParticipant(other.env.app, 'certifier', 'hydrogen');
  const otherBefore = await logSnapshot(other.env.ledger.db);
  const late = await other.demo(state);
  t.equal(late.status, 1, `the 409 of its registration: exit 1 (${late.stderr})`);
  t.match(late.stderr, ONE_LINE, 'one line on stderr');
  t.match(
    late.stderr,
    `gridproof demo: /v1/participants: the server answered 409 conflict [conflict]: participant hydrogen already exists; ${state} holds no token for it: ` +
      `if an earlier demo run registered it, pass that run's state file with --state; if not, this id is taken on this log`,
    'naming the participant and what to pass',
  );
  const saved = JSON.parse(readFileSync(state, 'utf8')) as { zoneIndex: number; tokens: Record<string, string> };
  t.same(Object.keys(saved.tokens), ['nordwind', 'sonnenfeld', 'datacentre', 'factory'], 'the state file holds the participants registered before it');
  t.equal(saved.zoneIndex, otherBefore.size, 'and the zone');
  t.equal((await logSnapshot(other.env.ledger.db)).size, otherBefore.size + 5, 'the log gained exactly those five entries');

  // That state file belongs to the second log: on the first, the input is what is wrong.
  const wrongLog = await demo(state);
  const keyOf = async (base: string) => (await (await fetch(`${base}/v1/log/key`)).text()).trim();
  t.equal(wrongLog.status, 2, `a state file of another log: exit 2 (${wrongLog.stderr})`);
  t.equal(
    wrongLog.stderr,
    `gridproof demo: ${state} belongs to the log ${await keyOf(other.server)}, not ${await keyOf(server)}; pass another --state file\n`,
    'one line naming the state file and both logs, without an error code in front',
  );
  t.same(await logSnapshot(env.ledger.db), before, 'the first log is unchanged');

  const garbage = join(scratch, 'notes.json');
  writeFileSync(garbage, 'not a state file\n');
  const notState = await demo(garbage);
  t.equal(notState.status, 2, `a file that is no state file: exit 2 (${notState.stderr})`);
  t.equal(
    notState.stderr,
    `gridproof demo: ${garbage} is not a demo state file; pass the state file of an earlier demo run with --state, or a path where none is yet\n`,
    'one line, no stack trace',
  );
  t.equal(readFileSync(garbage, 'utf8'), 'not a state file\n', 'the file is left as it was');
  t.same(await logSnapshot(env.ledger.db), before, 'the log is unchanged');
});

/**
 * `gridproof monitor` against a real server over HTTP: a clean log passes,
 * matched and late settlements included; runs continue incrementally and
 * consistently from the state file; late supply not settled yet is a warning,
 * not a finding; a forged state fails the consistency
 * check; and a second settlement, an over-allocating one and a double claim
 * written straight into the database are found with their entries' indexes.
 * A report with findings or warnings names the page of each of their codes
 * (/problems/monitor/{code}), once per code; a clean one names none.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { fromBase64, toBase64 } from '../../src/crypto/base64.ts';
import { hashLeaf } from '../../src/crypto/merkle.ts';
import { generateSigner, verifierOf, type Signer } from '../../src/crypto/note.ts';
import { runMonitor, type MonitorOptions } from '../../src/cli/monitor.ts';
import { formatMonitorReport } from '../../src/cli/monitor-report.ts';
import type { MonitorState } from '../../src/cli/monitor-state.ts';
import { appendEntries, lockLogHead, readEntryRange, readLogSize } from '../../src/db/log.ts';
import { allocationId } from '../../src/domain/allocation-id.ts';
import type { Payload } from '../../src/domain/payloads.ts';
import { sealOperatorEntry } from '../../src/ledger/append.ts';
import { runMatching } from '../../src/ledger/matching/run.ts';
import { publishCheckpoint } from '../../src/ledger/publish.ts';
import { addDevice, addParticipant, ORIGIN, postEntries, signReading, startListeningTestApp, type TestApp } from '../helpers/app.ts';
import { testBackends } from '../helpers/database.ts';

const at = (hour: number) => `2024-01-01T${String(hour).padStart(2, '0')}:00:00Z`;

type Unlogged<P = Payload> = P extends Payload ? Omit<P, 'log'> : never;

interface Logged {
  index: number;
  hash: string;
}

/** Writes operator-signed entries straight into the log, as a forger with the database would. */
async function forge(env: TestApp, payloads: Unlogged[]): Promise<Logged[]> {
  const sealed = payloads.map((payload) => sealOperatorEntry(env.ledger, { ...payload, log: ORIGIN } as Payload));
  return env.ledger.db.transaction().execute(async (tx) => {
    const size = await lockLogHead(tx);
    await appendEntries(tx, size, sealed);
    return sealed.map((entry, i) => ({ index: size + i, hash: toBase64(entry.leafHash) }));
  });
}

/** Runs matching up to `hour` and returns the entries it appended. */
async function match(env: TestApp, hour: number): Promise<Logged[]> {
  const before = await readLogSize(env.ledger.db);
  await runMatching(env.ledger, Date.parse(at(hour)));
  const rows = await readEntryRange(env.ledger.db, before, (await readLogSize(env.ledger.db)) - before);
  return rows.map((row) => ({ index: row.idx, hash: toBase64(hashLeaf(row.bytes)) }));
}

async function checkpointSize(env: TestApp): Promise<number> {
  const { checkpoint } = await publishCheckpoint(env.ledger);
  return checkpoint!.size;
}

for (const backend of await testBackends()) {
  t.test(`${backend}: the monitor checks the log over HTTP`, async (t) => {
    const env = await startListeningTestApp(t, backend);
    const { url } = env;
    const dir = mkdtempSync(join(tmpdir(), 'gridproof-monitor-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const stateFile = join(dir, 'state.json');

    const certifier = await addParticipant(env.app, 'certifier', 'auditor');
    const gen = await addParticipant(env.app, 'generator', 'windco');
    const tenant = await addParticipant(env.app, 'tenant', 'factory');
    const meters: Record<string, { signer: Signer; token: string }> = {
      'wind-1': { signer: (await addDevice(env.app, { id: 'wind-1', owner: gen.id, type: 'wind' })).signer, token: gen.token },
      'wind-2': { signer: (await addDevice(env.app, { id: 'wind-2', owner: gen.id, type: 'wind' })).signer, token: gen.token },
      'meter-1': { signer: (await addDevice(env.app, { id: 'meter-1', owner: tenant.id, type: 'consumption' })).signer, token: tenant.token },
    };
    const heads = new Map<string, { seq: number; hash: string }>();
    const reading = async (device: string, hour: number, importWh: number, exportWh: number): Promise<Logged> => {
      const head = heads.get(device);
      const note = signReading(meters[device]!.signer, {
        device,
        seq: head ? head.seq + 1 : 0,
        ...(head ? { prev: head.hash } : {}),
        start: at(hour),
        end: at(hour + 1),
        importWh: String(importWh),
        exportWh: String(exportWh),
      });
      const response = await postEntries(env.app, meters[device]!.token, [note]);
      const result = response.json().results[0];
      if (result.index === undefined) throw new Error(`reading: ${response.body}`);
      heads.set(device, { seq: head ? head.seq + 1 : 0, hash: result.leafHash });
      return { index: result.index, hash: result.leafHash };
    };
    const options: MonitorOptions = { url, token: certifier.token, stateFile };
    const monitor = async (extra: Partial<MonitorOptions> = {}) => {
      const result = await runMonitor({ ...options, ...extra });
      t.comment(formatMonitorReport(result.report).trimEnd().replace(/^/gm, '    '));
      return result;
    };

    // Run 1: a first run replays the whole log and keeps its state.
    const w0 = await reading('wind-1', 0, 0, 1000);
    const m0 = await reading('meter-1', 0, 600, 0);
    const w1 = await reading('wind-1', 1, 0, 800);
    await reading('meter-1', 1, 300, 0);
    const size1 = await checkpointSize(env);
    const first = await monitor();
    t.equal(first.exitCode, 0, 'a clean log passes');
    t.same(first.report.findings, []);
    t.notMatch(formatMonitorReport(first.report), '/problems/monitor/', 'a clean report names no page');
    t.match(first.report, {
      consistency: 'first run',
      replay: 'from entry 0',
      root: 'match',
      stateSaved: true,
      entries: { from: 0, to: size1, checked: size1 },
    });
    const saved1 = JSON.parse(readFileSync(stateFile, 'utf8')) as MonitorState;
    t.match(saved1, {
      version: 2,
      origin: ORIGIN,
      vkey: env.ledger.logVerifier.vkey,
      checkpoint: { size: size1 },
      frontier: { size: size1 },
      replay: { size: size1 },
    });

    // Run 2: hours 0 and 1 matched, a late reading of hour 0 settled late, a claim; only the new entries are fetched.
    const [s0, s1, ...more] = await match(env, 2);
    t.ok(s0 && s1 && more.length === 0, 'one settlement per hour');
    const v0 = await reading('wind-2', 0, 0, 100);
    // A checkpoint before the late settlement: v0 is due in one, which no run has written yet.
    const sizeLate = await checkpointSize(env);
    const early = await monitor();
    t.equal(early.exitCode, 0, 'late supply not settled yet is no finding');
    t.same(early.report.findings, []);
    t.same(
      early.report.warnings.map((w) => [w.code, w.indexes]),
      [['late-supply-unsettled', [v0.index]]],
    );
    t.match(formatMonitorReport(early.report), /warnings +1: late-supply-unsettled ×1/);
    t.match(
      formatMonitorReport(early.report),
      /\ncodes +what each code means and what to do: \/problems\/monitor\/late-supply-unsettled on any gridproof service\n/,
    );
    const [late0, ...none] = await match(env, 2);
    t.ok(late0 && none.length === 0, 'one late settlement');
    const claimed = allocationId(s0!.hash, 0); // wind-1's 600 Wh to meter-1 in hour 0
    const [c1] = await forge(env, [
      {
        kind: 'claim',
        id: 'claim-1',
        tenant: tenant.id,
        beneficiary: 'EU-buyer',
        purpose: 'cbam',
        start: at(0),
        end: at(2),
        allocations: [claimed],
        wh: '600',
      },
    ]);
    const w2 = await reading('wind-1', 2, 0, 500);
    const size2 = await checkpointSize(env);
    t.equal(size2, size1 + 6, 'two settlements, a late reading, a late settlement, a claim, a reading');
    t.ok(v0.index < late0!.index);
    const second = await monitor();
    t.equal(second.exitCode, 0, 'still clean');
    t.match(second.report, {
      consistency: 'ok',
      replay: 'incremental',
      root: 'match',
      stateSaved: true,
      entries: { from: sizeLate, to: size2, checked: size2 - sizeLate },
    });
    t.same(second.report.warnings, [], 'v0 is settled');
    const saved2 = JSON.parse(readFileSync(stateFile, 'utf8')) as MonitorState;
    t.same(
      saved2.replay.readings.map(([hash]) => hash),
      [w2.hash],
      'the state keeps only the reading a settlement may still name',
    );
    t.same(saved2.replay.settled.map(([hash]) => hash).sort(), [w0.hash, w1.hash, v0.hash].sort());

    // A state file whose old root was altered: the log cannot prove consistency with it.
    const m2 = await reading('meter-1', 2, 400, 0);
    const size3 = await checkpointSize(env);
    const root = fromBase64(saved2.checkpoint.root);
    root[0]! ^= 1;
    const forgedFile = join(dir, 'forged.json');
    writeFileSync(forgedFile, JSON.stringify({ ...saved2, checkpoint: { ...saved2.checkpoint, root: toBase64(root) } }));
    const forged = await monitor({ stateFile: forgedFile });
    t.equal(forged.exitCode, 1, 'a forged old root fails');
    t.same(
      forged.report.findings.map((f) => f.code),
      ['inconsistent-checkpoint'],
    );
    t.match(forged.report, { consistency: 'failed', root: 'match', stateSaved: false });
    t.same(JSON.parse(readFileSync(forgedFile, 'utf8')).checkpoint.root, toBase64(root), 'a failing run leaves the state file alone');

    // The genuine state still passes, incrementally.
    const third = await monitor();
    t.equal(third.exitCode, 0);
    t.match(third.report, { consistency: 'ok', entries: { from: size2, to: size3, checked: size3 - size2 } });

    // Written straight into the database: a second settlement of hour 0, one of hour 2 allocating more than its readings have, a double claim.
    const [x0, x2, c2] = await forge(env, [
      {
        kind: 'settlement',
        start: at(0),
        end: at(1),
        zone: 'DE-LU',
        sinks: [m0.hash],
        sources: [{ reading: w0.hash, supplyWh: '1000', allocatedWh: '300', allocations: [{ sink: 0, wh: '300' }] }],
      },
      {
        kind: 'settlement',
        start: at(2),
        end: at(3),
        zone: 'DE-LU',
        sinks: [m2.hash],
        sources: [{ reading: w2.hash, supplyWh: '500', allocatedWh: '600', allocations: [{ sink: 0, wh: '600' }] }],
      },
      {
        kind: 'claim',
        id: 'claim-2',
        tenant: tenant.id,
        beneficiary: 'Another buyer',
        purpose: 'scope2',
        start: at(0),
        end: at(2),
        allocations: [claimed],
        wh: '600',
      },
    ]);
    await checkpointSize(env);
    const caught = await monitor();
    t.equal(caught.exitCode, 1, 'the forged entries are found');
    const found = (code: string) => caught.report.findings.filter((f) => f.code === code).map((f) => f.indexes);
    t.same(found('late-allocations'), [[s0!.index, x0!.index]], 'hour 0 was settled: only a late settlement may follow, without allocations');
    t.same(found('second-settlement'), [[w0.index, s0!.index, x0!.index]]);
    t.same(found('source-over-allocated'), [[w2.index, x2!.index]], 'Σ from the reading exceeds its export');
    t.same(found('sink-over-allocated'), [[m2.index, x2!.index]], 'Σ to the reading exceeds its import');
    t.same(found('double-claim'), [[s0!.index, c1!.index, c2!.index]]);
    t.same(found('settlement-not-reproduced'), [[x2!.index]], 'hour 2 re-executed: matching gives meter 2 its import, not 600 Wh');
    t.equal(caught.report.findings.length, 6);
    const codes = formatMonitorReport(caught.report)
      .split('\n')
      .find((line) => line.startsWith('codes '));
    const caughtCodes = [...new Set(caught.report.findings.map((f) => f.code))];
    t.same(
      [...(codes ?? '').matchAll(/\/problems\/monitor\/([a-z-]+)/g)].map((match) => match[1]),
      caughtCodes,
      'the report names the page of each finding code, once, in the order found',
    );
    for (const code of caughtCodes)
      t.equal((await env.app.inject({ url: `/problems/monitor/${code}` })).statusCode, 200, `${code}: the service serves its page`);
    t.match(caught.report, { consistency: 'ok', root: 'match', stateSaved: false });
    const again = await monitor();
    t.equal(again.exitCode, 1, 'the state is not advanced past a finding: the next run finds it again');
    t.equal(again.report.findings.length, 6);

    // A pinned key that is not the log's, a refused token, no server.
    const other = verifierOf(generateSigner(ORIGIN)).vkey;
    const pinned = await monitor({ stateFile: join(dir, 'none.json'), key: other });
    t.equal(pinned.exitCode, 1);
    t.same(
      pinned.report.findings.map((f) => f.code),
      ['log-key-changed', 'bad-checkpoint'],
    );
    t.match(
      formatMonitorReport(pinned.report),
      /\ncodes +what each code means and what to do: \/problems\/monitor\/log-key-changed, \/problems\/monitor\/bad-checkpoint on any gridproof service\nresult +FAILED: 2 findings\n$/,
      'the pages come last before the result',
    );
    const mixed = await monitor({ key: other });
    t.equal(mixed.exitCode, 2, '--key contradicting the state file is unusable input');
    const refused = await monitor({ token: 'not-a-token', stateFile: join(dir, 'none.json') });
    t.equal(refused.exitCode, 1, 'a refused token: the server refused, exit 1 like every command');
    t.match(refused.report.error, /unauthorized/);
    t.match(formatMonitorReport(refused.report), /result +REFUSED BY THE SERVER: \/v1\/\S+: the server answered 401 /);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const noServer = await runMonitor({ url: `http://127.0.0.1:${closedPort}`, token: certifier.token });
    t.equal(noServer.exitCode, 2, 'no server');
    t.match(formatMonitorReport(noServer.report), /UNUSABLE INPUT: cannot reach http:\/\/127\.0\.0\.1:\d+\/v1\/log\/key: ECONNREFUSED \(nothing listens there/);
  });
}

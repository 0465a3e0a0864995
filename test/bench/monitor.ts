/**
 * Benchmark: the certifier's monitor (src/cli/monitor.ts runMonitor)
 * over a log of 10⁵ entries (× BENCH_SCALE) on PostgreSQL in a fresh
 * database, through a real socket (app.listen on 127.0.0.1, port 0).
 *
 * The log is realistic: 6 generators (4 wind, 2 solar) and 14 tenant meters
 * send hourly readings through the intake, a day at a time, and runMatching
 * adds their settlements (one per hour, holding its allocations), until the
 * log holds the target size. Then a checkpoint, a certifier, and a first
 * monitor run from entry 0 with a fresh state file; then about 1000 more
 * entries, a new checkpoint and an incremental run from the state file. Both
 * runs must end clean (exit 0, root match, every entry checked). The state
 * file's size is reported per entry and per allocation: it is what a
 * certifier keeps between runs.
 *
 * The monitor runs as a certifier runs it: the real command (`gridproof
 * monitor URL --token T --state FILE --json`) in a process of its own, with
 * its worker threads, while this process serves the log; both share the
 * machine's cores with PostgreSQL. A run's time is the monitor's own clock
 * (the report's `seconds`: from the start of runMonitor to its verdict),
 * which leaves out starting Node and loading the code. The baseline is
 * unchanged: one thread of this process verifying Ed25519 signatures.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { MonitorResult } from '../../src/cli/monitor.ts';
import type { Signer } from '../../src/crypto/note.ts';
import { publicKeyFromSeed } from '../../src/crypto/ed25519.ts';
import { readLogSize } from '../../src/db/log.ts';
import { nativeSign, nativeVerify } from '../../src/platform/node-ed25519.ts';
import { runMatching } from '../../src/ledger/matching/run.ts';
import type { Role } from '../../src/domain/payloads.ts';
import { publishCheckpoint } from '../../src/ledger/publish.ts';
import { addDevice, addParticipant, auth, OPERATOR_TOKEN } from '../helpers/app.ts';
import { freshApp, H, shape, submitReadings, type Series } from './bundle.ts';
import { listen, note, onCleanup, scaled, type Row, type Section } from './lib.ts';

const START = Date.parse('2023-01-01T00:00:00Z');

function fleet(): Series[] {
  const zero = () => 0;
  const series: Series[] = [];
  for (let i = 0; i < 6; i++) {
    const solar = i >= 4;
    // Each generator its own phase of the fixture week, so they differ.
    series.push({
      id: `${solar ? 'solar' : 'wind'}-${i}`,
      type: solar ? 'solar' : 'wind',
      owner: 'parkco',
      capacityW: 20_000_000,
      importWh: zero,
      exportWh: (h) => shape(solar ? 'solar' : 'wind', h + 24 * i, solar ? 6_000_000 : 10_000_000),
    });
  }
  for (let i = 0; i < 14; i++) {
    series.push({
      id: `meter-${i}`,
      type: 'consumption',
      owner: `tenant-${i}`,
      capacityW: 20_000_000,
      importWh: (h) => shape('load', h + 7 * i, 1_000_000 + 150_000 * i),
      exportWh: zero,
    });
  }
  return series;
}

/**
 * The baseline: native Ed25519 verifications per second, one key, 200-byte
 * messages (about an entry's signed text), measured in the same process
 * right after the monitor runs. The monitor verifies one signature per entry,
 * so this bounds what replay with re-execution can reach.
 */
function nativeVerifyRate(count: number): number {
  const seed = new Uint8Array(32).fill(7);
  const publicKey = publicKeyFromSeed(seed);
  const messages = Array.from({ length: count }, (_, i) => new TextEncoder().encode(`entry ${i} `.padEnd(200, '.')));
  const signatures = messages.map((m) => nativeSign(seed, m));
  const t0 = performance.now();
  for (let i = 0; i < count; i++) if (!nativeVerify(publicKey, messages[i]!, signatures[i]!)) throw new Error('a native signature does not verify');
  return count / ((performance.now() - t0) / 1000);
}

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** `gridproof monitor … --json` in a child process; its exit code and report. */
async function monitorProcess(url: string, token: string, stateFile: string): Promise<MonitorResult> {
  const child = spawn(process.execPath, ['bin/gridproof.js', 'monitor', url, '--token', token, '--state', stateFile, '--json'], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const text = Buffer.concat(out).toString('utf8');
  let parsed: { exitCode: number } & MonitorResult['report'];
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`gridproof monitor exited ${code} without a JSON report: ${text.slice(0, 300)} ${Buffer.concat(err).toString('utf8').slice(0, 500)}`);
  }
  const { exitCode, ...report } = parsed;
  if (exitCode !== code) throw new Error(`gridproof monitor exited ${code}, its report says ${exitCode}`);
  return { exitCode: exitCode as MonitorResult['exitCode'], report };
}

function checkClean(result: MonitorResult, expectedChecked: number, what: string): void {
  const { exitCode, report } = result;
  if (exitCode !== 0 || report.root !== 'match' || report.entries.checked !== expectedChecked) {
    throw new Error(
      `${what}: exit ${exitCode}, root ${report.root}, checked ${report.entries.checked} of ${expectedChecked}, ${report.findings.length} findings ${JSON.stringify(report.findings.slice(0, 3))} ${report.error ?? ''}`,
    );
  }
}

export async function benchMonitor(): Promise<Section> {
  const target = scaled(100_000, 2000);
  const increment = 1000;
  const env = await freshApp();
  const { app, ledger } = env;
  await app.inject({
    method: 'POST',
    url: '/v1/zones',
    headers: auth(OPERATOR_TOKEN),
    payload: { zone: 'DE-LU', gCO2PerKWh: 380, validFrom: '2018-01-01T00:00:00Z' },
  });
  const parkco = await addParticipant(app, 'generator', 'parkco');
  const chains: Array<{ series: Series; key: { signer: Signer }; prev?: string; role: Role }> = [];
  for (const series of fleet()) {
    if (series.owner !== parkco.id) await addParticipant(app, 'tenant', series.owner);
    const key = await addDevice(app, { id: series.id, owner: series.owner, type: series.type, capacityW: series.capacityW });
    chains.push({ series, key, role: series.owner === parkco.id ? 'generator' : 'tenant' });
  }

  // Fill: `step` hours of every device, then match them, until the log reaches `until` entries.
  let hours = 0;
  let readings = 0;
  let matched = { allocations: 0, settlements: 0 };
  const fill = async (until: number, step: number) => {
    while ((await readLogSize(ledger.db)) < until) {
      for (const chain of chains) await submitReadings(env, chain, START, hours, hours + step);
      readings += chains.length * step;
      hours += step;
      const summary = await runMatching(ledger, START + hours * H);
      if (summary.intervals !== step) throw new Error(`matched ${summary.intervals} of ${step} intervals`);
      matched = { allocations: matched.allocations + summary.allocations, settlements: matched.settlements + summary.settlements };
    }
  };
  note(`monitor: filling the log to ${target} entries`);
  const f0 = performance.now();
  await fill(target, 24);
  const fillMs = performance.now() - f0;
  const first = await publishCheckpoint(ledger);
  const size1 = first.checkpoint!.size;
  note(
    `monitor: ${size1} entries (${readings} readings, ${matched.allocations} allocations, ${matched.settlements} settlements) in ${(fillMs / 1000).toFixed(0)} s`,
  );

  const { host, port } = await listen(app);
  const url = `http://${host}:${port}`;
  const certifier = await addParticipant(app, 'certifier', 'auditor');
  const dir = mkdtempSync(`${tmpdir()}/gridproof-bench-monitor-`);
  onCleanup(async () => rmSync(dir, { recursive: true, force: true }));
  const stateFile = `${dir}/state.json`;

  const full = await monitorProcess(url, certifier.token, stateFile);
  const fullMs = full.report.seconds * 1000;
  checkClean(full, size1, 'first monitor run');
  if (!full.report.stateSaved) throw new Error('the first run saved no state');

  const stateBytes = statSync(stateFile).size;
  const allocations1 = matched.allocations;

  // About 1000 more entries: a day of all devices writes 480 readings and 24 settlements.
  await fill(size1 + increment, 24);
  const second = await publishCheckpoint(ledger);
  const size2 = second.checkpoint!.size;
  const incremental = await monitorProcess(url, certifier.token, stateFile);
  const incMs = incremental.report.seconds * 1000;
  checkClean(incremental, size2 - size1, 'incremental monitor run');
  if (incremental.report.replay !== 'incremental' || incremental.report.consistency !== 'ok') {
    throw new Error(`incremental run: replay ${incremental.report.replay}, consistency ${incremental.report.consistency}`);
  }

  const added = size2 - size1;
  const verifyRate = nativeVerifyRate(20_000);
  const fullRate = size1 / (fullMs / 1000);
  const rows: Row[] = [
    {
      figure: `monitor, first run over ${size1} entries (re-executing matching)`,
      value: fullRate,
      unit: 'entries/s',
      detail: `${(fullMs / 1000).toFixed(1)} s wall, in its own process`,
      summary: true,
    },
    { figure: 'native Ed25519 verify, same run (baseline)', value: verifyRate, unit: 'verifies/s', detail: '20,000 signatures of 200 bytes, one key' },
    {
      figure: 'monitor first run ÷ native verify rate (goal ≥ 0.7)',
      value: fullRate / verifyRate,
      unit: '×',
      detail: 'both measured in this run',
      summary: true,
    },
    {
      figure: `monitor, incremental run over ${added} more`,
      value: added / (incMs / 1000),
      unit: 'entries/s',
      detail: `${incMs.toFixed(0)} ms wall`,
      summary: true,
    },
    {
      figure: `monitor state file after ${size1} entries`,
      value: stateBytes / size1,
      unit: 'B/entry',
      detail: `${(stateBytes / 1e6).toFixed(1)} MB, ${(stateBytes / allocations1).toFixed(1)} B per allocation settled`,
    },
  ];
  return {
    title: `monitor: runMonitor over HTTP (127.0.0.1), PostgreSQL, ${size1} + ${added} entries`,
    rows,
    notes: [
      `log: ${hours} hours of 6 generators and 14 tenant meters = ${readings} readings, ${matched.allocations} allocations, ${matched.settlements} settlements, plus registry entries; filled in ${(fillMs / 1000).toFixed(0)} s (not timed)`,
      `the monitor ran as \`gridproof monitor --json\` in its own process (with its worker threads), this process serving the log over 127.0.0.1; times are its own clock (the report's seconds), so they leave out starting Node`,
      `first run ${full.report.seconds.toFixed(1)} s (${full.report.verifiedOnWorkers ?? 0} of ${size1} signatures verified on its worker threads, the rest in place while they started), incremental ${incremental.report.seconds.toFixed(2)} s (${incremental.report.verifiedOnWorkers ?? 0} on workers); both exit 0, root match, no finding`,
    ],
  };
}

/**
 * `gridproof monitor <url> --token T [--state FILE] [--key VKEY]`: the
 * certifier's monitor (docs/design.md
 * §7).
 *
 * 1. Pins the log key: the one in the state file, else --key, else the one
 *    the log serves (GET /v1/log/key); a served key that differs from the
 *    pinned one is a finding. The origin is the key's name.
 * 2. Fetches the latest checkpoint and opens it under that key and origin.
 * 3. With a state file: proves the checkpoint consistent with the one of the
 *    last clean run (GET /v1/log/proof/consistency, verifyConsistency); a
 *    smaller size or a failing proof is a finding (monitor-consistency.ts).
 * 4. Fetches every entry from where the last run stopped up to the
 *    checkpoint's size, in pages of up to 1000 (GET /v1/log/entries), and
 *    feeds each to the replay (domain/monitor/replay.ts: signatures under the
 *    keys the log registered, chains, settlements, claims, storage) and its
 *    leaf hash to the frontier, whose root must be the checkpoint's
 *    (monitor-entries.ts).
 * 5. Prints a report; exit 0 when every check passed, 1 on any finding or
 *    a request the server refused (a token it does not take), 75 when the
 *    server cannot answer now (503, 429: run again later), 2 on unusable
 *    input (bad arguments or state file, unreachable server). Warnings (late supply readings not settled yet) leave it 0.
 *    The state file is rewritten only after a clean run.
 *
 * The replay is incremental: the state file keeps the replay state and the
 * Merkle frontier, so a run fetches and checks only the new entries.
 */
import { toBase64 } from '../crypto/base64.ts';
import { openCheckpoint, type Checkpoint } from '../crypto/checkpoint.ts';
import type { VerifyFn } from '../crypto/ed25519.ts';
import { parseVerifierKey, type Verifier } from '../crypto/note.ts';
import { finding } from '../domain/monitor/findings.ts';
import { Frontier } from '../domain/monitor/frontier.ts';
import { LogReplay } from '../domain/monitor/replay.ts';
import { formatInstant } from '../domain/time.ts';
import { GridproofError } from '../errors.ts';
import { nativeVerify } from '../platform/node-ed25519.ts';
import { nativeHashChildren } from '../platform/node-sha256.ts';
import { parseArgs } from './args.ts';
import { EXIT_REFUSED, EXIT_TRY_AGAIN, exitCodeOf, HttpClient, NetworkError, serviceUrlProblem, ServiceUrlError } from './http-client.ts';
import { checkAgainstPrevious } from './monitor-consistency.ts';
import { MonitorPrecheck } from './monitor-precheck.ts';
import { AHEAD, replayEntries } from './monitor-entries.ts';
import { progressBar, type MonitorProgress } from './monitor-progress.ts';
import { formatMonitorReport, type MonitorReport } from './monitor-report.ts';
import { MONITOR_STATE_VERSION, readMonitorState, stateFileProblem, StateNotWritten, writeMonitorState } from './monitor-state.ts';
import { describe, Unusable } from './monitor-unusable.ts';

export type { MonitorProgress } from './monitor-progress.ts';
export type { MonitorReport } from './monitor-report.ts';

/** The server's largest page of entries (ledger/log-reads.ts MAX_ENTRY_PAGE). */
export const MONITOR_PAGE = 1000;

/** Readings may end this far after the monitor's clock (clock skew between machines). */
const CLOCK_SKEW_MS = 15 * 60 * 1000;

export interface MonitorOptions {
  /** The service's base URL. */
  url: string;
  /** A certifier's (or the operator's) bearer token: entries are not public. */
  token: string;
  /** Where the state between runs is kept; without it every run starts from entry 0. */
  stateFile?: string;
  /** A verifier key to pin on a first run (a state file pins its own). */
  key?: string;
  progress?: MonitorProgress;
  verify?: VerifyFn;
  now?: () => number;
  /** Entries per request, up to 1000. */
  pageSize?: number;
  /**
   * Leaf hashes, entry parsing and signature arithmetic on worker threads,
   * pages ahead of the replay (monitor-precheck.ts); the verdicts are the
   * same either way. 'auto' (the default): for a run of more than three
   * pages, from when the workers are up. 'wait': always, waiting for them before
   * the first page. 'off': everything in place, as with a `verify` of the
   * caller's.
   */
  workers?: 'auto' | 'wait' | 'off';
}

export interface MonitorResult {
  exitCode: 0 | 1 | 2 | 75;
  report: MonitorReport;
}

/** Runs the monitor once; never throws for bad input or a bad log. */
export async function runMonitor(options: MonitorOptions): Promise<MonitorResult> {
  const now = options.now ?? Date.now;
  const started = now();
  const report: MonitorReport = {
    url: options.url,
    consistency: 'not checked',
    entries: { from: 0, to: 0, checked: 0 },
    replay: 'from entry 0',
    root: 'not checked',
    findings: [],
    warnings: [],
    stateSaved: false,
    seconds: 0,
    ...(options.stateFile ? { stateFile: options.stateFile } : {}),
  };
  const done = (exitCode: MonitorResult['exitCode']): MonitorResult => {
    report.seconds = (now() - started) / 1000;
    return { exitCode, report };
  };
  try {
    const exitCode = await monitor(options, report, now);
    return done(exitCode);
  } catch (error) {
    options.progress?.stop();
    const answered = exitCodeOf(error);
    let stopped: MonitorResult['exitCode'];
    if (answered === EXIT_REFUSED || answered === EXIT_TRY_AGAIN) {
      if (answered === EXIT_REFUSED) report.refused = true;
      else report.tryAgain = true;
      stopped = answered;
    } else if (
      error instanceof Unusable ||
      error instanceof NetworkError ||
      error instanceof ServiceUrlError ||
      error instanceof GridproofError ||
      error instanceof TypeError ||
      error instanceof SyntaxError
    ) {
      stopped = 2;
    } else throw error;
    report.error = describe(error);
    // A finding made before the run stopped stands, whatever stopped it: neither
    // "run again later" nor a server gone silent may hide a changed log key.
    return done(report.findings.length > 0 ? 1 : stopped);
  }
}

async function monitor(options: MonitorOptions, report: MonitorReport, now: () => number): Promise<0 | 1 | 2> {
  const verify = options.verify ?? nativeVerify;
  const pageSize = Math.min(Math.max(1, options.pageSize ?? MONITOR_PAGE), MONITOR_PAGE);
  const findings = report.findings;
  if (!options.token) throw new Unusable('a certifier token is required (--token T)');
  const client = new HttpClient(options.url, options.token);

  // 1. The log key: pinned by the state file, by --key, or taken from the log on a first run.
  const state = options.stateFile ? readMonitorState(options.stateFile) : undefined;
  if (state && options.key !== undefined && options.key !== state.vkey) {
    throw new Unusable(`--key ${options.key} is not the key ${state.vkey} pinned by the state file ${options.stateFile}`);
  }
  const pinned = state?.vkey ?? options.key;
  report.keySource = state ? 'the state file' : options.key !== undefined ? '--key' : 'the log';
  const served = (await client.text('/v1/log/key')).trim();
  if (pinned !== undefined && served !== pinned) {
    findings.push(finding('log-key-changed', [], `the log serves the key ${served}, not the pinned ${pinned}`));
  }
  let verifier: Verifier;
  try {
    verifier = parseVerifierKey(pinned ?? served);
  } catch (error) {
    throw new Unusable(`the log key ${pinned ?? served} is not a verifier key: ${describe(error)}`);
  }
  const origin = verifier.name;
  report.vkey = verifier.vkey;
  report.origin = origin;
  if (state && state.origin !== origin) throw new Unusable(`the state file is for log ${state.origin}, its key for ${origin}`);

  // 2. The latest checkpoint, under the pinned key and origin.
  let note: string;
  try {
    note = await client.text('/v1/log/checkpoint');
  } catch (error) {
    if (error instanceof GridproofError && error.code === 'unknown-checkpoint') throw new Unusable('the log has not published a checkpoint yet');
    throw error;
  }
  let checkpoint: Checkpoint;
  try {
    checkpoint = openCheckpoint(note, verifier, origin, verify);
  } catch (error) {
    if (!(error instanceof GridproofError)) throw error;
    findings.push(finding('bad-checkpoint', [], `the latest checkpoint does not open under ${verifier.vkey}: ${error.message}`));
    return 1;
  }
  report.checkpoint = { size: checkpoint.size, root: toBase64(checkpoint.root) };

  // 3. Consistency with the checkpoint of the last clean run.
  const continueFrom = await checkAgainstPrevious(client, state, checkpoint, report);

  // 4. Every entry up to the checkpoint's size, from where the last clean run stopped.
  // A verify function of the caller's is used as it is, in place; the default one runs on the workers, a page ahead.
  const workers = options.verify === undefined ? (options.workers ?? 'auto') : 'off';
  const precheck = workers === 'off' ? undefined : new MonitorPrecheck();
  const replayOptions = { origin, logVerifier: verifier, verify, nowMs: now() + CLOCK_SKEW_MS };
  let replay: LogReplay;
  let tree: Frontier;
  try {
    replay = new LogReplay(replayOptions, continueFrom?.replay);
    tree = continueFrom ? Frontier.fromJSON(continueFrom.frontier, nativeHashChildren) : Frontier.empty(nativeHashChildren);
  } catch (error) {
    throw new Unusable(`the state file ${options.stateFile} cannot be continued from: ${describe(error)}`);
  }
  if (continueFrom) report.replay = 'incremental';
  let complete: boolean;
  try {
    // A run of up to AHEAD + 1 pages hands every page out at its start, before the workers are up: they would only take cores from it.
    if (workers === 'wait') await precheck?.start();
    else if (checkpoint.size - replay.size > (AHEAD + 1) * pageSize) void precheck?.start();
    complete = await replayEntries(client, checkpoint.size, replay, tree, pageSize, report, options.progress, precheck);
  } finally {
    if (precheck) report.verifiedOnWorkers = precheck.answered;
    await precheck?.close();
  }

  if (complete) {
    // Late supply not yet settled: a finding only once a late settlement leaves it out (replay-late.ts).
    report.warnings = replay.warnings();
    const root = tree.root();
    report.recomputedRoot = toBase64(root);
    if (toBase64(root) === report.checkpoint.root) report.root = 'match';
    else {
      report.root = 'mismatch';
      findings.push(
        finding('root-mismatch', [], `the root of the ${checkpoint.size} entries served is ${toBase64(root)}, the checkpoint says ${report.checkpoint.root}`),
      );
    }
  }

  if (findings.length > 0) return 1;
  // 5. A clean run: remember this checkpoint, the frontier and the replay state.
  if (options.stateFile) {
    try {
      writeMonitorState(options.stateFile, {
        version: MONITOR_STATE_VERSION,
        origin,
        vkey: verifier.vkey,
        checkpoint: report.checkpoint,
        frontier: tree.toJSON(),
        replay: replay.snapshot(),
        savedAt: formatInstant(now()),
      });
    } catch (error) {
      if (!(error instanceof StateNotWritten)) throw error;
      // The checks passed and the report says so; the state file is unusable input (exit 2), said after it.
      report.stateError = error.message;
      return 2;
    }
    report.stateSaved = true;
  }
  return 0;
}

const USAGE = 'usage: gridproof monitor URL --token T [--state FILE] [--key VKEY] [--json]\n';

export async function monitorCommand(args: string[]): Promise<number> {
  const { options, positional } = parseArgs(args, ['json']);
  const unknown = [...options.keys()].filter((name) => !['token', 'state', 'key', 'json'].includes(name));
  const [url, ...extra] = positional;
  const token = options.get('token');
  const state = options.get('state');
  const problem =
    unknown.length > 0
      ? `unknown option --${unknown[0]}`
      : url === undefined || extra.length > 0
        ? 'give exactly one URL'
        : !token
          ? '--token T is required (a certifier token)'
          : options.get('state') === ''
            ? '--state needs a file'
            : options.get('key') === ''
              ? '--key needs a verifier key'
              : undefined;
  if (problem !== undefined) {
    process.stderr.write(`gridproof monitor: ${problem}\n${USAGE}`);
    return 2;
  }
  // The URL as every command takes it (http-client.ts): one line, before any request.
  const urlProblem = serviceUrlProblem(url!);
  if (urlProblem !== undefined) {
    process.stderr.write(`gridproof monitor: ${urlProblem}\n`);
    return 2;
  }
  // Where the state goes, before the replay (monitor-state.ts stateFileProblem): one line naming the file as given.
  const stateProblem = state === undefined ? undefined : stateFileProblem(state);
  if (stateProblem !== undefined) {
    process.stderr.write(`gridproof monitor: ${stateProblem}\n`);
    return 2;
  }
  const key = options.get('key');
  const progress = progressBar();
  const { exitCode, report } = await runMonitor({
    url: url!,
    token: token!,
    ...(state !== undefined ? { stateFile: state } : {}),
    ...(key !== undefined ? { key } : {}),
    ...(progress ? { progress } : {}),
  });
  // --json: the report as it is, for scripts; the exit code says the verdict either way.
  process.stdout.write(options.has('json') ? `${JSON.stringify({ exitCode, ...report })}\n` : formatMonitorReport(report));
  if (report.error) process.stderr.write(`gridproof monitor: ${report.error}\n`);
  if (report.stateError) process.stderr.write(`gridproof monitor: ${report.stateError}\n`);
  return exitCode;
}

/**
 * `gridproof monitor <url> --token T [--state FILE] [--key VKEY]`: the
 * certifier's monitor (issue 3 §6, issue 5 §4; DESIGN.md "Proof bundle and
 * verification", last paragraphs).
 *
 * 1. Pins the log key: the one in the state file, else --key, else the one
 *    the log serves (GET /v1/log/key); a served key that differs from the
 *    pinned one is a finding. The origin is the key's name.
 * 2. Fetches the latest checkpoint and opens it under that key and origin.
 * 3. With a state file: proves the checkpoint consistent with the one of the
 *    last clean run (GET /v1/log/proof/consistency, verifyConsistency); a
 *    smaller size or a failing proof is a finding.
 * 4. Fetches every entry from where the last run stopped up to the
 *    checkpoint's size, in pages of up to 1000 (GET /v1/log/entries), and
 *    feeds each to the replay (domain/monitor/replay.ts: signatures under the
 *    keys the log registered, chains, settlements, claims, storage) and its
 *    leaf hash to the frontier, whose root must be the checkpoint's.
 * 5. Prints a report; exit 0 when every check passed, 1 on any finding, 2 on
 *    unusable input (bad arguments or state file, unreachable server, token
 *    refused). The state file is rewritten only after a clean run.
 *
 * The replay is incremental: the state file keeps the replay state and the
 * Merkle frontier, so a run fetches and checks only the new entries.
 */
import cliProgress from 'cli-progress';
import { hashFromBase64, toBase64, utf8 } from '../crypto/base64.ts';
import { openCheckpoint, type Checkpoint } from '../crypto/checkpoint.ts';
import type { VerifyFn } from '../crypto/ed25519.ts';
import { hashLeaf, verifyConsistency } from '../crypto/merkle.ts';
import { parseVerifierKey, type Verifier } from '../crypto/note.ts';
import { finding, type Finding } from '../domain/monitor/findings.ts';
import { Frontier } from '../domain/monitor/frontier.ts';
import { LogReplay } from '../domain/monitor/replay.ts';
import { formatInstant } from '../domain/time.ts';
import { GridproofError } from '../errors.ts';
import { nativeVerify } from '../platform/node-ed25519.ts';
import { parseArgs } from './args.ts';
import { HttpClient } from './http-client.ts';
import { formatMonitorReport, type MonitorReport } from './monitor-report.ts';
import { MONITOR_STATE_VERSION, readMonitorState, writeMonitorState, type MonitorState } from './monitor-state.ts';

export type { MonitorReport } from './monitor-report.ts';

/** The server's largest page of entries (routes/log.ts MAX_ENTRY_PAGE). */
export const MONITOR_PAGE = 1000;

/** Readings may end this far after the monitor's clock (clock skew between machines). */
const CLOCK_SKEW_MS = 15 * 60 * 1000;

export interface MonitorProgress {
  start(total: number): void;
  update(done: number): void;
  stop(): void;
}

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
}

export interface MonitorResult {
  exitCode: 0 | 1 | 2;
  report: MonitorReport;
}

/** Input the monitor cannot work with: exit 2. */
class Unusable extends Error {}

function describe(error: unknown): string {
  if (error instanceof GridproofError) return error.message;
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return cause ? `${error.message} (${cause.code ?? cause.message ?? 'no detail'})` : error.message;
  }
  return String(error);
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
    stateSaved: false,
    seconds: 0,
    ...(options.stateFile ? { stateFile: options.stateFile } : {}),
  };
  const done = (exitCode: 0 | 1 | 2): MonitorResult => {
    report.seconds = (now() - started) / 1000;
    return { exitCode, report };
  };
  try {
    const exitCode = await monitor(options, report, now);
    return done(exitCode);
  } catch (error) {
    options.progress?.stop();
    if (error instanceof Unusable || error instanceof GridproofError || error instanceof TypeError || error instanceof SyntaxError) {
      report.error = describe(error);
      return done(2);
    }
    throw error;
  }
}

async function monitor(options: MonitorOptions, report: MonitorReport, now: () => number): Promise<0 | 1> {
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
  let continueFrom: MonitorState | undefined;
  if (!state) report.consistency = 'first run';
  else {
    report.previous = state.checkpoint;
    const oldSize = state.checkpoint.size;
    let oldRoot: Uint8Array;
    try {
      oldRoot = hashFromBase64(state.checkpoint.root);
    } catch {
      throw new Unusable(`the state file's checkpoint root ${state.checkpoint.root} is not a base64 hash`);
    }
    if (checkpoint.size < oldSize) {
      report.consistency = 'failed';
      findings.push(finding('checkpoint-rollback', [], `the latest checkpoint has size ${checkpoint.size}, smaller than the size ${oldSize} seen last time`));
    } else {
      const problem = await checkConsistency(client, oldSize, oldRoot, checkpoint);
      if (problem) {
        report.consistency = 'failed';
        findings.push(finding('inconsistent-checkpoint', [], `size ${oldSize} (root ${state.checkpoint.root}) to size ${checkpoint.size}: ${problem}`));
      } else report.consistency = 'ok';
      continueFrom = state;
    }
  }

  // 4. Every entry up to the checkpoint's size, from where the last clean run stopped.
  const replayOptions = { origin, logVerifier: verifier, verify, nowMs: now() + CLOCK_SKEW_MS };
  let replay: LogReplay;
  let tree: Frontier;
  try {
    replay = new LogReplay(replayOptions, continueFrom?.replay);
    tree = continueFrom ? Frontier.fromJSON(continueFrom.frontier) : Frontier.empty();
  } catch (error) {
    throw new Unusable(`the state file ${options.stateFile} cannot be continued from: ${describe(error)}`);
  }
  if (continueFrom) report.replay = 'incremental';
  const from = replay.size;
  report.entries = { from, to: checkpoint.size, checked: 0 };
  options.progress?.start(checkpoint.size - from);
  let next = from;
  let complete = true;
  pages: while (next < checkpoint.size) {
    const limit = Math.min(pageSize, checkpoint.size - next);
    const page = await client.json<{ entries?: unknown }>(`/v1/log/entries?start=${next}&limit=${limit}`);
    const entries = Array.isArray(page.entries) ? (page.entries as Array<{ index?: unknown; bytes?: unknown }>) : [];
    if (entries.length === 0) {
      findings.push(finding('missing-entries', [next], `the checkpoint covers ${checkpoint.size} entries, the log serves none from index ${next}`));
      complete = false;
      break;
    }
    for (const entry of entries.slice(0, limit)) {
      let bytes: Uint8Array | undefined;
      try {
        if (typeof entry.bytes === 'string') bytes = utf8(entry.bytes);
      } catch {
        bytes = undefined;
      }
      if (entry.index !== next || bytes === undefined) {
        findings.push(finding('missing-entries', [next], `expected entry ${next} with its text, the log served ${JSON.stringify(entry.index)}`));
        complete = false;
        break pages;
      }
      const leafHash = hashLeaf(bytes);
      tree.append(leafHash);
      findings.push(...replay.add(next, entry.bytes as string, leafHash));
      next++;
    }
    report.entries.checked = next - from;
    options.progress?.update(next - from);
  }
  options.progress?.stop();
  report.entries.checked = next - from;

  if (complete) {
    findings.push(...replay.finish());
    const root = tree.root();
    report.recomputedRoot = toBase64(root);
    if (toBase64(root) === report.checkpoint.root) report.root = 'match';
    else {
      report.root = 'mismatch';
      findings.push(finding('root-mismatch', [], `the root of the ${checkpoint.size} entries served is ${toBase64(root)}, the checkpoint says ${report.checkpoint.root}`));
    }
  }

  if (findings.length > 0) return 1;
  // 5. A clean run: remember this checkpoint, the frontier and the replay state.
  if (options.stateFile) {
    writeMonitorState(options.stateFile, {
      version: MONITOR_STATE_VERSION,
      origin,
      vkey: verifier.vkey,
      checkpoint: report.checkpoint,
      frontier: tree.toJSON(),
      replay: replay.snapshot(),
      savedAt: formatInstant(now()),
    });
    report.stateSaved = true;
  }
  return 0;
}

/**
 * Proves `checkpoint` consistent with the earlier tree (RFC 9162 §2.1.4.2);
 * returns what went wrong, or undefined. A proof the log refuses to give
 * (a 4xx answer) is a failure of the log; a server error or no answer is
 * unusable input.
 */
async function checkConsistency(client: HttpClient, oldSize: number, oldRoot: Uint8Array, checkpoint: Checkpoint): Promise<string | undefined> {
  let proof: Uint8Array[] = [];
  if (oldSize === 0) return undefined; // the empty tree is a prefix of every tree
  if (oldSize < checkpoint.size) {
    let body: { proof?: unknown };
    try {
      body = await client.json<{ proof?: unknown }>(`/v1/log/proof/consistency?from=${oldSize}&to=${checkpoint.size}`);
    } catch (error) {
      if (error instanceof GridproofError && error.status >= 400 && error.status < 500 && error.status !== 401 && error.status !== 403) {
        return `the log gives no proof: ${error.message}`;
      }
      throw error;
    }
    if (!Array.isArray(body.proof)) return 'the log answered without a proof';
    try {
      proof = body.proof.map((hash) => hashFromBase64(String(hash)));
    } catch (error) {
      return `the proof is not a list of base64 hashes: ${describe(error)}`;
    }
  }
  try {
    verifyConsistency(oldSize, checkpoint.size, proof, oldRoot, checkpoint.root);
    return undefined;
  } catch (error) {
    if (!(error instanceof GridproofError)) throw error;
    return error.detail;
  }
}

function progressBar(): MonitorProgress | undefined {
  if (!process.stderr.isTTY) return undefined;
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'entries [{bar}] {value}/{total} {percentage}% | ETA {eta_formatted}', hideCursor: true, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  let running = false;
  return {
    start(total) {
      if (total > 0) {
        bar.start(total, 0);
        running = true;
      }
    },
    update(done) {
      if (running) bar.update(done);
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}

const USAGE = 'usage: gridproof monitor URL --token T [--state FILE] [--key VKEY]\n';

export async function monitorCommand(args: string[]): Promise<number> {
  const { options, positional } = parseArgs(args);
  const unknown = [...options.keys()].filter((name) => !['token', 'state', 'key'].includes(name));
  const [url, ...extra] = positional;
  const token = options.get('token');
  const problem =
    unknown.length > 0
      ? `unknown option --${unknown[0]}`
      : url === undefined || extra.length > 0
        ? 'give exactly one URL'
        : !/^https?:\/\//.test(url)
          ? `${url} is not an http(s) URL`
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
  const state = options.get('state');
  const key = options.get('key');
  const progress = progressBar();
  const { exitCode, report } = await runMonitor({
    url: url!,
    token: token!,
    ...(state !== undefined ? { stateFile: state } : {}),
    ...(key !== undefined ? { key } : {}),
    ...(progress ? { progress } : {}),
  });
  process.stdout.write(formatMonitorReport(report));
  if (report.error) process.stderr.write(`gridproof monitor: ${report.error}\n`);
  return exitCode;
}

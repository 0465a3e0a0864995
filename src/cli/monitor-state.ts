/**
 * The monitor's state file (`gridproof monitor --state FILE`): what a run
 * needs to continue where the last clean run stopped. JSON:
 *
 *   {
 *     "version": 2,
 *     "origin": "<log origin>",
 *     "vkey": "<the log's verifier key, pinned from the first run on>",
 *     "checkpoint": { "size": N, "root": "<base64>" },   the last checkpoint verified clean
 *     "frontier": { "size": N, "hashes": ["<base64>", …] },
 *                  the perfect-subtree hashes of the tree of N leaves, largest first
 *                  (one per 1 bit of N), so the root check continues incrementally
 *     "replay": { "version": 4, "size": N, … },           LogReplay.snapshot(): the registry, the
 *                  readings a settlement may still name, the settled supply readings, per
 *                  settlement what later claims and draws check, the storage lots, the
 *                  claims, the late-settlement transaction being replayed
 *                  (domain/monitor/replay-snapshot.ts)
 *     "savedAt": "<RFC 3339>"
 *   }
 *
 * It is written only after a run in which every check passed (atomically:
 * a temporary file, then rename), so a failing log keeps failing on every run
 * until someone looks, and the consistency check always starts from a
 * checkpoint that was verified. Where it goes is checked before a run
 * (stateFileProblem), so that a replay of many minutes does not end unable
 * to keep what it checked.
 */
import { accessSync, constants, existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ReplaySnapshot } from '../domain/monitor/replay.ts';
import { GridproofError } from '../errors.ts';
import { fileErrorText } from './file-errors.ts';

/** 2: settlements hold their allocations (a state file of version 1 is of the old log format). */
export const MONITOR_STATE_VERSION = 2;

export interface MonitorState {
  version: typeof MONITOR_STATE_VERSION;
  origin: string;
  vkey: string;
  checkpoint: { size: number; root: string };
  frontier: { size: number; hashes: string[] };
  replay: ReplaySnapshot;
  savedAt: string;
}

function bad(file: string, detail: string): never {
  throw new GridproofError('bad-request', `state file ${file}: ${detail}`);
}

const isSize = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** The state in `file`, or undefined when the file does not exist yet. */
export function readMonitorState(file: string): MonitorState | undefined {
  if (!existsSync(file)) return undefined;
  let state: Partial<MonitorState>;
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as Partial<MonitorState>;
  } catch (error) {
    bad(file, `not readable JSON (${(error as Error).message})`);
  }
  if (typeof state !== 'object' || state === null) bad(file, 'not a JSON object');
  if (state.version !== MONITOR_STATE_VERSION) bad(file, `version ${String(state.version)}, expected ${MONITOR_STATE_VERSION}`);
  if (typeof state.origin !== 'string' || typeof state.vkey !== 'string') bad(file, 'origin and vkey are strings');
  const { checkpoint, frontier, replay } = state;
  if (!checkpoint || !isSize(checkpoint.size) || typeof checkpoint.root !== 'string') bad(file, 'checkpoint is {size, root}');
  if (!frontier || frontier.size !== checkpoint.size || !Array.isArray(frontier.hashes)) bad(file, 'frontier is {size, hashes} of the checkpoint size');
  if (!replay || typeof replay !== 'object' || replay.size !== checkpoint.size) bad(file, 'replay is a replay state of the checkpoint size');
  return state as MonitorState;
}

/**
 * Why `file` (as the user named it) cannot be the state file, or undefined
 * when it can: its directory must exist and be writable (the state is
 * written to a temporary file there, then renamed over `file`), and a file
 * there already must be a readable file. Checked before anything is fetched.
 */
export function stateFileProblem(file: string): string | undefined {
  const directory = dirname(file);
  try {
    if (!statSync(directory).isDirectory()) return `--state ${file}: ${directory} is not a directory`;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') return `--state ${file}: the directory ${directory} does not exist`;
    return `--state ${file}: the directory ${directory} cannot be used (${fileErrorText(error)})`;
  }
  try {
    accessSync(directory, constants.W_OK | constants.X_OK);
  } catch (error) {
    return `--state ${file}: the directory ${directory} is not writable (${fileErrorText(error)}), and the state is written there`;
  }
  if (!existsSync(file)) return undefined;
  if (statSync(file).isDirectory()) return `--state ${file} is a directory, not a state file`;
  try {
    accessSync(file, constants.R_OK);
  } catch (error) {
    return `--state ${file} is not readable (${fileErrorText(error)})`;
  }
  return undefined;
}

/** The state could not be written at the end of a clean run (a full disk, the directory gone): the message names the user's file, not the temporary one. */
export class StateNotWritten extends Error {
  constructor(file: string, cause: unknown) {
    super(`--state ${file} was not written (${fileErrorText(cause)}); the run's result stands, and the next run checks these entries again`);
    this.name = 'StateNotWritten';
  }
}

/** Writes `state` to `file` atomically; throws StateNotWritten, leaving no temporary file behind, when it cannot. */
export function writeMonitorState(file: string, state: MonitorState): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, `${JSON.stringify(state)}\n`, { mode: 0o600 });
    renameSync(temporary, file);
  } catch (error) {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // the directory may be gone; nothing is left there then
    }
    throw new StateNotWritten(file, error);
  }
}

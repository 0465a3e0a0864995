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
 * checkpoint that was verified.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { ReplaySnapshot } from '../domain/monitor/replay.ts';
import { GridproofError } from '../errors.ts';

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

export function writeMonitorState(file: string, state: MonitorState): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}

/**
 * What the demo must remember between runs: the service it filled (its log
 * key), the participants' tokens (the service shows each only once) and the
 * meters' private keys. Written after every step that created something, by
 * rename, so an interrupted run leaves a file that says how far it got.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { GridproofError } from '../../errors.ts';

/**
 * A state file the demo cannot use (another log's, or not a state file at
 * all): the user's input is what is wrong, exit 2 (README's exit statuses),
 * in one line as the command says it, without the error code in front.
 */
export class UnusableStateFile extends GridproofError {
  constructor(detail: string) {
    super('bad-request', detail);
    this.message = detail;
    this.name = 'UnusableStateFile';
  }
}

export interface DemoState {
  /** The service's log key; a state file belongs to one log. */
  logKey: string;
  zoneIndex?: number;
  /** Participant id → bearer token. */
  tokens: Record<string, string>;
  /** Device id → its meter's private key (PRIVATE+KEY+…), and whether the service has registered it. */
  devices: Record<string, { privateKey: string; registered: boolean }>;
  contract?: boolean;
}

export function loadState(file: string): DemoState | undefined {
  if (!existsSync(file)) return undefined;
  let value: DemoState | null;
  try {
    value = JSON.parse(readFileSync(file, 'utf8')) as DemoState | null;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    value = null;
  }
  if (typeof value?.logKey !== 'string' || typeof value.tokens !== 'object' || typeof value.devices !== 'object') {
    throw new UnusableStateFile(`${file} is not a demo state file; pass the state file of an earlier demo run with --state, or a path where none is yet`);
  }
  return value;
}

/** Mode 0600: it holds bearer tokens and private keys. */
export function saveState(file: string, state: DemoState): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}

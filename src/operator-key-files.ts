/**
 * Where an operator key rotation finds the next key and leaves the keys
 * (README "Rotating the operator key"): the next key is
 * GRIDPROOF_NEXT_OPERATOR_KEY when set, else `$DATA_DIR/operator.next.key`
 * (mode 0600, made with `gridproof keygen --name <origin>/operator`), read
 * when a rotation is asked for, never before.
 *
 * Once a rotation is logged, the key files are left so that a restart loads
 * the new key: the old key goes to `operator.retired-<index>.key` (the index
 * of the rotation entry), the new key becomes `operator.key`, and only then is
 * `operator.next.key` removed. Each file is written to a temporary file,
 * fsync'd, renamed over its name and the directory fsync'd, so a crash leaves
 * either the old or the new file, never half of one. A crash before the last
 * step leaves the staged key in place, and the start-up check adopts it when
 * the log says it is in force (ledger/bootstrap.ts). When the operator key
 * comes from GRIDPROOF_OPERATOR_KEY, no file is written: the operator puts
 * the new key into that variable. A file that cannot be written is
 * `key-files-not-written`, whose detail says which one and what the
 * operator must do (docs/api.md).
 */
import { closeSync, constants, existsSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { formatPrivateKey, parsePrivateKey, type Signer } from './crypto/note.ts';
import type { Config } from './config.ts';
import { GridproofError } from './errors.ts';
import { readKeyFile } from './key-files.ts';
import type { OperatorKeyStore } from './ledger/operator-key.ts';

export const NEXT_OPERATOR_KEY_FILE = 'operator.next.key';
export const OPERATOR_KEY_FILE = 'operator.key';
export const retiredKeyFile = (entryIdx: number): string => `operator.retired-${entryIdx}.key`;

/** Writes `text` to `dir/name` so that a crash leaves the old file or the whole new one. */
export function writeKeyFileDurably(dir: string, name: string, text: string): void {
  const file = join(dir, name);
  const temporary = `${file}.tmp`;
  const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, file);
  syncDirectory(dir);
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function readKey(text: string, where: string): Signer {
  try {
    return parsePrivateKey(text.trim());
  } catch (error) {
    if (!(error instanceof GridproofError)) throw error;
    throw new GridproofError('bad-next-key', `${where} is not a private key: ${error.detail}`);
  }
}

export class OperatorKeyFiles implements OperatorKeyStore {
  readonly #config: Pick<Config, 'dataDir' | 'operatorKey' | 'nextOperatorKey'>;

  constructor(config: Pick<Config, 'dataDir' | 'operatorKey' | 'nextOperatorKey'>) {
    this.#config = config;
  }

  staged(): Signer | undefined {
    const { nextOperatorKey, dataDir } = this.#config;
    if (nextOperatorKey !== undefined) return readKey(nextOperatorKey, 'GRIDPROOF_NEXT_OPERATOR_KEY');
    const file = join(dataDir, NEXT_OPERATOR_KEY_FILE);
    try {
      // The same checks as the key files at start: mode 0600, a private key.
      return readKeyFile(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      if (!(error instanceof GridproofError)) throw error;
      throw new GridproofError('bad-next-key', `${file}: ${error.detail}`);
    }
  }

  candidates(): Signer[] {
    const keys: Signer[] = [];
    const staged = this.staged();
    if (staged) keys.push(staged);
    // A sibling process sharing DATA_DIR may have promoted the new key already.
    const file = join(this.#config.dataDir, OPERATOR_KEY_FILE);
    if (this.#config.operatorKey === undefined && existsSync(file)) keys.push(readKeyFile(file));
    return keys;
  }

  promote(next: Signer, retired: Signer, entryIdx: number): void {
    if (this.#config.operatorKey !== undefined) return;
    const { dataDir, nextOperatorKey } = this.#config;
    // Where the new key stays until operator.key holds it: what the start-up check adopts.
    const stagedAt = nextOperatorKey === undefined ? join(dataDir, NEXT_OPERATOR_KEY_FILE) : 'GRIDPROOF_NEXT_OPERATOR_KEY';
    const retiredAt = join(dataDir, retiredKeyFile(entryIdx));
    const operatorAt = join(dataDir, OPERATOR_KEY_FILE);
    const notWritten = (file: string, error: unknown) =>
      new GridproofError(
        'key-files-not-written',
        `${file} could not be written (${(error as Error).message}); ${operatorAt} still holds the old key and ${stagedAt} the new one. ` +
          `Keep ${stagedAt} and fix the cause before a restart: the start takes the new key from it and writes the files. ` +
          `Or by hand: move ${operatorAt} to ${retiredAt}, then put the new key in ${operatorAt} (mode 0600)`,
      );
    try {
      writeKeyFileDurably(dataDir, retiredKeyFile(entryIdx), `${formatPrivateKey(retired)}\n`);
    } catch (error) {
      throw notWritten(retiredAt, error);
    }
    try {
      writeKeyFileDurably(dataDir, OPERATOR_KEY_FILE, `${formatPrivateKey(next)}\n`);
    } catch (error) {
      throw notWritten(operatorAt, error);
    }
    if (nextOperatorKey === undefined) {
      try {
        rmSync(stagedAt, { force: true });
        syncDirectory(dataDir);
      } catch (error) {
        throw new GridproofError(
          'key-files-not-written',
          `${stagedAt} could not be removed (${(error as Error).message}); ${operatorAt} holds the new key and ${retiredAt} the old one: remove ${stagedAt}`,
        );
      }
    }
  }
}

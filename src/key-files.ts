/**
 * The log key and the operator key (README "Configuration"): from
 * GRIDPROOF_LOG_KEY / GRIDPROOF_OPERATOR_KEY when set, otherwise from files in
 * DATA_DIR, created on first start with mode 0600.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatPrivateKey, generateSigner, parsePrivateKey, type Signer } from './crypto/note.ts';
import type { Config } from './config.ts';
import { GridproofError } from './errors.ts';

export interface LogKeys {
  logSigner: Signer;
  operatorSigner: Signer;
}

/** The operator key's note name: the origin with a suffix, so both are told apart in signatures. */
export function operatorKeyName(origin: string): string {
  return `${origin}/operator`;
}

export function loadOrCreateKey(text: string | undefined, file: string, name: string): Signer {
  if (text !== undefined) return parsePrivateKey(text.trim());
  if (!existsSync(file)) {
    const signer = generateSigner(name);
    try {
      writeFileSync(file, `${formatPrivateKey(signer)}\n`, { mode: 0o600, flag: 'wx' });
      return signer;
    } catch (error) {
      // Another process created it first: use that one.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return readKeyFile(file);
}

/** A private key file that exists; refused when others may read it. */
export function readKeyFile(file: string): Signer {
  // A private key others can read is no longer private: refuse it rather than sign with it.
  if ((statSync(file).mode & 0o077) !== 0) {
    throw new GridproofError('bad-private-key', `${file} is readable by others; chmod 600 it`);
  }
  return parsePrivateKey(readFileSync(file, 'utf8').trim());
}

export function loadKeys(config: Config): LogKeys {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  return {
    logSigner: loadOrCreateKey(config.logKey, join(config.dataDir, 'log.key'), config.origin),
    operatorSigner: loadOrCreateKey(config.operatorKey, join(config.dataDir, 'operator.key'), operatorKeyName(config.origin)),
  };
}

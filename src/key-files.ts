/**
 * The log key and the operator key (DESIGN.md "Configuration"): from
 * GRIDPROOF_LOG_KEY / GRIDPROOF_OPERATOR_KEY when set, otherwise from files in
 * DATA_DIR, created on first start with mode 0600.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatPrivateKey, generateSigner, parsePrivateKey, type Signer } from './crypto/note.ts';
import type { Config } from './config.ts';

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
  if (existsSync(file)) return parsePrivateKey(readFileSync(file, 'utf8').trim());
  const signer = generateSigner(name);
  writeFileSync(file, `${formatPrivateKey(signer)}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return signer;
}

export function loadKeys(config: Config): LogKeys {
  mkdirSync(config.dataDir, { recursive: true });
  return {
    logSigner: loadOrCreateKey(config.logKey, join(config.dataDir, 'log.key'), config.origin),
    operatorSigner: loadOrCreateKey(config.operatorKey, join(config.dataDir, 'operator.key'), operatorKeyName(config.origin)),
  };
}

/**
 * Wires a Ledger from a store, keys and settings: the one place that picks
 * Node's native Ed25519 for the server's hot path (noble stays the portable
 * implementation that crypto/ defaults to).
 */
import type { WitnessEndpoint } from '../config.ts';
import { verifierOf, type Signer } from '../crypto/note.ts';
import type { Db } from '../db/log.ts';
import { GridproofError } from '../errors.ts';
import { nativeSign, nativeVerify } from '../platform/node-ed25519.ts';
import { ensureOperatorToken, initialiseLog } from './bootstrap.ts';
import { OperatorKey, type OperatorKeyStore } from './operator-key.ts';
import type { Ledger } from './ledger.ts';
import { TreeCache } from './tree-cache.ts';

export interface LedgerOptions {
  db: Db;
  origin: string;
  intervalSeconds: number;
  logSigner: Signer;
  operatorSigner: Signer;
  /** Where a rotation finds the next operator key and leaves the key files; default: nowhere (keys in memory). */
  operatorKeyStore?: OperatorKeyStore;
  operatorToken?: string | undefined;
  now?: () => number;
  witnesses?: readonly WitnessEndpoint[];
  /** Default: all the witnesses. */
  witnessQuorum?: number;
}

/** Opens the ledger; returns a newly generated operator token when one had to be made. */
export async function openLedger(options: LedgerOptions): Promise<{ ledger: Ledger; generatedToken: string | undefined }> {
  if (options.logSigner.name !== options.origin) {
    throw new GridproofError('key-mismatch', `the log key is named ${options.logSigner.name}; it must be named after the origin ${options.origin}`);
  }
  const operatorKey = new OperatorKey(options.operatorSigner, options.operatorKeyStore);
  const ledger: Ledger = {
    db: options.db,
    origin: options.origin,
    intervalSeconds: options.intervalSeconds,
    logSigner: options.logSigner,
    logVerifier: verifierOf(options.logSigner),
    operatorKey,
    get operatorSigner() {
      return operatorKey.signer;
    },
    get operatorVerifier() {
      return operatorKey.verifier;
    },
    sign: nativeSign,
    verify: nativeVerify,
    tree: new TreeCache(options.db),
    now: options.now ?? Date.now,
    witnesses: options.witnesses ?? [],
    witnessQuorum: options.witnessQuorum ?? options.witnesses?.length ?? 0,
  };
  await initialiseLog(ledger);
  const generatedToken = await ensureOperatorToken(ledger, options.operatorToken);
  return { ledger, generatedToken };
}

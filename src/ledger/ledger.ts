/**
 * What every use case needs: the store, the log's identity and keys, the
 * crypto functions and the clock. Built once by buildLedger (server, CLI,
 * tests) and handed to buildApp.
 */
import type { SignFn, VerifyFn } from '../crypto/ed25519.ts';
import type { Signer, Verifier } from '../crypto/note.ts';
import type { WitnessEndpoint } from '../config.ts';
import type { Db } from '../db/log.ts';
import type { OperatorKey } from './operator-key.ts';
import type { TreeCache } from './tree-cache.ts';

export interface Ledger {
  readonly db: Db;
  readonly origin: string;
  /** Seconds per reading interval (GRIDPROOF_INTERVAL). */
  readonly intervalSeconds: number;
  /** Signs checkpoints and entry 0; its name is the origin. */
  readonly logSigner: Signer;
  readonly logVerifier: Verifier;
  /** The operator key in force for this process, which a rotation replaces (operator-key.ts). */
  readonly operatorKey: OperatorKey;
  /** Signs every other operator entry: operatorKey's signer of the moment. */
  readonly operatorSigner: Signer;
  readonly operatorVerifier: Verifier;
  readonly sign: SignFn;
  readonly verify: VerifyFn;
  /** Stored tree nodes and the log size, remembered for proofs. */
  readonly tree: TreeCache;
  /** Witnesses asked to cosign checkpoints (GRIDPROOF_WITNESSES), and how many must (GRIDPROOF_WITNESS_QUORUM). */
  readonly witnesses: readonly WitnessEndpoint[];
  readonly witnessQuorum: number;
  /** Milliseconds since the epoch; tests may fix it. */
  readonly now: () => number;
}

/**
 * What the monitor reports (DESIGN.md "Proof bundle and verification", last
 * paragraphs): each finding has a stable code, the indexes of the log entries
 * involved (ascending) and a readable detail.
 */

/** Findings of the replay of the entries themselves (replay.ts). */
export const replayFindingCodes = [
  /** Not a well-formed entry of this log (parseEntry: note, JSON, schema, times, origin). */
  'bad-entry',
  /** Entry 0 is not the operator `key` entry signed by the log key. */
  'bad-first-entry',
  /** No signature by a key the log registered for this entry before it. */
  'no-valid-key',
  /** A signature by such a key does not verify. */
  'bad-signature',
  /** The same bytes (leaf hash) at two indexes. */
  'duplicate-entry',
  /** A participant or device id registered twice. */
  'duplicate-registration',
  /** A device's owner, a contract's or claim's tenant is not a participant of the right role logged before. */
  'unknown-participant',
  /** A reading, device key or contract names a device not logged before it. */
  'unknown-device',
  /** A reading breaks the interval, commissioning or capacity rules. */
  'bad-reading',
  /** A device's readings break seq, prev or interval order (checkChain). */
  'chain-break',
  /** An allocation or settlement names a reading that was not logged before it. */
  'unknown-reading',
  /** An allocation's readings, devices, zone, interval or contract do not fit it. */
  'allocation-mismatch',
  /** Σ allocations from a reading exceed its export. */
  'source-over-allocated',
  /** Σ allocations to a reading exceed its import. */
  'sink-over-allocated',
  /** A second settlement for one source reading. */
  'second-settlement',
  /** A settlement's figures, interval or list disagree with its reading and allocations. */
  'settlement-mismatch',
  /** An allocation that its source's settlement does not list (or that has no settlement). */
  'allocation-outside-settlement',
  /** An allocation claimed twice. */
  'double-claim',
  /** A claim lists an allocation that is unknown, another tenant's or outside its period, or its wh is wrong. */
  'claim-mismatch',
  /** A discharge's draws do not name earlier green charge of its own device, or do not add up to its wh. */
  'bad-draw',
  /** A charge allocation drawn beyond floor(wh × efficiencyBp / 10000). */
  'draw-beyond-charge',
  /** The attributed state of charge of a storage device leaves [0, energyCapacityWh]. */
  'state-of-charge',
] as const;

/** Findings about the log as served: key, checkpoints, root, entries (cli/monitor.ts). */
export const logFindingCodes = [
  /** The served verifier key differs from the pinned one (state file or --key). */
  'log-key-changed',
  /** The latest checkpoint does not open under the pinned key and origin. */
  'bad-checkpoint',
  /** The latest checkpoint is smaller than the one seen last time. */
  'checkpoint-rollback',
  /** The log cannot prove the latest checkpoint consistent with the one seen last time. */
  'inconsistent-checkpoint',
  /** The root recomputed from the entries differs from the checkpoint's. */
  'root-mismatch',
  /** The log does not serve every entry its checkpoint covers, in order. */
  'missing-entries',
] as const;

export type ReplayFindingCode = (typeof replayFindingCodes)[number];
export type LogFindingCode = (typeof logFindingCodes)[number];
export type FindingCode = ReplayFindingCode | LogFindingCode;

export interface Finding {
  code: FindingCode;
  /** Indexes of the log entries involved, ascending; empty for findings about the log as a whole. */
  indexes: number[];
  detail: string;
}

export function finding(code: FindingCode, indexes: readonly number[], detail: string): Finding {
  return { code, indexes: [...new Set(indexes)].sort((a, b) => a - b), detail };
}

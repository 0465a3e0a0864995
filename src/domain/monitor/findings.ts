/**
 * What the monitor reports (docs/design.md §7 "What a finding tells"): each
 * finding, and each warning, has a stable code, the indexes of the log entries
 * involved (ascending) and a readable detail. Each code's explanation, served
 * at /problems/monitor/{code}, is src/monitor-finding-explanations.ts.
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
  /** A device's owner, a contract's or claim's tenant is no participant logged before it. */
  'unknown-participant',
  /**
   * A device's owner, a contract's or claim's tenant is a participant logged
   * before it, but of another role than its part needs (src/domain/owner-role.ts;
   * the API refuses such an entry with the same code); the detail names the role it has.
   */
  'participant-role-mismatch',
  /** A reading, device key or contract names a device not logged before it. */
  'unknown-device',
  /** A reading breaks the interval, commissioning or capacity rules. */
  'bad-reading',
  /** A device's readings break seq, prev or interval order (checkChain). */
  'chain-break',
  /**
   * A settlement names a reading that is no open reading logged before it:
   * not logged, or of an interval and zone already settled (and then no
   * unsettled supply reading).
   */
  'unknown-reading',
  /** A settled source disagrees with its reading: no supply reading of the settlement's interval and zone, supplyWh not its export, allocatedWh not Σ its allocations; or the sources are not in leaf-hash order. */
  'settlement-mismatch',
  /** A supply reading listed by a second settlement, or twice by one. */
  'second-settlement',
  /**
   * A supply reading left unsettled: the first settlement of an interval and
   * zone leaves out a supply reading of it logged before it, or a
   * late-settlement transaction leaves out one that was late and unsettled
   * when it started (replay-late.ts).
   */
  'unsettled-supply',
  /**
   * A settlement allocates although its interval and zone was matched before:
   * settled already, or older than an interval its zone settled (matching
   * goes oldest first). Only a late settlement, with no allocations, may
   * follow; its allocations are not replayed.
   */
  'late-allocations',
  /** A late settlement (not the first of its interval and zone) lists a reading logged before the first. */
  'bad-late-settlement',
  /** An allocation's sink, rule or contract does not fit it (its sink no consumption or storage reading of the interval and zone, a charge from storage, zero Wh, a contract not logged before, of another device or tenant, not valid over the interval, or beyond its share). */
  'allocation-mismatch',
  /**
   * The first, allocating settlement of an interval and zone is not byte for
   * byte what the matching planner gives for the input rebuilt from the log
   * before it (replay-reexecution.ts): the detail names the first differing
   * allocation, its position, source reading, and expected and logged Wh,
   * sink and contract.
   */
  'settlement-not-reproduced',
  /** Σ allocations from a reading exceed its export. */
  'source-over-allocated',
  /** Σ allocations to a reading exceed its import. */
  'sink-over-allocated',
  /** An allocation claimed twice. */
  'double-claim',
  /** A claim lists an allocation that is unknown, a storage charge, another tenant's or outside its period, or its wh is wrong. */
  'claim-mismatch',
  /** A discharge names no draws, draws on what is no earlier green charge of its own device, or its draws do not add up to its wh; a source that is no storage draws. */
  'bad-draw',
  /** A draw takes more than its charge still holds: floor(wh × efficiencyBp / 10000) less the earlier draws on it. */
  'draw-beyond-charge',
  /** A discharge's draws are not first in, first out over the green charge its device held before the interval. */
  'draw-not-fifo',
  /**
   * The attributed state of charge of a storage device (its green lots) plus
   * what an interval charges exceeds its energy capacity. It cannot fall
   * below 0: a draw beyond what a lot holds is draw-beyond-charge.
   */
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

/**
 * What the monitor reports without holding it against the log: the log may
 * still be correct, so the run stays clean (exit 0).
 */
export const warningCodes = [
  /**
   * A supply reading at or behind its zone's matching frontier with no
   * settlement yet: it is due in a late settlement, which may not have been
   * written yet (replay-late.ts).
   */
  'late-supply-unsettled',
] as const;

export type ReplayFindingCode = (typeof replayFindingCodes)[number];
export type LogFindingCode = (typeof logFindingCodes)[number];
export type FindingCode = ReplayFindingCode | LogFindingCode;
export type WarningCode = (typeof warningCodes)[number];

export interface Finding {
  code: FindingCode;
  /** Indexes of the log entries involved, ascending; empty for findings about the log as a whole. */
  indexes: number[];
  detail: string;
}

export interface Warning {
  code: WarningCode;
  /** Indexes of the log entries involved, ascending. */
  indexes: number[];
  detail: string;
}

export function finding(code: FindingCode, indexes: readonly number[], detail: string): Finding {
  return { code, indexes: [...new Set(indexes)].sort((a, b) => a - b), detail };
}

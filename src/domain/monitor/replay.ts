/**
 * The monitor's replay of the whole log (docs/design.md
 * §7). Fed every entry
 * in log order, it checks what one entry, and one bundle, cannot show alone:
 *
 * - signatures under the keys the log itself registered, in log order: entry
 *   0 is the operator `key` entry signed by the log key; an operator-signed
 *   entry verifies under the latest operator key logged before it; a reading
 *   under its device's key entries logged before it (keysValidFor)
 *   (replay-signatures.ts, with the registry in replay-registry.ts);
 * - each device's chain (checkChain: seq, prev, interval order) and the
 *   reading rules that need no clock beyond `nowMs` (replay-readings.ts);
 * - settlements: every supply reading settled once, by the first settlement
 *   of its interval and zone or, logged after that, by a late one with no
 *   allocations, at the latest by the next late-settlement transaction
 *   (replay-late.ts; a late reading no late settlement has followed yet is
 *   only a warning: warnings()); Σ allocations from a reading ≤ its export,
 *   to a reading ≤ its import; each allocation between readings of its settlement's interval
 *   and zone, under a valid contract (replay-settlements.ts,
 *   replay-allocations.ts);
 * - storage: draws FIFO on earlier green charge of the same device, none
 *   beyond what a charge holds after losses, the attributed state of charge
 *   within the energy capacity (replay-storage.ts);
 * - an allocation claimed at most once across all claims, by its tenant
 *   (replay-claims.ts).
 *
 * Findings carry the indexes of the entries involved. An entry that fails to
 * parse or to verify is reported and then ignored, so later entries that rely
 * on it report `unknown-*` rather than pass. Every check is made when its
 * entry is replayed, so the verdicts do not depend on where runs stop.
 *
 * The state is kept between runs (snapshot/restore, plain JSON:
 * replay-snapshot.ts), so a monitor only replays the entries appended since
 * its last run. Pure: no I/O; the Ed25519 verify function is a parameter
 * (noble by default).
 */
import { toBase64 } from '../../crypto/base64.ts';
import { nobleVerify, type VerifyFn } from '../../crypto/ed25519.ts';
import { VerifierCache, type CheckedSoleLine, type Verifier } from '../../crypto/note.ts';
import { GridproofError } from '../../errors.ts';
import { acceptedEntry, parseEntry, type ParsedEntry } from '../entry.ts';
import { finding, type Finding, type ReplayFindingCode, type Warning } from './findings.ts';
import { replayClaim } from './replay-claims.ts';
import { endLateBatch, lateSupplyWarnings, mayBeLateSettlement } from './replay-late.ts';
import { replayReading } from './replay-readings.ts';
import { replayContract, replayDevice, replayKey, replayParticipant } from './replay-registry.ts';
import { checkSignature, type SignatureKeys } from './replay-signatures.ts';
import { replaySettlement } from './replay-settlements.ts';
import { restoreReplayState, snapshotReplayState, type ReplaySnapshot } from './replay-snapshot.ts';
import { emptyReplayState, type ReplayContext, type ReplayState } from './replay-state.ts';

export type { ReplaySnapshot } from './replay-snapshot.ts';

export interface ReplayOptions {
  /** The log's origin: entries of another log are `bad-entry`. */
  origin: string;
  /** The log key (its name is the origin): entry 0's signer. */
  logVerifier: Verifier;
  verify?: VerifyFn;
  /** Readings ending after this instant are `bad-reading` (default: no limit). */
  nowMs?: number;
  /**
   * Re-run matching for each allocating first settlement (replay-reexecution.ts;
   * default true). Off only for logs whose settlements are written by hand
   * to isolate one other rule.
   */
  reexecute?: boolean;
}

export class LogReplay {
  readonly origin: string;
  readonly #keys: SignatureKeys;
  readonly #nowMs: number;
  readonly #state: ReplayState;
  readonly #context: ReplayContext;

  #findings: Finding[] = [];

  constructor(options: ReplayOptions, snapshot?: ReplaySnapshot) {
    this.origin = options.origin;
    this.#keys = { logVerifier: options.logVerifier, verify: options.verify ?? nobleVerify, verifiers: new VerifierCache() };
    this.#nowMs = options.nowMs ?? Number.POSITIVE_INFINITY;
    if (options.logVerifier.name !== options.origin) {
      throw new GridproofError('bad-verifier-key', `the log key is named ${options.logVerifier.name}, not ${options.origin}`);
    }
    this.#state = snapshot ? restoreReplayState(snapshot, this.origin) : emptyReplayState();
    this.#context = { state: this.#state, reexecute: options.reexecute ?? true, report: (code, indexes, detail) => this.#report(code, indexes, detail) };
  }

  /** The number of entries replayed: the index the next entry must have. */
  get size(): number {
    return this.#state.size;
  }

  /**
   * Checks entry `index` (which must be `size`): its exact text and its leaf
   * hash (SHA-256(0x00 || bytes), computed by the caller, who also needs it
   * for the root). `accepted`: the caller knows that parseEntry(note,
   * origin) returns (it ran it on another thread), so the entry is only read,
   * not checked again. `checked`: the note's signature line as another thread
   * split and verified it (replay-signatures.ts). Returns the findings it
   * raised.
   */
  add(index: number, note: string, leafHash: Uint8Array, accepted = false, checked?: CheckedSoleLine): Finding[] {
    const state = this.#state;
    if (index !== state.size) throw new GridproofError('bad-request', `expected entry ${state.size}, got ${index}`);
    state.size++;
    this.#findings = [];
    // An entry a late-settlement transaction cannot have written ends the one being replayed (replay-late.ts).
    let entry: ParsedEntry;
    try {
      entry = accepted ? acceptedEntry(note) : parseEntry(note, this.origin);
    } catch (error) {
      if (!(error instanceof GridproofError)) throw error;
      endLateBatch(this.#context);
      this.#report(index === 0 ? 'bad-first-entry' : 'bad-entry', [index], `${error.code}: ${error.detail}`);
      return this.#findings;
    }
    const { payload } = entry;
    if (!mayBeLateSettlement(payload)) endLateBatch(this.#context);
    if (!checkSignature(this.#context, this.#keys, index, note, payload, checked)) return this.#findings;
    const hash = toBase64(leafHash);
    const context = this.#context;
    try {
      switch (payload.kind) {
        case 'key':
          replayKey(context, index, payload);
          break;
        case 'participant':
          replayParticipant(context, index, payload);
          break;
        case 'device':
          replayDevice(context, index, payload);
          break;
        case 'contract':
          replayContract(context, index, hash, payload);
          break;
        case 'zone':
          break;
        case 'reading':
          replayReading(context, this.#nowMs, index, hash, payload);
          break;
        case 'settlement':
          replaySettlement(context, index, hash, payload, entry.text);
          break;
        case 'claim':
          replayClaim(context, index, hash, payload);
          break;
      }
    } catch (error) {
      if (!(error instanceof GridproofError)) throw error;
      this.#report('bad-entry', [index], `${error.code}: ${error.detail}`);
    }
    return this.#findings;
  }

  /**
   * Every key the replay holds so far: the log key, the latest operator key
   * and every device key. Which of them may sign a given entry is decided
   * when it is replayed (replay-signatures.ts); the monitor uses this list
   * only to verify signatures ahead, on other threads (cli/monitor-precheck.ts).
   */
  knownVerifiers(): Verifier[] {
    const { verifiers, logVerifier } = this.#keys;
    const vkeys = [...this.#state.devices.values()].flatMap((device) => device.keys.map((key) => key.verifierKey));
    if (this.#state.operatorKey) vkeys.push(this.#state.operatorKey.vkey);
    const known = [logVerifier];
    for (const vkey of vkeys) {
      try {
        known.push(verifiers.get(vkey));
      } catch {
        // A key a state file holds but that does not parse: its entries fail when replayed.
      }
    }
    return known;
  }

  /** Supply readings still unsettled at or behind their zone's last matched interval (replay-late.ts): due, but perhaps not yet written. */
  warnings(): Warning[] {
    return lateSupplyWarnings(this.#state);
  }

  /** The state as JSON, to continue from in a later run. */
  snapshot(): ReplaySnapshot {
    return snapshotReplayState(this.#state, this.origin);
  }

  #report(code: ReplayFindingCode, indexes: readonly (number | undefined)[], detail: string): void {
    this.#findings.push(
      finding(
        code,
        indexes.filter((i): i is number => i !== undefined),
        detail,
      ),
    );
  }
}

/**
 * The state of the monitor's replay (replay.ts): what it remembers of the
 * entries replayed so far, and the context its checks share. Kept small,
 * because it is saved between runs (replay-snapshot.ts):
 *
 * - a reading is remembered in full only while a settlement may still name
 *   it ("open"): until its interval and zone is settled, and a supply reading
 *   until it is settled itself. After that only a settled supply reading is
 *   remembered, by which settlement, so that a second one is found.
 * - a settlement keeps, per allocation position, only what claims and draws
 *   check later: its Wh, the owner of its sink, whether it charged storage,
 *   and whether a claim took it.
 *
 * Pure: no I/O.
 */
import { aOrAn } from '../count.ts';
import type { DeviceType, Role } from '../payloads.ts';
import type { DeviceKeyEntry } from '../reading-rules.ts';
import type { GreenLot } from '../storage-lots.ts';
import type { ReplayFindingCode } from './findings.ts';
import { insertBucket, removeBucket } from './zone-buckets.ts';

export interface ParticipantRec {
  index: number;
  role: Role;
}

export interface DeviceRec {
  index: number;
  owner: string;
  type: DeviceType;
  zone: string;
  capacityW: number;
  commissioningDate: string;
  /** Storage only. */
  energyCapacityWh: bigint | undefined;
  efficiencyBp: number | undefined;
  keys: DeviceKeyEntry[];
  head: { seq: number; leafHash: string; endMs: number; index: number } | undefined;
}

export interface ContractRec {
  index: number;
  device: string;
  tenant: string;
  /** Matching serves lower first; absent only in a state restored from a snapshot written before it was kept (replay-reexecution.ts). */
  priority?: number;
  shareBp: number | undefined;
  validFromMs: number;
  validUntilMs: number | undefined;
}

/** A reading that a settlement may still name. */
export interface ReadingRec {
  index: number;
  device: string;
  /** Its interval and zone (intervalKey). */
  interval: string;
  importWh: bigint;
  exportWh: bigint;
}

/** A supply reading listed by a settlement. */
export interface SettledRec {
  reading: number;
  settlement: number;
}

export interface SettlementRec {
  index: number;
  startMs: number;
  endMs: number;
  /** Per allocation position: its Wh, and the owner of its sink reading's device ('' when the sink is unknown). */
  wh: bigint[];
  owner: string[];
  /** Positions that charge storage: the storage device. */
  charges: Map<number, string>;
  /** Positions claimed: the claim's index. */
  claimed: Map<number, number>;
}

/** A late-settlement transaction being replayed (replay-late.ts). */
export interface LateBatch {
  /** Its first settlement that can only be late. */
  index: number;
  /** The supply readings it has to settle, by leaf hash: unsettled and late when it started. */
  due: string[];
}

/** The open readings of one interval and zone. */
export interface Bucket {
  zone: string;
  startMs: number;
  readings: Set<string>;
}

export interface ReplayState {
  /** Entries replayed: the index the next entry must have. */
  size: number;
  operatorKey: { vkey: string; index: number } | null;
  readonly participants: Map<string, ParticipantRec>;
  readonly devices: Map<string, DeviceRec>;
  /** By leaf hash. */
  readonly contracts: Map<string, ContractRec>;
  /** Open readings, by leaf hash. */
  readonly readings: Map<string, ReadingRec>;
  /** The open readings grouped by intervalKey (derived from `readings`, not saved). */
  readonly buckets: Map<string, Bucket>;
  /** The same buckets per zone, ordered by start (zone-buckets.ts; derived, not saved). */
  readonly zoneBuckets: Map<string, Bucket[]>;
  /** Settled supply readings, by leaf hash. */
  readonly settled: Map<string, SettledRec>;
  /** By leaf hash. */
  readonly settlements: Map<string, SettlementRec>;
  /** intervalKey → index of the interval and zone's first settlement. */
  readonly intervals: Map<string, number>;
  /** Zone → start of the latest interval it settled: matching goes oldest first, so it has matched every interval before. */
  readonly lastMatchedStarts: Map<string, number>;
  /** Green charge held, per storage device, oldest lot first. */
  readonly lots: Map<string, GreenLot[]>;
  /** Claims by leaf hash (duplicates), with their indexes. */
  readonly claims: Map<string, number>;
  /** The late-settlement transaction being replayed, until an entry it cannot have written. */
  lateBatch: LateBatch | undefined;
}

/** Records a finding of the entry being replayed. */
export type Report = (code: ReplayFindingCode, indexes: readonly (number | undefined)[], detail: string) => void;

/** What the checks of one entry work on: the state, and where their findings go. */
export interface ReplayContext {
  readonly state: ReplayState;
  readonly report: Report;
  /** Whether allocating settlements are re-executed (replay.ts ReplayOptions). */
  readonly reexecute: boolean;
}

export function emptyReplayState(): ReplayState {
  return {
    size: 0,
    operatorKey: null,
    participants: new Map(),
    devices: new Map(),
    contracts: new Map(),
    readings: new Map(),
    buckets: new Map(),
    zoneBuckets: new Map(),
    settled: new Map(),
    settlements: new Map(),
    intervals: new Map(),
    lastMatchedStarts: new Map(),
    lots: new Map(),
    claims: new Map(),
    lateBatch: undefined,
  };
}

/** Reports `duplicate-entry` when the same leaf hash was logged before, at `earlier`. */
export function isDuplicate({ report }: ReplayContext, earlier: number | undefined, index: number): boolean {
  if (earlier === undefined) return false;
  report('duplicate-entry', [earlier, index], `entry ${index} has the same bytes as entry ${earlier}`);
  return true;
}

/**
 * Reports a participant an entry names that no participant entry before it
 * registers (unknown-participant), or that one registers with another role
 * than `role`, its part in the entry, needs (participant-role-mismatch, the
 * code the API refuses such an entry with). `subject` begins the detail (the
 * entry and the participant id follow); `part` names the participant's part.
 */
export function checkParticipant({ state, report }: ReplayContext, index: number, subject: string, id: string, role: Role, part: string): void {
  const participant = state.participants.get(id);
  if (!participant) report('unknown-participant', [index], `${subject} ${id}, which no participant entry before it registers`);
  else if (participant.role !== role) {
    report(
      'participant-role-mismatch',
      [participant.index, index],
      `${subject} ${id}, which is registered as ${aOrAn(participant.role)}; ${part} must be ${aOrAn(role)}`,
    );
  }
}

export const optionalWh = (text: string | undefined): bigint | undefined => (text === undefined ? undefined : BigInt(text));

/** Names an interval [start, end) in a zone: a settlement's, or a reading's with its device's zone. */
export function intervalKey(startMs: number, endMs: number, zone: string): string {
  return `${startMs}/${endMs}/${zone}`;
}

/** A reading a settlement must list (docs/design.md §5: every supply reading settled exactly once). */
export function isSupply(type: DeviceType, exportWh: bigint): boolean {
  return type !== 'consumption' && exportWh > 0n;
}

export function openReading(state: ReplayState, hash: string, reading: ReadingRec): void {
  state.readings.set(hash, reading);
  let bucket = state.buckets.get(reading.interval);
  if (!bucket) {
    const [startMs, , zone] = reading.interval.split('/');
    bucket = { zone: zone!, startMs: Number(startMs), readings: new Set() };
    state.buckets.set(reading.interval, bucket);
    let zoneBuckets = state.zoneBuckets.get(bucket.zone);
    if (!zoneBuckets) state.zoneBuckets.set(bucket.zone, (zoneBuckets = []));
    insertBucket(zoneBuckets, bucket);
  }
  bucket.readings.add(hash);
}

export function closeReading(state: ReplayState, hash: string): void {
  const reading = state.readings.get(hash);
  if (!reading) return;
  state.readings.delete(hash);
  const bucket = state.buckets.get(reading.interval);
  if (!bucket) return;
  bucket.readings.delete(hash);
  if (bucket.readings.size > 0) return;
  state.buckets.delete(reading.interval);
  removeBucket(state.zoneBuckets.get(bucket.zone)!, bucket);
}

/**
 * The state of the monitor's replay (replay.ts): what it remembers of the
 * entries replayed so far, the context its checks share, and the plain-JSON
 * snapshot kept between runs, so a monitor only replays the entries appended
 * since its last run. Pure: no I/O.
 */
import { GridproofError } from '../../errors.ts';
import type { DeviceType, Role } from '../payloads.ts';
import type { DeviceKeyEntry } from '../reading-rules.ts';
import type { ReplayFindingCode } from './findings.ts';

export const REPLAY_STATE_VERSION = 1;

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
  /** Storage: green lots after losses minus draws. */
  socWh: bigint;
}

export interface ContractRec {
  index: number;
  device: string;
  tenant: string;
}

export interface ReadingRec {
  index: number;
  device: string;
  startMs: number;
  endMs: number;
  importWh: bigint;
  exportWh: bigint;
  /** Σ allocations from it. */
  fromWh: bigint;
  /** Σ allocations to it. */
  toWh: bigint;
  /** Index of its settlement. */
  settlement: number | undefined;
  /** Allocations from it awaiting its settlement (emptied when it comes). */
  pending: string[];
}

export interface AllocationRec {
  index: number;
  source: string;
  sink: string;
  wh: bigint;
  startMs: number;
  endMs: number;
  /** Index of the settlement that lists it. */
  settlement: number | undefined;
  /** Index of the first claim that lists it. */
  claim: number | undefined;
  /** A charge of storage: the green lot it left and what was drawn from it. */
  charge: { device: string; lotWh: bigint; drawnWh: bigint } | undefined;
}

/** A storage device within the current block: its state of charge when the block began, and the block's charges. */
export interface BlockDevice {
  socStartWh: bigint;
  chargedWh: bigint;
}

export interface ReplayState {
  /** Entries replayed: the index the next entry must have. */
  size: number;
  operatorKey: { vkey: string; index: number } | null;
  readonly participants: Map<string, ParticipantRec>;
  readonly devices: Map<string, DeviceRec>;
  readonly contracts: Map<string, ContractRec>;
  readonly readings: Map<string, ReadingRec>;
  readonly allocations: Map<string, AllocationRec>;
  /** Leaf hashes of settlements and claims (duplicates), with their indexes. */
  readonly settlements: Map<string, number>;
  readonly claims: Map<string, number>;
  /** Allocations whose source had no settlement when they were logged and still has none. */
  readonly unsettled: Set<string>;
  /**
   * The run of consecutive allocations of one interval (one matching
   * transaction). Any other entry and finish() end it, so it is never saved.
   */
  block: { interval: string; devices: Map<string, BlockDevice> } | undefined;
}

/** Records a finding of the entry being replayed. */
export type Report = (code: ReplayFindingCode, indexes: readonly (number | undefined)[], detail: string) => void;

/** What the checks of one entry work on: the state, and where their findings go. */
export interface ReplayContext {
  readonly state: ReplayState;
  readonly report: Report;
}

/** Reports `duplicate-entry` when the same leaf hash was logged before, at `earlier`. */
export function isDuplicate({ report }: ReplayContext, earlier: number | undefined, index: number): boolean {
  if (earlier === undefined) return false;
  report('duplicate-entry', [earlier, index], `entry ${index} has the same bytes as entry ${earlier}`);
  return true;
}

export const optionalWh = (text: string | undefined): bigint | undefined => (text === undefined ? undefined : BigInt(text));

export function emptyReplayState(): ReplayState {
  return {
    size: 0,
    operatorKey: null,
    participants: new Map(),
    devices: new Map(),
    contracts: new Map(),
    readings: new Map(),
    allocations: new Map(),
    settlements: new Map(),
    claims: new Map(),
    unsettled: new Set(),
    block: undefined,
  };
}

/** The replay state as JSON: Wh as decimal strings, maps as [key, value] pairs in insertion order. */
export interface ReplaySnapshot {
  version: typeof REPLAY_STATE_VERSION;
  origin: string;
  /** Entries replayed: the next index expected. */
  size: number;
  operatorKey: { vkey: string; index: number } | null;
  participants: Array<[string, ParticipantRec]>;
  devices: Array<[string, Json<DeviceRec>]>;
  contracts: Array<[string, ContractRec]>;
  readings: Array<[string, Json<ReadingRec>]>;
  allocations: Array<[string, Json<AllocationRec>]>;
  /** Leaf hashes of settlements and claims (duplicates), with their indexes. */
  settlements: Array<[string, number]>;
  claims: Array<[string, number]>;
}

/** A record with bigints as strings and undefined members left out. */
type Json<T> = { [K in keyof T]: T[K] extends bigint ? string : T[K] extends bigint | undefined ? string | undefined : T[K] extends { [k: string]: unknown } | undefined ? Json<NonNullable<T[K]>> | undefined : T[K] };

const bigintsToStrings = (_key: string, value: unknown): unknown => (typeof value === 'bigint' ? value.toString() : value);

function toJson<T>(value: T): Json<T> {
  return JSON.parse(JSON.stringify(value, bigintsToStrings)) as Json<T>;
}

export function snapshotReplayState(state: ReplayState, origin: string): ReplaySnapshot {
  return {
    version: REPLAY_STATE_VERSION,
    origin,
    size: state.size,
    operatorKey: state.operatorKey,
    participants: [...state.participants],
    devices: [...state.devices].map(([id, rec]) => [id, toJson<DeviceRec>(rec)]),
    contracts: [...state.contracts],
    readings: [...state.readings].map(([hash, rec]) => [hash, toJson<ReadingRec>(rec)]),
    allocations: [...state.allocations].map(([hash, rec]) => [hash, toJson<AllocationRec>(rec)]),
    settlements: [...state.settlements],
    claims: [...state.claims],
  };
}

/** The state saved by snapshotReplayState for the log `origin`. */
export function restoreReplayState(snapshot: ReplaySnapshot, origin: string): ReplayState {
  if (snapshot.version !== REPLAY_STATE_VERSION) throw new GridproofError('bad-request', `replay state version ${String(snapshot.version)} is not ${REPLAY_STATE_VERSION}`);
  if (snapshot.origin !== origin) throw new GridproofError('bad-request', `replay state of ${snapshot.origin}, not ${origin}`);
  if (!Number.isSafeInteger(snapshot.size) || snapshot.size < 0) throw new GridproofError('bad-request', 'replay state size is a non-negative integer');
  const state = emptyReplayState();
  state.size = snapshot.size;
  state.operatorKey = snapshot.operatorKey;
  for (const [id, rec] of snapshot.participants) state.participants.set(id, rec);
  for (const [id, rec] of snapshot.devices) {
    state.devices.set(id, { ...rec, energyCapacityWh: optionalWh(rec.energyCapacityWh), efficiencyBp: rec.efficiencyBp, head: rec.head, socWh: BigInt(rec.socWh) });
  }
  for (const [hash, rec] of snapshot.contracts) state.contracts.set(hash, rec);
  for (const [hash, rec] of snapshot.readings) {
    state.readings.set(hash, { ...rec, importWh: BigInt(rec.importWh), exportWh: BigInt(rec.exportWh), fromWh: BigInt(rec.fromWh), toWh: BigInt(rec.toWh), settlement: rec.settlement });
  }
  for (const [hash, rec] of snapshot.allocations) {
    const charge = rec.charge ? { device: rec.charge.device, lotWh: BigInt(rec.charge.lotWh), drawnWh: BigInt(rec.charge.drawnWh) } : undefined;
    state.allocations.set(hash, { ...rec, wh: BigInt(rec.wh), settlement: rec.settlement, claim: rec.claim, charge });
  }
  for (const [hash, index] of snapshot.settlements) state.settlements.set(hash, index);
  for (const [hash, index] of snapshot.claims) state.claims.set(hash, index);
  for (const reading of state.readings.values()) for (const hash of reading.pending) state.unsettled.add(hash);
  return state;
}

/**
 * The replay state as plain JSON (replay-state.ts), kept between runs so a
 * monitor only replays the entries appended since its last run. Compact,
 * since a year of a park settles about two million allocations: a
 * settlement's allocations are one string of `<wh>:<owner>` pairs, the owner
 * an index into one table of sink owners.
 */
import { GridproofError } from '../../errors.ts';
import {
  type ContractRec,
  type DeviceRec,
  emptyReplayState,
  type LateBatch,
  openReading,
  type ParticipantRec,
  type ReplayState,
  type SettlementRec,
} from './replay-state.ts';

/** 3: the late-settlement transaction being replayed (lateBatch); 4: `frontiers` renamed `lastMatchedStarts`. */
export const REPLAY_STATE_VERSION = 4;

/** A record with bigints as strings and undefined members left out. */
type Json<T> = { [K in keyof T]: T[K] extends bigint ? string : T[K] extends bigint | undefined ? string | undefined : T[K] };

interface ReadingJson {
  index: number;
  device: string;
  interval: string;
  importWh: string;
  exportWh: string;
}

interface SettlementJson {
  index: number;
  startMs: number;
  endMs: number;
  /** Per position, space-separated: `<wh>:<index into owners>`. */
  allocations: string;
  /** [position, storage device]. */
  charges: Array<[number, string]>;
  /** [position, claim index]. */
  claimed: Array<[number, number]>;
}

export interface ReplaySnapshot {
  version: typeof REPLAY_STATE_VERSION;
  origin: string;
  /** Entries replayed: the next index expected. */
  size: number;
  operatorKey: { vkey: string; index: number } | null;
  participants: Array<[string, ParticipantRec]>;
  devices: Array<[string, Json<DeviceRec>]>;
  contracts: Array<[string, ContractRec]>;
  /** Open readings, by leaf hash. */
  readings: Array<[string, ReadingJson]>;
  /** Settled supply readings: [leaf hash, reading index, settlement index]. */
  settled: Array<[string, number, number]>;
  /** The owners of sink readings, referred to by the settlements' allocations. */
  owners: string[];
  settlements: Array<[string, SettlementJson]>;
  intervals: Array<[string, number]>;
  lastMatchedStarts: Array<[string, number]>;
  /** Per storage device, oldest first: [allocation id, remaining Wh]. */
  lots: Array<[string, Array<[string, string]>]>;
  claims: Array<[string, number]>;
  /** The late-settlement transaction being replayed, if any (replay-late.ts). */
  lateBatch: LateBatch | null;
}

const bigintsToStrings = (_key: string, value: unknown): unknown => (typeof value === 'bigint' ? value.toString() : value);

function toJson<T>(value: T): Json<T> {
  return JSON.parse(JSON.stringify(value, bigintsToStrings)) as Json<T>;
}

export function snapshotReplayState(state: ReplayState, origin: string): ReplaySnapshot {
  const owners: string[] = [];
  const ownerIndex = new Map<string, number>();
  const ownerOf = (owner: string): number => {
    let at = ownerIndex.get(owner);
    if (at === undefined) {
      at = owners.push(owner) - 1;
      ownerIndex.set(owner, at);
    }
    return at;
  };
  const settlements = [...state.settlements].map(([hash, rec]): [string, SettlementJson] => [
    hash,
    {
      index: rec.index,
      startMs: rec.startMs,
      endMs: rec.endMs,
      allocations: rec.wh.map((wh, position) => `${wh}:${ownerOf(rec.owner[position]!)}`).join(' '),
      charges: [...rec.charges],
      claimed: [...rec.claimed],
    },
  ]);
  return {
    version: REPLAY_STATE_VERSION,
    origin,
    size: state.size,
    operatorKey: state.operatorKey,
    participants: [...state.participants],
    devices: [...state.devices].map(([id, rec]) => [id, toJson(rec)]),
    contracts: [...state.contracts].map(([hash, rec]) => [hash, toJson(rec)]),
    readings: [...state.readings].map(([hash, rec]) => [hash, toJson(rec)]),
    settled: [...state.settled].map(([hash, rec]) => [hash, rec.reading, rec.settlement]),
    owners,
    settlements,
    intervals: [...state.intervals],
    lastMatchedStarts: [...state.lastMatchedStarts],
    lots: [...state.lots].map(([device, lots]) => [device, lots.map((lot): [string, string] => [lot.allocation, String(lot.remainingWh)])]),
    claims: [...state.claims],
    lateBatch: state.lateBatch ?? null,
  };
}

function bad(detail: string): never {
  throw new GridproofError('bad-request', `replay state: ${detail}`);
}

function restoreSettlement(json: SettlementJson, owners: readonly string[]): SettlementRec {
  const rec: SettlementRec = {
    index: json.index,
    startMs: json.startMs,
    endMs: json.endMs,
    wh: [],
    owner: [],
    charges: new Map(json.charges),
    claimed: new Map(json.claimed),
  };
  if (json.allocations === '') return rec;
  for (const pair of json.allocations.split(' ')) {
    const parts = /^(\d+):(\d+)$/.exec(pair);
    const name = parts ? owners[Number(parts[2])] : undefined;
    if (!parts || name === undefined) bad(`settlement ${json.index}: allocation ${JSON.stringify(pair)} is not <wh>:<owner>`);
    rec.wh.push(BigInt(parts[1]!));
    rec.owner.push(name);
  }
  return rec;
}

/** The state saved by snapshotReplayState for the log `origin`. */
export function restoreReplayState(snapshot: ReplaySnapshot, origin: string): ReplayState {
  if (snapshot.version !== REPLAY_STATE_VERSION) bad(`version ${String(snapshot.version)} is not ${REPLAY_STATE_VERSION}`);
  if (snapshot.origin !== origin) bad(`of ${snapshot.origin}, not ${origin}`);
  if (!Number.isSafeInteger(snapshot.size) || snapshot.size < 0) bad('size is a non-negative integer');
  const state = emptyReplayState();
  state.size = snapshot.size;
  state.operatorKey = snapshot.operatorKey;
  for (const [id, rec] of snapshot.participants) state.participants.set(id, rec);
  for (const [id, rec] of snapshot.devices) {
    state.devices.set(id, { ...rec, energyCapacityWh: rec.energyCapacityWh === undefined ? undefined : BigInt(rec.energyCapacityWh) });
  }
  for (const [hash, rec] of snapshot.contracts) state.contracts.set(hash, rec);
  for (const [hash, rec] of snapshot.readings) {
    if (rec.interval.split('/').length !== 3) bad(`reading ${hash}: interval ${rec.interval} is not <startMs>/<endMs>/<zone>`);
    openReading(state, hash, { ...rec, importWh: BigInt(rec.importWh), exportWh: BigInt(rec.exportWh) });
  }
  for (const [hash, reading, settlement] of snapshot.settled) state.settled.set(hash, { reading, settlement });
  for (const [hash, rec] of snapshot.settlements) state.settlements.set(hash, restoreSettlement(rec, snapshot.owners));
  for (const [key, index] of snapshot.intervals) state.intervals.set(key, index);
  for (const [zone, startMs] of snapshot.lastMatchedStarts) state.lastMatchedStarts.set(zone, startMs);
  for (const [device, lots] of snapshot.lots) {
    state.lots.set(
      device,
      lots.map(([allocation, remainingWh]) => ({ allocation, device, remainingWh: BigInt(remainingWh) })),
    );
  }
  for (const [hash, index] of snapshot.claims) state.claims.set(hash, index);
  const batch = snapshot.lateBatch;
  if (batch !== null) {
    if (typeof batch !== 'object' || !Number.isSafeInteger(batch.index) || !Array.isArray(batch.due)) bad('lateBatch is null or {index, due}');
    state.lateBatch = { index: batch.index, due: batch.due };
  }
  return state;
}

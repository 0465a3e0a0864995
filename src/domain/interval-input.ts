/**
 * What matching and settlement see of one closed interval [start, end) in one
 * bidding zone (docs/design.md §5), and its checks. The caller selects the
 * readings of the zone's devices for the interval (at most one per device: the
 * log refuses a second reading of a device for the same start) and the
 * contracts valid over the interval; this module only refuses inputs that
 * would make the result ambiguous.
 */
import { GridproofError } from '../errors.ts';
import { compareText } from './compare.ts';
import type { DeviceType, HashB64, Instant } from './payloads.ts';
import { heldWh, lotQueues, type GreenLot, type StorageSpec } from './storage-lots.ts';

export type { GreenLot, StorageSpec } from './storage-lots.ts';

export interface MatchReading {
  leafHash: HashB64;
  device: string;
  deviceType: DeviceType;
  /** The device's owner: a contract's sinks are its tenant's consumption readings. */
  owner: string;
  importWh: bigint;
  exportWh: bigint;
}

export interface MatchContract {
  leafHash: HashB64;
  device: string;
  tenant: string;
  /** Lower is served first. */
  priority: number;
  /** Share of the device's supply in basis points; absent = all of it. */
  shareBp?: number;
}

export interface IntervalInput {
  log: string;
  start: Instant;
  end: Instant;
  zone: string;
  readings: MatchReading[];
  /** Already filtered to those valid over the interval. */
  contracts: MatchContract[];
  storage: StorageSpec[];
  /** Green charge held before this interval; FIFO order = array order per device. */
  lots: GreenLot[];
}

export interface PreparedInterval {
  /** By leaf hash. */
  readings: MatchReading[];
  /** In service order: priority ascending, then leaf hash. */
  contracts: MatchContract[];
  /** Per-device FIFO queues, copies the caller may consume. */
  queues: Map<string, GreenLot[]>;
  /** Throws `unknown-device` for a storage device without a spec. */
  specOf: (device: string) => StorageSpec;
}

function refuse(detail: string): never {
  throw new GridproofError('bad-request', detail);
}

function unknownDevice(device: string): never {
  throw new GridproofError('unknown-device', `no storage spec for device ${device}`);
}

function requireUnique(values: readonly string[], what: string): void {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) refuse(`duplicate ${what}: ${value}`);
    seen.add(value);
  }
}

const isBp = (value: number): boolean => Number.isSafeInteger(value) && value >= 0 && value <= 10000;

/** Checks the input and returns it sorted, so any permutation gives the same result. */
export function prepareInterval(input: IntervalInput): PreparedInterval {
  requireUnique(
    input.readings.map((r) => r.leafHash),
    'reading',
  );
  // One reading per device: a contract names a device, and its reading must be unique.
  requireUnique(
    input.readings.map((r) => r.device),
    'reading device',
  );
  for (const r of input.readings) {
    if (r.importWh < 0n || r.exportWh < 0n) throw new GridproofError('bad-wh', `negative Wh in reading ${r.leafHash}`);
  }
  requireUnique(
    input.contracts.map((c) => c.leafHash),
    'contract',
  );
  for (const c of input.contracts) {
    if (!Number.isSafeInteger(c.priority)) refuse(`contract ${c.leafHash}: priority must be an integer`);
    if (c.shareBp !== undefined && !isBp(c.shareBp)) refuse(`contract ${c.leafHash}: shareBp must be 0…10000`);
  }
  requireUnique(
    input.storage.map((s) => s.device),
    'storage device',
  );
  for (const s of input.storage) {
    if (!isBp(s.efficiencyBp) || s.efficiencyBp === 0) refuse(`storage ${s.device}: efficiencyBp must be 1…10000`);
    if (s.energyCapacityWh < 0n) throw new GridproofError('bad-wh', `storage ${s.device}: negative capacity`);
  }
  requireUnique(
    input.lots.map((l) => l.allocation),
    'lot',
  );
  for (const l of input.lots) {
    if (l.remainingWh <= 0n) throw new GridproofError('bad-wh', `lot ${l.allocation} holds nothing`);
  }

  const specs = new Map(input.storage.map((s) => [s.device, s]));
  const specOf = (device: string): StorageSpec => specs.get(device) ?? unknownDevice(device);
  const queues = lotQueues(input.lots);
  for (const [device, queue] of queues) {
    if (heldWh(queue) > specOf(device).energyCapacityWh) refuse(`storage ${device}: lots exceed the energy capacity`);
  }

  return {
    readings: [...input.readings].sort((a, b) => compareText(a.leafHash, b.leafHash)),
    contracts: [...input.contracts].sort((a, b) => a.priority - b.priority || compareText(a.leafHash, b.leafHash)),
    queues,
    specOf,
  };
}

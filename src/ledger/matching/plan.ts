/**
 * Planning one matching window from its rows, without the database: for each
 * interval, plan the settlement (domain/matching.ts), sign it, re-check it
 * against the interval (domain/settlement.ts), and project it. This is the
 * JavaScript half of a window (docs/design.md §5); worker.ts runs it on a
 * second thread while the main thread writes the previous window.
 */
import { toBase64 } from '../../crypto/base64.ts';
import type { SignFn } from '../../crypto/ed25519.ts';
import type { Signer } from '../../crypto/note.ts';
import { indexIn, type ContractSpan, type IndexOf, type SettlementProjection, type WindowReadings } from '../../db/matching-rows.ts';
import { parseAllocationId } from '../../domain/allocation-id.ts';
import { sealEntryWithBytes } from '../../domain/entry.ts';
import { planInterval, type GreenLot, type IntervalInput, type MatchContract, type MatchReading, type StorageSpec } from '../../domain/matching.ts';
import type { DeviceType, SettlementPayload } from '../../domain/payloads.ts';
import { checkIntervalSettlement } from '../../domain/settlement.ts';
import { lotWh } from '../../domain/storage-lots.ts';
import { formatInstant } from '../../domain/time.ts';
import { nativeHashLeaf } from '../../platform/node-sha256.ts';

export interface WindowRows {
  log: string;
  zone: string;
  intervalSeconds: number;
  starts: Date[];
  readings: WindowReadings;
  /** The zone's devices: each reading's type and owner. */
  devices: Array<{ id: string; type: string; owner: string }>;
  contracts: ContractSpan[];
  storage: StorageSpec[];
  /** Green charge held before the window. */
  lotsBefore: GreenLot[];
}

export interface PlannedSettlement {
  bytes: Uint8Array;
  leafHash: Uint8Array;
  projection: SettlementProjection;
}

export interface PlannedWindow {
  settlements: PlannedSettlement[];
  allocations: number;
  lotsAfter: GreenLot[];
}

export function planWindowRows(rows: WindowRows, signer: Signer, sign: SignFn): PlannedWindow {
  const { log, zone, storage } = rows;
  const specOf = new Map(storage.map((spec) => [spec.device, spec]));
  const indexOf: IndexOf = new Map();
  // Storage specs by reading leaf hash: a charge is an allocation to one of these.
  const storageByReading = new Map<string, StorageSpec>();
  // Each reading converted once per window, grouped by interval.
  const readingsAt = new Map<number, MatchReading[]>();
  const devices = new Map(rows.devices.map((d) => [d.id, d]));
  for (const { reading, entryIdx, startMs } of windowReadingsOf(rows.readings, devices)) {
    indexOf.set(reading.leafHash, entryIdx);
    const spec = specOf.get(reading.device);
    if (spec !== undefined) storageByReading.set(reading.leafHash, spec);
    const group = readingsAt.get(startMs);
    if (group) group.push(reading);
    else readingsAt.set(startMs, [reading]);
  }

  const plan: PlannedWindow = { settlements: [], allocations: 0, lotsAfter: rows.lotsBefore };
  for (const start of rows.starts) {
    const end = new Date(start.getTime() + rows.intervalSeconds * 1000);
    const contracts = contractsFor(rows.contracts, start.getTime(), end.getTime());
    const input = intervalInput({ log, zone, storage }, start, end, readingsAt.get(start.getTime()) ?? [], contracts, plan.lotsAfter);
    const settlement = planInterval(input);
    if (settlement === undefined) continue;
    const { bytes } = sealEntryWithBytes(settlement, signer, sign);
    const leafHash = nativeHashLeaf(bytes);
    // Re-checked before it is appended: checkIntervalSettlement refuses what planInterval should never produce.
    plan.lotsAfter = checkIntervalSettlement(input, settlement, toBase64(leafHash)).lotsAfter;
    plan.settlements.push({ bytes, leafHash, projection: projectionOf(settlement, indexOf, storageByReading) });
    plan.allocations += settlement.sources.reduce((n, s) => n + s.allocations.length, 0);
  }
  return plan;
}

export interface WindowReading {
  reading: MatchReading;
  entryIdx: number;
  startMs: number;
}

/** The readings back from their columns; `devices` gives each device's type and owner. */
export function windowReadingsOf(columns: WindowReadings, devices: ReadonlyMap<string, { type: string; owner: string }>): WindowReading[] {
  return columns.device.map((device, i) => {
    const known = devices.get(device);
    if (known === undefined) throw new Error(`matching: reading of unknown device ${device}`);
    const reading: MatchReading = {
      leafHash: toBase64(columns.leafHashes.subarray(32 * i, 32 * i + 32)),
      device,
      deviceType: known.type as DeviceType,
      owner: known.owner,
      importWh: BigInt(columns.importWh[i]!),
      exportWh: BigInt(columns.exportWh[i]!),
    };
    return { reading, entryIdx: columns.entryIdx[i]!, startMs: columns.startMs[i]! };
  });
}

/** Contracts valid over the whole interval [start, end). */
export function contractsFor(spans: readonly ContractSpan[], startMs: number, endMs: number): MatchContract[] {
  return spans.filter((c) => c.fromMs <= startMs && (c.untilMs === null || c.untilMs >= endMs)).map((c) => c.contract);
}

export function intervalInput(
  common: { log: string; zone: string; storage: StorageSpec[] },
  start: Date,
  end: Date,
  readings: MatchReading[],
  contracts: MatchContract[],
  lots: GreenLot[],
): IntervalInput {
  return { ...common, start: formatInstant(start), end: formatInstant(end), readings, contracts, lots };
}

/**
 * `indexOf` gives the entry index of every reading the settlement names;
 * `storage` names the zone's storage devices by their readings' leaf hashes,
 * so a charge allocation is known by its sink.
 */
export function projectionOf(payload: SettlementPayload, indexOf: IndexOf, storage: ReadonlyMap<string, StorageSpec>): SettlementProjection {
  const count = payload.sources.reduce((n, source) => n + source.allocations.length, 0);
  const projection: SettlementProjection = {
    start_at: new Date(payload.start),
    zone: payload.zone,
    source_idx: new Float64Array(count),
    sink_idx: new Float64Array(count),
    wh: new Float64Array(count),
    sources: [],
    charges: [],
    draws: [],
  };
  const sinkIdx = payload.sinks.map((hash) => indexIn(indexOf, hash));
  let position = 0;
  for (const source of payload.sources) {
    const sourceIdx = indexIn(indexOf, source.reading);
    projection.sources.push({ source_idx: sourceIdx, supply_wh: Number(source.supplyWh), allocated_wh: Number(source.allocatedWh) });
    for (const allocation of source.allocations) {
      projection.source_idx[position] = sourceIdx;
      projection.sink_idx[position] = sinkIdx[allocation.sink]!;
      projection.wh[position] = Number(allocation.wh);
      const spec = storage.get(payload.sinks[allocation.sink]!);
      if (spec !== undefined) {
        projection.charges.push({ position, device_id: spec.device, lot_wh: Number(lotWh(BigInt(allocation.wh), spec.efficiencyBp)) });
      }
      for (const draw of allocation.draws ?? []) {
        const charge = parseAllocationId(draw.allocation);
        projection.draws.push({ position, charge_settlement: charge.settlement, charge_position: charge.position, wh: Number(draw.wh) });
      }
      position++;
    }
  }
  return projection;
}

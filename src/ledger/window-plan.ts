/**
 * Planning one matching window from its rows, without the database: for each
 * interval, plan the settlement (domain/matching.ts), sign it, re-check it
 * against the interval (domain/settlement.ts), and project it. This is the
 * JavaScript half of a window (DESIGN.md "Matching"); matching-worker.ts runs
 * it on a second thread while the main thread writes the previous window.
 */
import { toBase64 } from '../crypto/base64.ts';
import type { SignFn } from '../crypto/ed25519.ts';
import type { Signer } from '../crypto/note.ts';
import { sealEntryWithBytes } from '../domain/entry.ts';
import { planInterval, type GreenLot, type MatchReading, type StorageSpec } from '../domain/matching.ts';
import { settleInterval } from '../domain/settlement.ts';
import { nativeHashLeaf } from '../platform/node-sha256.ts';
import { contractsFor, intervalInput, projectionOf, type ContractSpan, type IndexOf, type SettlementProjection, type WindowReadings, windowReadingsOf } from './matching-rows.ts';

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
    // Re-checked before it is appended: settlement.ts refuses what planInterval should never produce.
    plan.lotsAfter = settleInterval(input, settlement, toBase64(leafHash)).lotsAfter;
    plan.settlements.push({ bytes, leafHash, projection: projectionOf(settlement, indexOf, storageByReading) });
    plan.allocations += settlement.sources.reduce((n, s) => n + s.allocations.length, 0);
  }
  return plan;
}

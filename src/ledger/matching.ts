/**
 * Matching runs (DESIGN.md "Matching"; issue 4 §3): every closed interval not
 * yet matched, oldest first, each in one transaction under the head lock —
 * so the readings matched are exactly those logged before the allocations,
 * two runs started at once match an interval once, and storage lots carry
 * from one interval to the next in order. Then late supply readings get their
 * empty settlements.
 */
import { toBase64 } from '../crypto/base64.ts';
import {
  greenLots,
  insertAllocations,
  insertDraws,
  insertMatchedInterval,
  insertSettlements,
  intervalReadings,
  isMatched,
  pendingIntervals,
  storageDevices,
  unsettledLateSupply,
  validContracts,
  type IntervalKey,
} from '../db/matching.ts';
import { planInterval, type IntervalInput } from '../domain/matching.ts';
import type { AllocationPayload, DeviceType, SettlementPayload } from '../domain/payloads.ts';
import { lateSettlement, settleInterval } from '../domain/settlement.ts';
import { formatInstant } from '../domain/time.ts';
import { appendInTransaction, sealOperatorEntry, type Appended } from './append.ts';
import type { Ledger } from './ledger.ts';

export interface MatchingSummary {
  intervals: number;
  allocations: number;
  settlements: number;
  lateSettlements: number;
}

export async function runMatching(ledger: Ledger, untilMs: number): Promise<MatchingSummary> {
  const until = new Date(Math.min(untilMs, ledger.now()));
  const summary: MatchingSummary = { intervals: 0, allocations: 0, settlements: 0, lateSettlements: 0 };
  for (const key of await pendingIntervals(ledger.db, until)) {
    const done = await matchInterval(ledger, key);
    if (!done) continue;
    summary.intervals += 1;
    summary.allocations += done.allocations;
    summary.settlements += done.settlements;
  }
  summary.lateSettlements = await settleLateSupply(ledger);
  return summary;
}

async function matchInterval(ledger: Ledger, key: IntervalKey): Promise<{ allocations: number; settlements: number } | undefined> {
  return appendInTransaction(ledger, async (tx, size) => {
    if (await isMatched(tx, key)) return { entries: [], project: async () => undefined };
    const start = key.start_at;
    const end = new Date(start.getTime() + ledger.intervalSeconds * 1000);
    const [readings, storage, contracts, lots] = [
      await intervalReadings(tx, key),
      await storageDevices(tx, key.zone),
      await validContracts(tx, key.zone, start, end),
      await greenLots(tx, key.zone, start),
    ];
    const input: IntervalInput = {
      log: ledger.origin,
      start: formatInstant(start),
      end: formatInstant(end),
      zone: key.zone,
      readings: readings.map((r) => ({
        leafHash: toBase64(r.leaf_hash),
        device: r.device_id,
        deviceType: r.type as DeviceType,
        owner: r.owner,
        importWh: BigInt(r.import_wh),
        exportWh: BigInt(r.export_wh),
      })),
      contracts: contracts.map((c) => ({
        leafHash: toBase64(c.leaf_hash),
        device: c.device_id,
        tenant: c.tenant_id,
        priority: c.priority,
        ...(c.share_bp === null ? {} : { shareBp: c.share_bp }),
      })),
      storage: storage.map((s) => ({ device: s.id, efficiencyBp: s.efficiency_bp, energyCapacityWh: BigInt(s.energy_capacity_wh) })),
      lots: lots.map((l) => ({ allocation: toBase64(l.leaf_hash), device: l.device_id, remainingWh: BigInt(l.remaining_wh) })),
    };
    const allocations = planInterval(input).map((payload) => sealOperatorEntry(ledger, payload));
    const { settlements } = settleInterval(
      input,
      allocations.map((sealed) => ({ payload: sealed.payload as AllocationPayload, leafHash: toBase64(sealed.leafHash) })),
    );
    const sealedSettlements = settlements.map((payload) => sealOperatorEntry(ledger, payload));

    const readingIdx = new Map(readings.map((r) => [toBase64(r.leaf_hash), r.entry_idx]));
    const contractIdx = new Map(contracts.map((c) => [toBase64(c.leaf_hash), c.entry_idx]));
    const allocationIdx = new Map(lots.map((l) => [toBase64(l.leaf_hash), l.entry_idx]));
    return {
      entries: [...allocations, ...sealedSettlements],
      project: async (tx, appended) => {
        const allocated = appended.slice(0, allocations.length);
        for (const entry of allocated) allocationIdx.set(toBase64(entry.leafHash), entry.idx);
        await insertAllocations(tx, allocated.map((entry) => allocationRow(entry, readingIdx, contractIdx)));
        await insertDraws(
          tx,
          allocated.flatMap((entry) =>
            ((entry.payload as AllocationPayload).draws ?? []).map((draw) => ({
              allocation_idx: entry.idx,
              charge_idx: allocationIdx.get(draw.allocation)!,
              wh: Number(draw.wh),
            })),
          ),
        );
        await insertSettlements(tx, appended.slice(allocations.length).map((entry) => settlementRow(entry, readingIdx)));
        await insertMatchedInterval(tx, { start_at: start, zone: key.zone, log_size: size });
        return { allocations: allocations.length, settlements: sealedSettlements.length };
      },
    };
  });
}

function allocationRow(entry: Appended, readingIdx: Map<string, number>, contractIdx: Map<string, number>) {
  const payload = entry.payload as AllocationPayload;
  return {
    entry_idx: entry.idx,
    start_at: new Date(payload.start),
    zone: payload.zone,
    source_idx: readingIdx.get(payload.source)!,
    sink_idx: readingIdx.get(payload.sink)!,
    wh: Number(payload.wh),
    rule: payload.rule,
    contract_idx: payload.contract === undefined ? null : contractIdx.get(payload.contract)!,
  };
}

function settlementRow(entry: Appended, readingIdx: Map<string, number>) {
  const payload = entry.payload as SettlementPayload;
  return {
    entry_idx: entry.idx,
    source_idx: readingIdx.get(payload.source)!,
    supply_wh: Number(payload.supplyWh),
    allocated_wh: Number(payload.allocatedWh),
  };
}

/** A supply reading that arrived after its interval was matched gets a settlement with no allocations. */
async function settleLateSupply(ledger: Ledger): Promise<number> {
  return appendInTransaction(ledger, async (tx) => {
    const late = await unsettledLateSupply(tx);
    const sealed = late.map((r) =>
      sealOperatorEntry(
        ledger,
        lateSettlement(ledger.origin, { leafHash: toBase64(r.leaf_hash), start: formatInstant(r.start_at), end: formatInstant(r.end_at), exportWh: BigInt(r.export_wh) }),
      ),
    );
    return {
      entries: sealed,
      project: async (tx, appended) => {
        await insertSettlements(
          tx,
          appended.map((entry, i) => ({ entry_idx: entry.idx, source_idx: late[i]!.entry_idx, supply_wh: late[i]!.export_wh, allocated_wh: 0 })),
        );
        return appended.length;
      },
    };
  });
}

/**
 * Matches automatically after each interval's gate closure: every tick runs
 * matching up to now − gate. Runs never overlap within a process, and
 * across processes the head lock makes them take turns.
 */
export function startMatcher(ledger: Ledger, gateClosureMs: number, everyMs: number, onError: (error: unknown) => void): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() => runMatching(ledger, ledger.now() - gateClosureMs)).catch(onError);
  }, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}

/**
 * The replay's readings (replay.ts): each device's chain (checkChain: seq,
 * prev, interval order) and the reading rules that need no clock beyond
 * `nowMs`.
 */
import { GridproofError } from '../../errors.ts';
import type { ReadingPayload } from '../payloads.ts';
import { checkChain, checkReadingShape } from '../reading-rules.ts';
import { instantMs } from '../time.ts';
import { parseWh } from '../wh.ts';
import { isDuplicate, type ReplayContext } from './replay-state.ts';

/** Readings ending after `nowMs` are `bad-reading`. */
export function replayReading(context: ReplayContext, nowMs: number, index: number, hash: string, reading: ReadingPayload): void {
  const { state, report } = context;
  if (isDuplicate(context, state.readings.get(hash)?.index, index)) return;
  const device = state.devices.get(reading.device)!; // the signature check found it
  const startMs = instantMs(reading.start)!;
  const endMs = instantMs(reading.end)!;
  try {
    const facts = { id: reading.device, owner: device.owner, type: device.type, capacityW: device.capacityW, commissioningDate: device.commissioningDate, biddingZone: device.zone };
    checkReadingShape(reading, facts, Math.max(1, (endMs - startMs) / 1000), nowMs);
  } catch (error) {
    if (!(error instanceof GridproofError)) throw error;
    report('bad-reading', [index], `${error.code}: ${error.detail}`);
  }
  try {
    checkChain(reading, device.head);
    device.head = { seq: reading.seq, leafHash: hash, endMs, index };
  } catch (error) {
    if (!(error instanceof GridproofError)) throw error;
    report('chain-break', [device.head?.index, index], `device ${reading.device} seq ${reading.seq}: ${error.code}: ${error.detail}`);
    // Resynchronise on this reading unless it reuses an old seq, so one break is reported once.
    if (error.code !== 'seq-conflict') device.head = { seq: reading.seq, leafHash: hash, endMs, index };
  }
  state.readings.set(hash, {
    index,
    device: reading.device,
    startMs,
    endMs,
    importWh: parseWh(reading.importWh),
    exportWh: parseWh(reading.exportWh),
    fromWh: 0n,
    toWh: 0n,
    settlement: undefined,
    pending: [],
  });
}

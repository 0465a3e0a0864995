/**
 * The replay's readings (replay.ts): each device's chain (checkChain: seq,
 * prev, interval order) and the reading rules that need no clock beyond
 * `nowMs`. The reading stays open (replay-state.ts) while a settlement may
 * still name it.
 */
import { GridproofError } from '../../errors.ts';
import type { ReadingPayload } from '../payloads.ts';
import { checkChain, checkReadingShape } from '../reading-rules.ts';
import { instantMs } from '../time.ts';
import { parseWh } from '../wh.ts';
import { intervalKey, isDuplicate, isSupply, openReading, type ReplayContext } from './replay-state.ts';

/** Readings ending after `nowMs` are `bad-reading`. */
export function replayReading(context: ReplayContext, nowMs: number, index: number, hash: string, reading: ReadingPayload): void {
  const { state, report } = context;
  if (isDuplicate(context, state.readings.get(hash)?.index ?? state.settled.get(hash)?.reading, index)) return;
  const device = state.devices.get(reading.device)!; // the signature check found it
  const startMs = instantMs(reading.start)!;
  const endMs = instantMs(reading.end)!;
  try {
    const facts = {
      id: reading.device,
      owner: device.owner,
      type: device.type,
      capacityW: device.capacityW,
      commissioningDate: device.commissioningDate,
      biddingZone: device.zone,
    };
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
  const exportWh = parseWh(reading.exportWh);
  const interval = intervalKey(startMs, endMs, device.zone);
  // Once its interval and zone is matched, a settlement can name only a supply reading (a late one).
  const matched = state.intervals.has(interval) || startMs < (state.lastMatchedStarts.get(device.zone) ?? Number.NEGATIVE_INFINITY);
  if (matched && !isSupply(device.type, exportWh)) return;
  openReading(state, hash, { index, device: reading.device, interval, importWh: parseWh(reading.importWh), exportWh });
}

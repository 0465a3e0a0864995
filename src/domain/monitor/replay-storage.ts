/**
 * The replay's storage checks (replay.ts): no charge allocation drawn beyond
 * floor(wh × efficiencyBp / 10000), and the attributed state of charge of
 * each storage device (green lots after losses minus draws) within
 * [0, energyCapacityWh]. As in matching (domain/matching.ts), the upper bound
 * counts the charge held before an interval plus every charge of the
 * interval, not net of the interval's draws, since within the hour the charge
 * may have come first.
 */
import type { AllocationPayload } from '../payloads.ts';
import { lotWh } from '../storage-lots.ts';
import { parseWh } from '../wh.ts';
import type { AllocationRec, BlockDevice, DeviceRec, ReadingRec, ReplayContext, ReplayState } from './replay-state.ts';

/** The device's state of charge at the start of the current interval's block, and the block's charges. */
function touch(state: ReplayState, interval: string, device: DeviceRec, id: string): BlockDevice {
  if (state.block?.interval !== interval) state.block = { interval, devices: new Map() };
  let entry = state.block.devices.get(id);
  if (!entry) {
    entry = { socStartWh: device.socWh, chargedWh: 0n };
    state.block.devices.set(id, entry);
  }
  return entry;
}

/** An allocation from storage `source`: its draws on earlier charges of that device. */
export function replayDischarge(
  { state, report }: ReplayContext,
  index: number,
  hash: string,
  allocation: AllocationPayload,
  rec: AllocationRec,
  source: ReadingRec,
  device: DeviceRec,
  interval: string,
): void {
  if (!allocation.draws) {
    report('bad-draw', [index], `allocation ${hash} from storage ${source.device} names no charge it draws on`);
    return;
  }
  touch(state, interval, device, source.device);
  let drawn = 0n;
  let beyond = false;
  for (const draw of allocation.draws) {
    const wh = parseWh(draw.wh);
    drawn += wh;
    const charge = state.allocations.get(draw.allocation);
    if (!charge?.charge || charge === rec || charge.charge.device !== source.device || charge.endMs > rec.startMs) {
      const why = !charge || charge === rec ? 'is no allocation logged before it' : !charge.charge ? 'is no storage charge' : charge.charge.device !== source.device ? `charged ${charge.charge.device}, not ${source.device}` : 'is not of an earlier interval';
      report('bad-draw', [charge === rec ? undefined : charge?.index, index], `allocation ${hash} draws on ${draw.allocation}, which ${why}`);
      continue;
    }
    charge.charge.drawnWh += wh;
    device.socWh -= wh;
    if (charge.charge.drawnWh > charge.charge.lotWh) {
      beyond = true;
      report('draw-beyond-charge', [charge.index, index], `charge ${draw.allocation} (entry ${charge.index}) left ${charge.charge.lotWh} Wh after losses; draws on it now add up to ${charge.charge.drawnWh} Wh`);
    }
  }
  if (drawn !== rec.wh) report('bad-draw', [index], `allocation ${hash} is of ${rec.wh} Wh but its draws add up to ${drawn} Wh`);
  if (!beyond && device.socWh < 0n) {
    report('state-of-charge', [index], `storage ${source.device}: attributed state of charge ${device.socWh} Wh is below 0`);
  }
}

/** An allocation to storage `sink` from a generator: the green lot it leaves after losses. */
export function replayCharge({ state, report }: ReplayContext, index: number, rec: AllocationRec, sink: ReadingRec, device: DeviceRec, interval: string): void {
  const lot = lotWh(rec.wh, device.efficiencyBp ?? 10000);
  rec.charge = { device: sink.device, lotWh: lot, drawnWh: 0n };
  const block = touch(state, interval, device, sink.device);
  block.chargedWh += lot;
  device.socWh += lot;
  const peak = block.socStartWh + block.chargedWh;
  const capacity = device.energyCapacityWh ?? 0n;
  if (peak > capacity) {
    report('state-of-charge', [device.index, index], `storage ${sink.device}: ${block.socStartWh} Wh held before ${interval} plus ${block.chargedWh} Wh charged in it exceed the energy capacity ${capacity} Wh`);
  }
}

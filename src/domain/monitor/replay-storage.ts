/**
 * The storage checks of a matching settlement (replay-allocations.ts;
 * docs/design.md §5, storage). The replay keeps each storage device's
 * green lots as matching does (storage-lots.ts): a charge allocation leaves
 * floor(wh × efficiencyBp / 10000), a discharge draws on the lots held before
 * its interval, first in, first out. So: each draw names an earlier charge of
 * its own device and takes no more than that charge still holds; the draws
 * add up to the discharge and are the FIFO ones; and the lots held before the
 * interval plus every lot it charges stay within the energy capacity. As in
 * matching, that bound is not net of the interval's draws, since within the
 * hour the charge may have come first.
 */
import { parseAllocationId } from '../allocation-id.ts';
import type { Allocation, Draw } from '../payloads.ts';
import { heldWh, lotWh, takeFifo, type GreenLot } from '../storage-lots.ts';
import { minWh, parseWh } from '../wh.ts';
import type { DeviceRec, ReplayContext, ReplayState, SettlementRec } from './replay-state.ts';

/** The storage devices one settlement touches. */
export class StorageBlock {
  /** The green charge each device held before the interval. */
  readonly #heldBefore = new Map<string, bigint>();
  /** Per device: the lots its charges leave after losses, in position order, and their sum. */
  readonly newLots = new Map<string, GreenLot[]>();
  readonly chargedWh = new Map<string, bigint>();

  heldBefore(state: ReplayState, device: string): bigint {
    let held = this.#heldBefore.get(device);
    if (held === undefined) {
      held = heldWh(state.lots.get(device));
      this.#heldBefore.set(device, held);
    }
    return held;
  }

  /** What a storage reading may supply: its export, up to the green charge held before the interval. */
  greenSupply(state: ReplayState, device: string, exportWh: bigint): bigint {
    return minWh(exportWh, this.heldBefore(state, device));
  }
}

interface Discharge {
  id: string;
  wh: bigint;
  allocation: Allocation;
  /** The storage device discharged. */
  device: string;
  rec: SettlementRec;
}

const drawText = (draws: readonly Draw[] | undefined): string => (draws ?? []).map((d) => `${d.wh} Wh of ${d.allocation}`).join(', ') || 'nothing';

function sameDraws(expected: readonly Draw[] | undefined, actual: readonly Draw[]): boolean {
  return (
    expected !== undefined &&
    expected.length === actual.length &&
    expected.every((draw, i) => draw.allocation === actual[i]?.allocation && draw.wh === actual[i]?.wh)
  );
}

/** The settlement an allocation id names, if logged, and the storage device it charges, if it is a charge. */
function chargeOf(state: ReplayState, id: string): { rec: SettlementRec | undefined; device: string | undefined } {
  const { settlement, position } = parseAllocationId(id);
  const rec = state.settlements.get(settlement);
  return { rec: rec && position < rec.wh.length ? rec : undefined, device: rec?.charges.get(position) };
}

/** An allocation from a storage reading: its draws on the device's lots. */
export function replayDischarge({ state, report }: ReplayContext, block: StorageBlock, { id, wh, allocation, device, rec }: Discharge): void {
  const index = rec.index;
  block.heldBefore(state, device);
  if (!allocation.draws) {
    report('bad-draw', [index], `allocation ${id} from storage ${device} names no charge it draws on`);
    return;
  }
  const queue = state.lots.get(device) ?? [];
  let fifo: Draw[] | undefined;
  if (heldWh(queue) >= wh)
    fifo = takeFifo(
      queue.map((lot) => ({ ...lot })),
      wh,
    );
  let valid = true;
  let drawn = 0n;
  for (const draw of allocation.draws) {
    const drawWh = parseWh(draw.wh);
    drawn += drawWh;
    const charge = chargeOf(state, draw.allocation);
    const why = !charge.rec
      ? 'is no allocation logged before it'
      : charge.device === undefined
        ? 'is no storage charge'
        : charge.device !== device
          ? `charged ${charge.device}, not ${device}`
          : charge.rec.endMs > rec.startMs
            ? 'is not of an earlier interval'
            : undefined;
    if (!charge.rec || why !== undefined) {
      report('bad-draw', [charge.rec?.index, index], `allocation ${id} draws on ${draw.allocation}, which ${why}`);
      valid = false;
      continue;
    }
    const at = queue.findIndex((lot) => lot.allocation === draw.allocation);
    const lot = queue[at];
    const held = lot?.remainingWh ?? 0n;
    if (drawWh > held) {
      report(
        'draw-beyond-charge',
        [charge.rec.index, index],
        `charge ${draw.allocation} (entry ${charge.rec.index}) holds ${held} Wh of green charge after losses and earlier draws; allocation ${id} draws ${drawWh} Wh on it`,
      );
      valid = false;
    }
    if (!lot) continue;
    if (drawWh >= held) queue.splice(at, 1);
    else queue[at] = { ...lot, remainingWh: held - drawWh };
  }
  if (queue.length === 0) state.lots.delete(device);
  if (drawn !== wh) {
    report('bad-draw', [index], `allocation ${id} is of ${wh} Wh but its draws add up to ${drawn} Wh`);
    valid = false;
  }
  if (valid && !sameDraws(fifo, allocation.draws)) {
    report(
      'draw-not-fifo',
      [index],
      `allocation ${id} draws ${drawText(allocation.draws)}; first in, first out over the green charge held it draws ${drawText(fifo)}`,
    );
  }
}

interface Charge {
  id: string;
  wh: bigint;
  position: number;
  /** The storage device charged, and its entry. */
  device: string;
  spec: DeviceRec;
  rec: SettlementRec;
}

/** An allocation to a storage reading from generation: the green lot it leaves after losses. */
export function replayCharge({ state }: ReplayContext, block: StorageBlock, { id, wh, position, device, spec, rec }: Charge): void {
  rec.charges.set(position, device);
  block.heldBefore(state, device);
  // `spec` is a storage device's: the device schema requires its efficiencyBp.
  const lot = lotWh(wh, spec.efficiencyBp!);
  block.chargedWh.set(device, (block.chargedWh.get(device) ?? 0n) + lot);
  // A charge too small to survive the losses leaves no lot (a lot always holds something).
  if (lot === 0n) return;
  const lots = block.newLots.get(device) ?? [];
  lots.push({ allocation: id, device, remainingWh: lot });
  block.newLots.set(device, lots);
}

/** After all of a settlement's allocations: the capacity bound, then the new lots join their devices' queues. */
export function settleStorage({ state, report }: ReplayContext, block: StorageBlock, index: number, label: string): void {
  for (const [device, charged] of block.chargedWh) {
    const spec = state.devices.get(device)!;
    const held = block.heldBefore(state, device);
    // Only storage devices are charged, and the device schema requires their energyCapacityWh.
    const capacity = spec.energyCapacityWh!;
    if (held + charged > capacity) {
      report(
        'state-of-charge',
        [spec.index, index],
        `storage ${device}: ${held} Wh held before ${label} plus ${charged} Wh charged in it exceed the energy capacity ${capacity} Wh`,
      );
    }
  }
  for (const [device, lots] of block.newLots) state.lots.set(device, [...(state.lots.get(device) ?? []), ...lots]);
}

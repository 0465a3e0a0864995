/**
 * Green charge held by storage, as lots (docs/design.md §5, storage; the
 * EnergyTag GC Scheme Standard's storage charge and discharge records). A lot
 * is what one charge allocation left in the battery after the device's
 * declared efficiency losses; a discharge draws on lots first in, first out,
 * so every green Wh leaving a battery names the charge, and through it the
 * generation, it came from.
 */
import { GridproofError } from '../errors.ts';
import type { AllocationId, Draw } from './payloads.ts';

export interface StorageSpec {
  device: string;
  /** Round-trip efficiency in basis points, 1…10000 (the `device` entry's efficiencyBp). */
  efficiencyBp: number;
  energyCapacityWh: bigint;
}

export interface GreenLot {
  /** The charge allocation that created the lot. */
  allocation: AllocationId;
  device: string;
  /** Green charge still held, after losses; always > 0 (drained lots are removed). */
  remainingWh: bigint;
}

/**
 * Losses are taken when charging, rounded down, so a lot never holds more
 * green energy than the battery can give back.
 */
export function lotWh(chargeWh: bigint, efficiencyBp: number): bigint {
  return (chargeWh * BigInt(efficiencyBp)) / 10000n;
}

/**
 * The largest green charge the device can still take: its energy after losses,
 * unrounded, must fit what the lots leave free (wh × e / 10000 ≤ capacity −
 * held), so the attributed state of charge never exceeds the energy capacity
 * and a full battery takes nothing, not even a charge whose lot would round
 * down to 0. Callers guarantee held ≤ capacity.
 */
export function chargeCapWh(spec: StorageSpec, heldWh: bigint): bigint {
  return ((spec.energyCapacityWh - heldWh) * 10000n) / BigInt(spec.efficiencyBp);
}

/** Per-device queues, oldest lot first, copied so that callers may consume them. */
export function lotQueues(lots: readonly GreenLot[]): Map<string, GreenLot[]> {
  const queues = new Map<string, GreenLot[]>();
  for (const lot of lots) {
    const queue = queues.get(lot.device) ?? [];
    queue.push({ ...lot });
    queues.set(lot.device, queue);
  }
  return queues;
}

/** The attributed state of charge: the green energy a device's lots hold. */
export function heldWh(queue: readonly GreenLot[] | undefined): bigint {
  return (queue ?? []).reduce((sum, lot) => sum + lot.remainingWh, 0n);
}

/**
 * Takes `wh` from the head of a device's queue, oldest lot first, and returns
 * the draws; consumes the queue in place (drained lots leave it).
 */
export function takeFifo(queue: GreenLot[], wh: bigint): Draw[] {
  const draws: Draw[] = [];
  let left = wh;
  while (left > 0n) {
    const head = queue[0];
    if (head === undefined) throw new GridproofError('bad-request', 'discharge exceeds the green charge held');
    const take = head.remainingWh < left ? head.remainingWh : left;
    draws.push({ allocation: head.allocation, wh: String(take) });
    left -= take;
    if (take === head.remainingWh) queue.shift();
    else queue[0] = { ...head, remainingWh: head.remainingWh - take };
  }
  return draws;
}

/**
 * A device key's validity starts no earlier than the device's commissioning
 * date (00:00 UTC of that day): a meter that did not exist cannot have signed
 * anything, so a key reaching further back would only let readings of a time
 * before the device into the log. Migration 012 holds the database to the
 * same rule.
 */
import { GridproofError } from '../errors.ts';
import { dateMs, instantMs } from './time.ts';

/** Why a device key of this validity start is refused, or undefined when it is not. */
export function keyStartProblem(commissioningDate: string, validFrom: string): string | undefined {
  const commissionedMs = dateMs(commissioningDate);
  const fromMs = instantMs(validFrom);
  // Fails closed: an unreadable date refuses the key.
  if (commissionedMs === undefined || fromMs === undefined || fromMs < commissionedMs) {
    return `a device key may be valid from the commissioning date ${commissioningDate} on, not from ${validFrom}`;
  }
  return undefined;
}

export function checkKeyStart(commissioningDate: string, validFrom: string): void {
  const problem = keyStartProblem(commissioningDate, validFrom);
  if (problem) throw new GridproofError('before-commissioning', problem);
}

/**
 * Input `gridproof monitor` cannot work with (exit 2), and how it words the
 * errors behind it.
 */
import { GridproofError } from '../errors.ts';

/** Input the monitor cannot work with: exit 2. */
export class Unusable extends Error {}

export function describe(error: unknown): string {
  if (error instanceof GridproofError) return error.message;
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return cause ? `${error.message} (${cause.code ?? cause.message ?? 'no detail'})` : error.message;
  }
  return String(error);
}

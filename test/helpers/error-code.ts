import { GridproofError } from '../../src/errors.ts';

/** The code a call throws, undefined when it does not throw: tests assert codes, not messages. */
export function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof GridproofError ? error.code : `not a GridproofError: ${String(error)}`;
  }
  return undefined;
}

/**
 * Wh quantities: `bigint` inside the domain, decimal strings in payloads
 * (docs/design.md §2: Wh quantities are decimal strings everywhere).
 */
import { GridproofError } from '../errors.ts';
import type { WhString } from './payloads.ts';

const decimal = /^(?:0|[1-9][0-9]*)$/;

/** Strict: no sign, no leading zero, no exponent, so one value has one spelling. */
export function parseWh(text: WhString): bigint {
  if (!decimal.test(text)) throw new GridproofError('bad-wh', `not a decimal Wh string: ${JSON.stringify(text)}`);
  return BigInt(text);
}

export function minWh(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

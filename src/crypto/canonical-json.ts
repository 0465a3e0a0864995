/**
 * JSON Canonicalization Scheme (RFC 8785): entry payloads are signed as their
 * JCS text, so the same payload always has the same bytes (DESIGN.md
 * "Entries"). The `canonicalize` package implements RFC 8785 §3.2: object
 * members sorted by UTF-16 code units (§3.2.3), no whitespace, ECMAScript
 * number and string serialization (§3.2.2).
 */
import canonicalize from 'canonicalize';
import { GridproofError } from '../errors.ts';

/** The JCS text of a JSON value; throws 'non-canonical-json' for what JSON cannot hold. */
export function canonicalJson(value: unknown): string {
  let text: string | undefined;
  try {
    text = canonicalize(value);
  } catch (error) {
    // NaN, Infinity, lone surrogates (RFC 8785 §3.2.2.2), BigInt, cycles.
    throw new GridproofError('non-canonical-json', `not representable in JSON: ${(error as Error).message}`);
  }
  if (text === undefined) throw new GridproofError('non-canonical-json', 'not a JSON value');
  return text;
}

/**
 * Whether `text` is exactly the JCS form of the JSON it holds. Duplicate
 * members, whitespace, reordered members, non-shortest numbers or escapes and
 * numbers that do not survive IEEE 754 doubles all make the round trip differ.
 */
export function isCanonicalJson(text: string): boolean {
  try {
    return canonicalize(JSON.parse(text)) === text;
  } catch {
    return false;
  }
}

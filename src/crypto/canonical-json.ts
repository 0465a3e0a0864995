/**
 * JSON Canonicalization Scheme (RFC 8785): entry payloads are signed as their
 * JCS text, so the same payload always has the same bytes (docs/design.md
 * §2). Object members sorted by UTF-16 code units (§3.2.3), no
 * whitespace, and primitives serialized as ECMAScript's JSON.stringify does
 * (§3.2.2: strings §3.2.2.2, numbers §3.2.2.3), which is why JSON.stringify
 * serializes every primitive here.
 *
 * Our own rather than the `canonicalize` package (kept as a dev dependency,
 * and tested against): that one builds the text piece by piece and scans
 * every string for lone surrogates one code unit at a time, and a settlement
 * holds hundreds of allocations. Here the value is copied with its members
 * inserted in sorted order and serialized by the native JSON.stringify, which
 * keeps insertion order, about twice as fast. Integer-like member names are
 * the exception (JavaScript enumerates them first whatever the insertion
 * order), and so is __proto__ (assigning it sets the prototype): such an
 * object is serialized member by member instead.
 */
import { GridproofError } from '../errors.ts';

/** Names JavaScript orders before all others (array indexes, ECMA-262 §10.1.11.1). */
const INTEGER_KEY = /^(?:0|[1-9][0-9]*)$/;

function refuse(what: string): never {
  throw new GridproofError('non-canonical-json', `not representable in JSON: ${what}`);
}

/** A UTF-16 surrogate not part of a pair is not representable in I-JSON (RFC 7493 §2.1, RFC 8785 §3.2.2.2). */
function checkString(text: string): string {
  if (!text.isWellFormed()) refuse('a lone surrogate');
  return text;
}

/** Signals a member name an object copy cannot hold in order: integer-like, or __proto__. */
class UnorderableKey extends Error {}

/**
 * Whether JSON.stringify already writes `value` canonically: every object's
 * members in sorted order with none to skip or reorder, every primitive
 * representable. Builders that write members in order (matching) skip the copy.
 */
function isOrdered(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
      return value.isWellFormed();
    case 'number':
      return Number.isFinite(value);
    case 'boolean':
      return true;
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) return value.every(isOrdered);
      const record = value as Record<string, unknown>;
      if (typeof record.toJSON === 'function') return false;
      let previous = '';
      for (const key in record) {
        if (!Object.hasOwn(record, key) || key <= previous) return false;
        // Only a name starting with a digit can be integer-like.
        const first = key.charCodeAt(0);
        if (first >= 0x30 && first <= 0x39 && INTEGER_KEY.test(key)) return false;
        if (!key.isWellFormed() || !isOrdered(record[key])) return false;
        previous = key;
      }
      return true;
    }
    default:
      return false;
  }
}

/** A copy JSON.stringify serializes canonically: members inserted in sorted order, primitives checked. */
function sortedCopy(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
      return checkString(value);
    case 'number':
      return Number.isFinite(value) ? value : refuse(String(value));
    case 'boolean':
      return value;
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : sortedCopy(item)));
      const record = value as Record<string, unknown>;
      if (typeof record.toJSON === 'function') return sortedCopy(record.toJSON());
      const copy: Record<string, unknown> = {};
      for (const key of Object.keys(record).sort()) {
        const member = record[key];
        if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
        if (INTEGER_KEY.test(key) || key === '__proto__') throw new UnorderableKey();
        copy[checkString(key)] = sortedCopy(member);
      }
      return copy;
    }
    default:
      return refuse(typeof value);
  }
}

function serialize(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(checkString(value));
    case 'number':
      if (!Number.isFinite(value)) refuse(String(value));
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : serialize(item))).join(',')}]`;
      const record = value as Record<string, unknown>;
      if (typeof record.toJSON === 'function') return serialize(record.toJSON());
      // Array.prototype.sort without a comparator compares UTF-16 code units (§3.2.3).
      const members: string[] = [];
      for (const key of Object.keys(record).sort()) {
        const member = record[key];
        if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
        members.push(`${JSON.stringify(checkString(key))}:${serialize(member)}`);
      }
      return `{${members.join(',')}}`;
    }
    default:
      return refuse(typeof value);
  }
}

function serializeSorted(value: unknown): string {
  if (isOrdered(value)) return JSON.stringify(value);
  try {
    return JSON.stringify(sortedCopy(value));
  } catch (error) {
    if (error instanceof UnorderableKey) return serialize(value);
    throw error;
  }
}

/** The JCS text of a JSON value; throws 'non-canonical-json' for what JSON cannot hold. */
export function canonicalJson(value: unknown): string {
  try {
    return serializeSorted(value);
  } catch (error) {
    if (error instanceof GridproofError) throw error;
    // A cycle overflows the stack.
    return refuse((error as Error).message);
  }
}

/**
 * Whether `text` is exactly the JCS form of the JSON it holds. Duplicate
 * members, whitespace, reordered members, non-shortest numbers or escapes and
 * numbers that do not survive IEEE 754 doubles all make the round trip differ.
 */
export function isCanonicalJson(text: string): boolean {
  try {
    return canonicalJson(JSON.parse(text)) === text;
  } catch {
    return false;
  }
}

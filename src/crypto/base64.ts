/**
 * Byte encodings used on the wire: base64 (RFC 4648 §4), base64url (§5), hex
 * and UTF-8. Decoders are strict (docs/design.md §2): a text decodes
 * only if encoding the result gives back exactly that text, so every byte
 * string has one spelling and a signed or hashed text cannot be re-spelled.
 * Node's Buffer is lenient (it ignores stray characters and non-zero padding
 * bits) and is not available in a browser, so the codecs are written here.
 */
import { GridproofError } from '../errors.ts';

const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function reverseTable(alphabet: string): Int16Array {
  const table = new Int16Array(128).fill(-1);
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
}
const STD_REVERSE = reverseTable(STD);
const URL_REVERSE = reverseTable(URL_SAFE);

function encode(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + alphabet[(n >> 6) & 63]! + alphabet[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + (pad ? '==' : '');
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + alphabet[(n >> 6) & 63]! + (pad ? '=' : '');
  }
  return out;
}

/**
 * Decodes unpadded base64 symbols; returns null on a character outside the
 * alphabet, an impossible length (4k+1) or non-zero padding bits. Those are
 * exactly the texts that re-encoding would not give back, checked without
 * building the encoding: a verifier decodes tens of thousands of hashes and
 * signatures per bundle (docs/design.md §10).
 */
function decodeSymbols(text: string, reverse: Int16Array): Uint8Array | null {
  if (text.length % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const v = code < 128 ? reverse[code]! : -1;
    if (v < 0) return null;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  // The bits left over (2 or 4 after a partial group) are padding: they must be zero.
  if ((acc & ((1 << bits) - 1)) !== 0) return null;
  return out;
}

/** Standard base64 with padding (RFC 4648 §4). */
export function toBase64(bytes: Uint8Array): string {
  return encode(bytes, STD, true);
}

/** Base64url without padding (RFC 4648 §5; §3.2 lets a length-delimited field omit it). */
export function toBase64Url(bytes: Uint8Array): string {
  return encode(bytes, URL_SAFE, false);
}

/** Strict standard base64: padded, canonical (padding bits zero), nothing else. */
export function fromBase64(text: string): Uint8Array {
  if (text.length % 4 !== 0) throw new GridproofError('bad-base64', 'length is not a multiple of 4');
  const body = text.endsWith('==') ? text.slice(0, -2) : text.endsWith('=') ? text.slice(0, -1) : text;
  const bytes = decodeSymbols(body, STD_REVERSE);
  // text.length is 4k and at most two '=' were removed, so body.length % 4 is
  // 0, 3 or 2: the padding is exactly the one the decoded length calls for.
  if (bytes === null) {
    throw new GridproofError('bad-base64', 'not canonical standard base64');
  }
  return bytes;
}

/**
 * Strict base64url: padding may be omitted or present (both are common in
 * URLs) but must then be exact, and the padding bits must be zero.
 */
export function fromBase64Url(text: string): Uint8Array {
  const body = text.endsWith('==') ? text.slice(0, -2) : text.endsWith('=') ? text.slice(0, -1) : text;
  const bytes = decodeSymbols(body, URL_REVERSE);
  if (bytes === null || (body !== text && text.length % 4 !== 0)) {
    throw new GridproofError('bad-base64', 'not canonical base64url');
  }
  return bytes;
}

/** A SHA-256 hash in standard base64: exactly 44 characters, 32 bytes. */
export function hashFromBase64(text: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(text);
  } catch {
    throw new GridproofError('bad-hash', 'a hash is 32 bytes in standard base64');
  }
  if (bytes.length !== 32) throw new GridproofError('bad-hash', 'a hash is 32 bytes in standard base64');
  return bytes;
}

/**
 * A hash from a URL query parameter: standard base64 (percent-encoded) or
 * base64url, padded or not (docs/api.md: proof routes accept base64url). The two
 * alphabets differ only in '+/' versus '-_', so whichever decodes strictly is
 * the answer.
 */
export function hashFromQuery(text: string): Uint8Array {
  let bytes: Uint8Array | undefined;
  for (const decode of [fromBase64, fromBase64Url]) {
    try {
      bytes = decode(text);
      break;
    } catch {
      // try the other alphabet
    }
  }
  if (bytes === undefined || bytes.length !== 32) {
    throw new GridproofError('bad-hash', 'a hash is 32 bytes in base64 or base64url');
  }
  return bytes;
}

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** Lowercase hex only, even length: one spelling per byte string. */
export function fromHex(text: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})*$/.test(text)) throw new GridproofError('bad-hex', 'expected lowercase hex of even length');
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const encoder = new TextEncoder();
// UTF-8 takes at most 3 bytes per UTF-16 code unit, so 3 × length always fits.
let scratch = new Uint8Array(4096);
/** Longer texts (whole files, not entries) are encoded on their own, so the kept buffer stays small. */
const SCRATCH_LIMIT = 65_536;
// fatal: invalid UTF-8 is an error, never U+FFFD; ignoreBOM: a leading BOM is
// kept as text, so decoding then encoding returns the same bytes.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * UTF-8 bytes of a well-formed string (a lone surrogate has no UTF-8 form).
 * isWellFormed (ES2024) rather than a regular expression: entries run to tens
 * of kilobytes, and the engine answers at once for a string without surrogates.
 */
export function utf8(text: string): Uint8Array {
  if (!text.isWellFormed()) throw new GridproofError('bad-utf8', 'lone surrogate in text');
  // encodeInto a kept buffer, then one copy: in Chromium a fresh encode() of an
  // entry-sized string costs about twice as much (docs/design.md §10).
  if (text.length > SCRATCH_LIMIT) return encoder.encode(text);
  if (scratch.length < text.length * 3) scratch = new Uint8Array(Math.min(Math.max(text.length * 3, 2 * scratch.length), 3 * SCRATCH_LIMIT));
  const { written } = encoder.encodeInto(text, scratch);
  return scratch.slice(0, written);
}

export function fromUtf8(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new GridproofError('bad-utf8', 'invalid UTF-8');
  }
}

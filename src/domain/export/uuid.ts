/**
 * Name-based UUIDs for the EnergyTag records (RFC 9562 §5.8, UUIDv8, built
 * as its Appendix B.2 example: the first 128 bits of SHA-256 of the name,
 * version and variant bits set). The same log fact always gets the same id.
 */
import { toHex, utf8 } from '../../crypto/base64.ts';
import { sha256 } from '../../crypto/sha256.ts';

export function nameUuid(...parts: string[]): string {
  const b = sha256(utf8(parts.join('\n'))).slice(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x80;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = toHex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

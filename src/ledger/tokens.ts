/**
 * Bearer tokens: 32 random bytes, shown once, stored only as SHA-256.
 */
import { createHash, randomBytes } from 'node:crypto';

export function newToken(): string {
  return `gp_${randomBytes(32).toString('base64url')}`;
}

export function tokenHash(token: string): Uint8Array {
  return createHash('sha256').update(token, 'utf8').digest();
}

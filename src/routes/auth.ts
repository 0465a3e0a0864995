/**
 * Bearer tokens (DESIGN.md "API contract"): a token identifies one
 * participant; routes name the roles they admit. Tokens are never revoked in
 * this version, so a token's participant is cached after its first use.
 */
import type { FastifyRequest } from 'fastify';
import { toBase64 } from '../crypto/base64.ts';
import { findByTokenHash } from '../db/registry.ts';
import type { Role } from '../domain/payloads.ts';
import { GridproofError } from '../errors.ts';
import type { Caller } from '../ledger/caller.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { tokenHash } from '../ledger/tokens.ts';

export class Auth {
  readonly #ledger: Ledger;
  readonly #known = new Map<string, Caller>();

  constructor(ledger: Ledger) {
    this.#ledger = ledger;
  }

  async caller(request: FastifyRequest): Promise<Caller> {
    const header = request.headers.authorization;
    const match = header ? /^Bearer ([\x21-\x7e]+)$/.exec(header) : null;
    if (!match) throw new GridproofError('unauthorized', 'send Authorization: Bearer <token>');
    const hash = tokenHash(match[1]!);
    const key = toBase64(hash);
    const known = this.#known.get(key);
    if (known) return known;
    const participant = await findByTokenHash(this.#ledger.db, hash);
    if (!participant) throw new GridproofError('unauthorized', 'unknown token');
    const caller = { id: participant.id, role: participant.role as Role };
    this.#known.set(key, caller);
    return caller;
  }

  async require(request: FastifyRequest, ...roles: Role[]): Promise<Caller> {
    const caller = await this.caller(request);
    if (!roles.includes(caller.role)) throw new GridproofError('forbidden', `this needs the role ${roles.join(' or ')}`);
    return caller;
  }
}

/**
 * Bearer tokens (RFC 6750 §2.1) to callers. Who may do what is decided by the
 * use cases (ledger/access.ts); this only reads the header.
 */
import type { FastifyRequest } from 'fastify';
import { GridproofError } from '../errors.ts';
import type { Caller } from '../ledger/access.ts';
import type { UseCases } from '../ledger/use-cases.ts';

export class Auth {
  readonly #useCases: UseCases;

  constructor(useCases: UseCases) {
    this.#useCases = useCases;
  }

  caller(request: FastifyRequest): Promise<Caller> {
    const header = request.headers.authorization;
    // The scheme is case-insensitive (RFC 9110 §11.1); the token is printable
    // ASCII without spaces, as the operator token is checked at start (config.ts).
    const match = header ? /^bearer +([\x21-\x7e]+) *$/i.exec(header) : null;
    if (!match) throw new GridproofError('unauthorized', 'send Authorization: Bearer <token>');
    return this.#useCases.caller(match[1]!);
  }

  /** The caller when the request carries a token (which must then be valid), undefined for an anonymous one. */
  async optionalCaller(request: FastifyRequest): Promise<Caller | undefined> {
    return request.headers.authorization === undefined ? undefined : this.caller(request);
  }
}

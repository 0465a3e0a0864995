/**
 * Bearer tokens (RFC 6750 §2.1) to callers. Who may do what is decided by
 * ledger/access.ts: the use cases check it, and a route that names its action
 * has that action's role checked here too, before its body is read.
 */
import type { FastifyRequest } from 'fastify';
import { GridproofError } from '../errors.ts';
import { allow, type Action, type Caller } from '../ledger/access.ts';
import type { UseCases } from '../ledger/use-cases.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The action of ledger/access.ts a route performs, for a route that takes a
     * body and whose action is admitted by role alone: a caller of another role
     * is 403 before the body is read (checkFirst). The use case checks it again.
     */
    action?: Action;
  }
}

export class Auth {
  readonly #useCases: UseCases;
  /** Each request's caller, read once: by the preParsing hook (checkFirst), then by the handler. */
  readonly #callers = new WeakMap<FastifyRequest, Promise<Caller>>();

  constructor(useCases: UseCases) {
    this.#useCases = useCases;
  }

  caller(request: FastifyRequest): Promise<Caller> {
    let caller = this.#callers.get(request);
    if (caller === undefined) {
      caller = this.#read(request);
      this.#callers.set(request, caller);
    }
    return caller;
  }

  /** The caller when the request carries a token (which must then be valid), undefined for an anonymous one. */
  async optionalCaller(request: FastifyRequest): Promise<Caller | undefined> {
    return request.headers.authorization === undefined ? undefined : this.caller(request);
  }

  /**
   * A preParsing hook: a route whose OpenAPI security requirement names the
   * bearer scheme has its token checked before its body is read or
   * validated, so a request without a valid token is 401 whatever its body
   * (RFC 9110 §15.5.2), and an anonymous client cannot make the service
   * parse a large body. A route that also allows no token (an empty
   * requirement) checks one only when it is sent. Not onRequest: the rate
   * limiter runs there first, so unknown tokens cannot flood the lookup.
   * A route that names its action (config.action) needs a token whatever
   * its security requirement says, and has the caller's role checked here, so a valid token of the wrong role is 403 whatever
   * the body (RFC 9110 §15.5.4), and such a caller cannot make the service
   * parse a large body either (docs/api.md "API at a glance").
   */
  readonly checkFirst = async <P>(request: FastifyRequest, _reply: unknown, payload: P): Promise<P> => {
    // An action is done by a caller: its route needs a token whatever its security says.
    const action = request.routeOptions.config.action;
    if (action !== undefined) {
      allow(await this.caller(request), action);
      return payload;
    }
    const security = request.routeOptions.schema?.security as Array<Record<string, unknown>> | undefined;
    if (security?.some((requirement) => 'bearer' in requirement)) {
      if (security.some((requirement) => Object.keys(requirement).length === 0)) await this.optionalCaller(request);
      else await this.caller(request);
    }
    return payload;
  };

  async #read(request: FastifyRequest): Promise<Caller> {
    const header = request.headers.authorization;
    // The scheme is case-insensitive (RFC 9110 §11.1); the token is printable
    // ASCII without spaces, as the operator token is checked at start (config.ts).
    const match = header ? /^bearer +([\x21-\x7e]+) *$/i.exec(header) : null;
    if (!match) throw new GridproofError('unauthorized', 'send Authorization: Bearer <token>');
    return this.#useCases.caller(match[1]!);
  }
}

/**
 * Per-client request limits (@fastify/rate-limit): a client is its bearer
 * token (by hash, so no token sits in memory as a key) or, without one, its
 * address. POST /v1/verify needs no token and runs a whole bundle
 * verification per request, so an anonymous caller gets a stricter limit of
 * its own there. /healthz is never limited: it is how a supervisor tells a
 * busy service from a dead one. A refusal is 429 `rate-limited` with
 * Retry-After (RFC 6585 §4) in seconds.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GridproofError } from '../errors.ts';
import { tokenHash } from '../ledger/tokens.ts';

export interface RateLimits {
  /** Requests per minute per token or address, on every route but /healthz. */
  perMinute: number;
  /** Requests per minute per address to POST /v1/verify without a token. */
  anonymousVerifyPerMinute: number;
}

const MINUTE_MS = 60_000;
const BEARER = /^bearer +([\x21-\x7e]+) *$/i;

function clientKey(request: FastifyRequest): string {
  const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
  return token === undefined ? `address:${request.ip}` : `token:${Buffer.from(tokenHash(token)).toString('base64')}`;
}

function refusal(_request: FastifyRequest, context: { max: number; after: string }): GridproofError {
  return new GridproofError('rate-limited', `more than ${context.max} requests a minute from this client; retry in ${context.after}`);
}

export async function registerRateLimits(app: FastifyInstance, limits: RateLimits): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    max: limits.perMinute,
    timeWindow: MINUTE_MS,
    keyGenerator: clientKey,
    allowList: (request) => request.routeOptions.url === '/healthz',
    errorResponseBuilder: refusal,
  });
}

/** The route option of POST /v1/verify: anonymous callers are held to the stricter limit. */
export function verifyRateLimit(limits: RateLimits | undefined): { rateLimit: object } | undefined {
  if (limits === undefined) return undefined;
  return {
    rateLimit: {
      max: (request: FastifyRequest, key: string) => (key.startsWith('token:') ? limits.perMinute : limits.anonymousVerifyPerMinute),
    },
  };
}

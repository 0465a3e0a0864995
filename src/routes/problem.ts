/**
 * RFC 9457 problem details: every error leaves as application/problem+json
 * with a stable `code` (our extension member, RFC 9457 §3.2). No stack trace
 * ever reaches a client.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { isStoreConflict, isStoreUnavailable } from '../ledger/store-unavailable.ts';
import { errorStatus, GridproofError, type ErrorCode } from '../errors.ts';

export const PROBLEM_TYPE = 'application/problem+json';

/**
 * Retry-After for `unavailable`, in seconds (RFC 9110 §10.2.3): a deadlock
 * is broken at once, so the same request may go in a second later; a
 * database that does not answer, a dead worker or a full queue takes longer,
 * and every client coming back each second would only add to the load.
 */
const RETRY_AFTER_S = { conflict: 1, otherwise: 5 } as const;

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  instance?: string;
}

/** A problem's title: its code in words, the same for every problem of that code (RFC 9457 §3.1.3). */
export const problemTitle = (code: ErrorCode): string => code.replaceAll('-', ' ');

export function problemOf(code: ErrorCode, detail: string, instance?: string): Problem {
  return {
    // A relative URI naming the code (RFC 9457 §3.1.1 allows relative references).
    type: `/problems/${code}`,
    title: problemTitle(code),
    status: errorStatus[code],
    code,
    detail,
    ...(instance ? { instance } : {}),
  };
}

/** Fastify's own errors, by their stable codes, mapped onto ours. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload-too-large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad-request',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad-request',
  FST_ERR_VALIDATION: 'schema-violation',
  // Router errors, raised before a route is chosen (frameworkErrors in app.ts).
  FST_ERR_BAD_URL: 'bad-url',
  FST_ERR_MAX_PARAM_LENGTH: 'uri-too-long',
};

const MIB = 1024 * 1024;

/** The route's body limit (its own, else the app's bodyLimit), in bytes and in MiB as config.ts and bundles.ts set it. */
function tooLargeDetail(request: FastifyRequest): string {
  const limit = request.routeOptions.bodyLimit;
  const mib = limit / MIB;
  const inMib = Number.isInteger(mib) ? ` (${mib} MiB)` : '';
  return `the request body is over this route's limit of ${limit} bytes${inMib}`;
}

/**
 * The media types the route reads (its OpenAPI `consumes`, else JSON: every
 * body the API reads is JSON, docs/api.md "API at a glance"), and what was
 * sent: `curl -d` sends a form, which the API does not read.
 */
function mediaTypeDetail(request: FastifyRequest): string {
  const consumes = (request.routeOptions.schema as { consumes?: readonly string[] } | undefined)?.consumes ?? ['application/json'];
  const sent = request.headers['content-type'];
  const was = sent === undefined ? 'without a Content-Type' : `as ${JSON.stringify(sent)}`;
  return `the body was sent ${was}; send Content-Type: ${consumes.join(' or ')}`;
}

export function toProblem(error: FastifyError | Error, request: FastifyRequest): Problem {
  if (error instanceof GridproofError) return problemOf(error.code, error.detail, request.url);
  if (isStoreUnavailable(error)) return problemOf('unavailable', 'the database does not answer; try again shortly', request.url);
  if (isStoreConflict(error))
    return problemOf('unavailable', 'the database rolled the request back to break a deadlock with another; nothing was written; try again', request.url);
  const fastifyError = error as FastifyError;
  const mapped = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (mapped === 'payload-too-large') return problemOf(mapped, tooLargeDetail(request), request.url);
  if (mapped === 'unsupported-media-type') return problemOf(mapped, mediaTypeDetail(request), request.url);
  if (mapped) return problemOf(mapped, error.message, request.url);
  if (fastifyError.validation) return problemOf('schema-violation', error.message, request.url);
  if (error instanceof SyntaxError || fastifyError.statusCode === 400) return problemOf('bad-request', error.message, request.url);
  if (fastifyError.statusCode === 413) return problemOf('payload-too-large', tooLargeDetail(request), request.url);
  if (fastifyError.statusCode === 415) return problemOf('unsupported-media-type', mediaTypeDetail(request), request.url);
  // @fastify/static's answers to a conditional or range request it cannot serve (RFC 9110 §15.5.13, §15.5.17).
  if (fastifyError.statusCode === 412)
    return problemOf('precondition-failed', 'a precondition of the request (If-Match, If-Unmodified-Since) does not hold', request.url);
  if (fastifyError.statusCode === 416) return problemOf('range-not-satisfiable', 'no range of the request overlaps the file', request.url);
  return problemOf('internal-error', 'an unexpected error occurred; it has been logged', request.url);
}

export function sendProblem(reply: FastifyReply, problem: Problem, error?: unknown): FastifyReply {
  // RFC 9110 §11.6.1: a 401 names the scheme the client should use; RFC 6750 §3.
  if (problem.status === 401) reply.header('www-authenticate', 'Bearer realm="gridproof"');
  // Only `unavailable` passes by itself; operator-key-rotated lasts until the operator restarts the service.
  if (problem.code === 'unavailable') reply.header('retry-after', String(isStoreConflict(error) ? RETRY_AFTER_S.conflict : RETRY_AFTER_S.otherwise));
  // RFC 9110 §15.5.17: a 416 says the file's length, `bytes */LENGTH`, as @fastify/send puts it on its error.
  const range = (error as { headers?: Record<string, string> } | undefined)?.headers?.['Content-Range'];
  if (problem.status === 416 && range !== undefined) reply.header('content-range', range);
  return reply.code(problem.status).type(PROBLEM_TYPE).send(problem);
}

/**
 * Every error a route or hook throws leaves as a problem document; an
 * unexpected one (5xx) is logged first, since its document says only that it
 * was. The main service's and the witness's error handler.
 */
export function replyWithProblem(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const problem = toProblem(error as Error, request);
  if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
  return sendProblem(reply, problem, error);
}

/**
 * The Fastify options that make the router's own refusals (a bad
 * percent-encoding, an over-long path parameter) and the HTTP parser's
 * (headers too large) problem documents too, with the same path parameter
 * limit: the main service's and the witness's.
 */
export const problemServerOptions = {
  // Proof requests may carry a base64 leaf hash with '+' and '/'; uri-too-long beyond it (docs/api.md).
  routerOptions: { maxParamLength: 200 },
  frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => sendProblem(reply, toProblem(error, request)),
  clientErrorHandler: clientErrorProblem,
} satisfies FastifyServerOptions;

/** Node's HTTP parser errors on a connection, before any request object exists. */
const CLIENT_ERRORS: Record<string, ErrorCode> = {
  HPE_HEADER_OVERFLOW: 'headers-too-large',
  ERR_HTTP_REQUEST_TIMEOUT: 'request-timeout',
};

/**
 * Fastify's clientErrorHandler: the answer is written on the raw socket, as
 * Node's own handler does, but as a problem document with a code.
 */
export function clientErrorProblem(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const problem = problemOf(CLIENT_ERRORS[error.code ?? ''] ?? 'bad-request', 'the request could not be read as HTTP/1.1');
  const body = JSON.stringify(problem);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\nConnection: close\r\nContent-Type: ${PROBLEM_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

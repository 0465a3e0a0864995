/**
 * Reply helpers shared by the routes: the media types the API answers with
 * besides JSON, and the 201 of every creating POST.
 */
import type { FastifyReply } from 'fastify';
import { BUNDLE_MEDIA_TYPE } from '../domain/bundle/bundle-types.ts';

/** Checkpoints, notes and keys are text (C2SP tlog-checkpoint, signed-note). */
export const TEXT_MEDIA_TYPE = 'text/plain; charset=utf-8';
export const CSV_MEDIA_TYPE = 'text/csv; charset=utf-8';
export { BUNDLE_MEDIA_TYPE };

export function sendText(reply: FastifyReply, text: string): FastifyReply {
  return reply.type(TEXT_MEDIA_TYPE).send(text);
}

export function sendCsv(reply: FastifyReply, csv: string): FastifyReply {
  return reply.type(CSV_MEDIA_TYPE).send(csv);
}

/** A bundle leaves as its own media type; serialised here so no response schema reshapes it. */
export function sendBundle(reply: FastifyReply, bundle: unknown): FastifyReply {
  return reply.type(BUNDLE_MEDIA_TYPE).send(JSON.stringify(bundle));
}

export function sendCreated<T>(reply: FastifyReply, body: T): FastifyReply {
  return reply.code(201).send(body);
}

/**
 * Response declarations (OpenAPI 3 "responses", Fastify's response schemas
 * by media type). Every route lists each status it can answer: its 2xx with
 * the schema of schemas/api/ it follows, and each 4xx/5xx as
 * application/problem+json. The API tests check every reply against these.
 */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';
const API_SCHEMAS = 'https://gridproof.dev/schemas/api/';

/** A schema of schemas/api/ by file name, e.g. apiSchema('problem'). */
export const apiSchema = (name: string): { $ref: string } => ({ $ref: `${API_SCHEMAS}${name}.json#` });

export interface Declared {
  description: string;
  /** Absent for a reply without a body (a redirect, 304 Not Modified). */
  content?: Record<string, { schema: object }>;
}

export const json = (description: string, schema: string): Declared => ({ description, content: { 'application/json': { schema: apiSchema(schema) } } });
export const text = (description: string): Declared => ({ description, content: { 'text/plain': { schema: apiSchema('text-note') } } });
/** A body that is not JSON (a page, a script, a style sheet): text of the given media types. */
export const textOf = (description: string, ...mediaTypes: string[]): Declared => ({
  description,
  content: Object.fromEntries(mediaTypes.map((type) => [type, { schema: { type: 'string' } }])),
});
export const bundle = (description: string): Declared => ({
  description,
  content: { [BUNDLE_MEDIA_TYPE]: { schema: { $ref: 'https://gridproof.dev/schemas/bundle.json#' } } },
});

const WHY: Record<number, string> = {
  400: 'Bad input (bad-request, schema-violation or a specific code)',
  401: 'No or an unknown bearer token (unauthorized)',
  403: 'The caller may not do this (forbidden)',
  404: 'Not found (a coded not-found or unknown-*)',
  409: 'Conflicts with what is logged',
  412: 'A precondition of the request does not hold (precondition-failed)',
  413: 'Body too large (payload-too-large, too-many-entries)',
  414: 'A path parameter longer than the router takes (uri-too-long)',
  415: 'The body is not JSON (unsupported-media-type)',
  416: 'No range of the request overlaps the file (range-not-satisfiable)',
  422: 'Well-formed, but it cannot be done as asked (participant-role-mismatch, device-not-generation, bad-next-key, unverified-bundle, not-a-claim, inconsistent-proof)',
  429: 'Too many requests (rate-limited)',
  500: 'An unexpected error, logged (internal-error)',
  503: 'The database does not answer, the server is too busy to take the work now, or the database rolled the request back to break a deadlock; Retry-After says when to try again (unavailable)',
};

/**
 * Answered by every API route: bad URL or query, more requests than the
 * client's limit (src/routes/rate-limits.ts), an unexpected error, the
 * database down.
 */
const ALWAYS = [400, 429, 500, 503];
/** Answered by every route that takes a bearer token. */
export const AUTHED = [401, 403];
/** Answered by every route that reads a JSON body. */
export const BODY = [413, 415];
/** Answered by every route with a path parameter: the router refuses one longer than maxParamLength (app.ts). */
export const PARAM = [414];

export const problem = (status: number): Declared => ({
  description: WHY[status] ?? 'A coded problem',
  content: { [PROBLEM_MEDIA_TYPE]: { schema: apiSchema('problem') } },
});

/** Exactly these statuses as problem documents, for routes outside ALWAYS (the web app, /healthz). */
export function problems(...statuses: Array<number | number[]>): Record<number, Declared> {
  return Object.fromEntries(
    statuses
      .flat()
      .sort()
      .map((status) => [status, problem(status)]),
  );
}

/** The responses object of an API route: its successes and each problem status it can answer. */
export function responses(ok: Record<number, Declared>, ...statuses: Array<number | number[]>): Record<number, Declared> {
  return { ...ok, ...problems(ALWAYS, ...statuses) };
}

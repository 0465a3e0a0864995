/**
 * Proof bundles and their verification (docs/design.md
 * §6). POST /v1/verify runs the same pure verifier as
 * `gridproof verify`, with no trust in this server: the key is the caller's.
 */
import type { FastifyInstance } from 'fastify';
import { GridproofError } from '../errors.ts';
import type { RouteDeps } from '../app.ts';
import { BUNDLE_MEDIA_TYPE } from '../domain/bundle/bundle-types.ts';
import { parseInstant } from '../domain/time.ts';
import { verifyRateLimit } from './rate-limits.ts';
import { AUTHED, BODY, bundle, json, PARAM, responses, sendBundle, textOf } from './responses.ts';

const instant = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$' } as const;
const security = [{ bearer: [] }];

export function bundleRoutes(app: FastifyInstance, { useCases, auth, rateLimits }: RouteDeps): void {
  app.get<{ Params: { id: string } }>(
    '/v1/claims/:id/bundle',
    {
      schema: {
        tags: ['bundles'],
        summary: "A claim's proof bundle",
        response: responses({ 200: bundle('The bundle') }, AUTHED, PARAM, 404),
        security,
        params: { type: 'object', properties: { id: { type: 'string' } } },
      },
    },
    async (request, reply) => sendBundle(reply, await useCases.claimBundle(await auth.caller(request), request.params.id)),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/claims/:id/certificate',
    {
      schema: {
        tags: ['bundles'],
        summary: "A claim's printable certificate (one A4 HTML page), made from its bundle",
        security,
        params: { type: 'object', properties: { id: { type: 'string' } } },
        response: responses({ 200: textOf('The certificate, one HTML page', 'text/html') }, AUTHED, PARAM, 404, 422),
      },
    },
    async (request, reply) => reply.type('text/html; charset=utf-8').send(await useCases.claimCertificate(await auth.caller(request), request.params.id)),
  );

  app.get<{ Params: { id: string }; Querystring: { format: string } }>(
    '/v1/claims/:id/export',
    {
      schema: {
        tags: ['bundles'],
        summary: "A claim's EnergyTag GC API v2 or EECS (EN 16325) records, made from its bundle",
        security,
        params: { type: 'object', properties: { id: { type: 'string' } } },
        querystring: { type: 'object', required: ['format'], properties: { format: { type: 'string', enum: ['energytag', 'eecs'] } } },
        response: responses(
          { 200: { description: 'JSON records (docs/exports.md)', content: { 'application/json': { schema: { type: ['object', 'array'] } } } } },
          AUTHED,
          PARAM,
          404,
          422,
        ),
      },
    },
    // Sent as text already serialised: the same claim gives the same bytes.
    async (request, reply) =>
      reply.type('application/json; charset=utf-8').send(await useCases.claimExport(await auth.caller(request), request.params.id, request.query.format)),
  );

  app.get<{ Params: { id: string }; Querystring: { from: string; to: string } }>(
    '/v1/tenants/:id/bundle',
    {
      schema: {
        tags: ['bundles'],
        summary: "A tenant's proof bundle for a period",
        response: responses({ 200: bundle('The bundle') }, AUTHED, PARAM, 404),
        security,
        params: { type: 'object', properties: { id: { type: 'string' } } },
        querystring: { type: 'object', required: ['from', 'to'], properties: { from: instant, to: instant } },
      },
    },
    async (request, reply) => {
      const caller = await auth.caller(request);
      const from = new Date(parseInstant(request.query.from, 'from'));
      const to = new Date(parseInstant(request.query.to, 'to'));
      return sendBundle(reply, await useCases.tenantBundle(caller, request.params.id, from, to));
    },
  );

  app.post<{ Querystring: { key?: string; witness?: string | string[]; quorum?: number }; Body: unknown }>(
    '/v1/verify',
    {
      // A month of hourly data for one tenant is a few megabytes; anyone may
      // post here, so the limit stays close to that.
      bodyLimit: 16 * 1024 * 1024,
      config: { ...verifyRateLimit(rateLimits) },
      schema: {
        tags: ['bundles'],
        // A bundle is posted as JSON or with its own media type (app.ts reads both as JSON).
        consumes: ['application/json', BUNDLE_MEDIA_TYPE],
        summary: 'Verify a proof bundle against a log key (default: this log) and, with witness keys, a witness quorum (default: all of them)',
        querystring: {
          type: 'object',
          properties: {
            key: { type: 'string' },
            // Repeated for several witnesses: ?witness=<vkey>&witness=<vkey>.
            witness: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, maxItems: 100 }] },
            quorum: { type: 'integer', minimum: 1, maximum: 100 },
          },
        },
        response: responses({ 200: json('The verdict and, when valid, the facts', 'verdict') }, BODY, 401),
        // Anyone may verify; a token, when sent, must be valid.
        security: [{}, { bearer: [] }],
        // Documented as a bundle, but any JSON is taken: a document that is not
        // a bundle gets a verdict naming its reasons (bad-schema), not a 400.
        body: { anyOf: [{ $ref: 'https://gridproof.dev/schemas/bundle.json#' }, {}] },
      },
    },
    async (request) => {
      const { key, quorum } = request.query;
      const witness = typeof request.query.witness === 'string' ? [request.query.witness] : request.query.witness;
      if (quorum !== undefined && !witness?.length) throw new GridproofError('bad-request', 'a quorum needs witness keys');
      const policy = witness?.length ? { witnesses: witness, ...(quorum !== undefined ? { quorum } : {}) } : undefined;
      return useCases.verify(await auth.optionalCaller(request), request.body, key, policy);
    },
  );
}

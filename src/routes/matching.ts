/**
 * Matching runs, the tenant view and claims (docs/api.md).
 */
import type { FastifyInstance } from 'fastify';
import type { RouteDeps } from '../app.ts';
import { parseInstant } from '../domain/time.ts';
import type { ClaimRequest } from '../ledger/claims.ts';
import { figuresCsv } from '../ledger/tenant-view.ts';
import { apiSchema, AUTHED, BODY, json, PARAM, responses, sendCreated, sendCsv } from './responses.ts';

const instant = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$' } as const;
const security = [{ bearer: [] }];
const tenantParams = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } } as const;

export function matchingRoutes(app: FastifyInstance, { useCases, auth }: RouteDeps): void {
  app.post<{ Body: { until: string } }>(
    '/v1/matching/runs',
    {
      schema: {
        tags: ['matching'],
        summary: 'Match every closed interval ending by `until`, now',
        response: responses({ 200: json('What the run logged', 'matching-summary') }, AUTHED, BODY, 409),
        security,
        body: { $ref: 'https://gridproof.dev/schemas/api/matching-run-request.json#' },
      },
      config: { action: 'run-matching' },
    },
    async (request) => useCases.runMatching(await auth.caller(request), parseInstant(request.body.until, 'until')),
  );

  app.get<{ Params: { id: string }; Querystring: { from: string; to: string; format?: 'json' | 'csv' } }>(
    '/v1/tenants/:id/matching',
    {
      schema: {
        tags: ['matching'],
        summary: "A tenant's hourly matching, totals, CFE score and unmatched emissions",
        response: responses(
          {
            200: {
              description: 'The figures, as JSON or CSV (format=csv or Accept: text/csv)',
              content: { 'application/json': { schema: apiSchema('tenant-matching') }, 'text/csv': { schema: apiSchema('csv') } },
            },
          },
          AUTHED,
          PARAM,
          404,
        ),
        security,
        params: tenantParams,
        querystring: {
          type: 'object',
          required: ['from', 'to'],
          properties: { from: instant, to: instant, format: { enum: ['json', 'csv'] } },
        },
      },
    },
    async (request, reply) => {
      const caller = await auth.caller(request);
      const { from, to, format } = request.query;
      const figures = await useCases.tenantMatching(caller, request.params.id, new Date(parseInstant(from, 'from')), new Date(parseInstant(to, 'to')));
      const wantsCsv = format === 'csv' || (format === undefined && request.headers.accept?.startsWith('text/csv') === true);
      return wantsCsv ? sendCsv(reply, figuresCsv(figures)) : figures;
    },
  );

  app.post<{ Body: ClaimRequest }>(
    '/v1/claims',
    {
      schema: {
        tags: ['claims'],
        summary: 'Claim the unclaimed matched energy of a period, for a purpose and a beneficiary',
        response: responses({ 201: json('The claim entry', 'claim-created') }, AUTHED, BODY, 404, 409),
        security,
        body: { $ref: 'https://gridproof.dev/schemas/api/claim-request.json#' },
      },
      config: { action: 'claim' },
    },
    async (request, reply) => sendCreated(reply, await useCases.claim(await auth.caller(request), request.body)),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/tenants/:id/claims',
    {
      schema: {
        tags: ['claims'],
        summary: "A tenant's claims",
        response: responses({ 200: json('The claims', 'claim-list') }, AUTHED, PARAM, 404),
        security,
        params: tenantParams,
      },
    },
    async (request) => useCases.claims(await auth.caller(request), request.params.id),
  );
}

/**
 * Matching runs, the tenant view and claims (DESIGN.md "API contract").
 */
import type { FastifyInstance } from 'fastify';
import type { RouteDeps } from '../app.ts';
import { tenantClaims } from '../db/tenants.ts';
import { formatInstant, parseInstant } from '../domain/time.ts';
import { GridproofError } from '../errors.ts';
import { makeClaim, type ClaimRequest } from '../ledger/claims.ts';
import { runMatching } from '../ledger/matching/run.ts';
import { figuresCsv, requireTenant, tenantMatching } from '../ledger/tenant-view.ts';
import type { Caller } from '../ledger/caller.ts';

const instant = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$' } as const;
const security = [{ bearer: [] }];
const tenantParams = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } } as const;

/** A tenant sees its own figures; the operator and certifiers see everyone's. */
export function mayReadTenant(caller: Caller, tenantId: string): void {
  if (caller.role === 'operator' || caller.role === 'certifier' || (caller.role === 'tenant' && caller.id === tenantId)) return;
  throw new GridproofError('forbidden', "only the tenant, the operator or a certifier may read a tenant's figures");
}

export function matchingRoutes(app: FastifyInstance, { ledger, auth }: RouteDeps): void {
  app.post<{ Body: { until: string } }>(
    '/v1/matching/runs',
    {
      schema: {
        tags: ['matching'],
        summary: 'Match every closed interval ending by `until`, now',
        security,
        body: { $ref: 'https://gridproof.dev/schemas/api/matching-run-request.json#' },
      },
    },
    async (request) => {
      await auth.require(request, 'operator');
      return runMatching(ledger, parseInstant(request.body.until, 'until'));
    },
  );

  app.get<{ Params: { id: string }; Querystring: { from: string; to: string; format?: 'json' | 'csv' } }>(
    '/v1/tenants/:id/matching',
    {
      schema: {
        tags: ['matching'],
        summary: "A tenant's hourly matching, totals, CFE score and unmatched emissions",
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
      mayReadTenant(await auth.caller(request), request.params.id);
      const { from, to, format } = request.query;
      const figures = await tenantMatching(ledger, request.params.id, new Date(parseInstant(from, 'from')), new Date(parseInstant(to, 'to')));
      const wantsCsv = format === 'csv' || (format === undefined && request.headers.accept?.startsWith('text/csv') === true);
      return wantsCsv ? reply.type('text/csv; charset=utf-8').send(figuresCsv(figures)) : figures;
    },
  );

  app.post<{ Body: ClaimRequest }>(
    '/v1/claims',
    {
      schema: {
        tags: ['claims'],
        summary: 'Claim the unclaimed matched energy of a period, for a purpose and a beneficiary',
        security,
        body: { $ref: 'https://gridproof.dev/schemas/api/claim-request.json#' },
      },
    },
    async (request, reply) => {
      const caller = await auth.require(request, 'tenant');
      return reply.code(201).send(await makeClaim(ledger, caller.id, request.body));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/tenants/:id/claims',
    { schema: { tags: ['claims'], summary: "A tenant's claims", security, params: tenantParams } },
    async (request) => {
      mayReadTenant(await auth.caller(request), request.params.id);
      await requireTenant(ledger, request.params.id);
      const claims = await tenantClaims(ledger.db, request.params.id);
      return {
        claims: claims.map((c) => ({
          id: c.id,
          index: c.entry_idx,
          purpose: c.purpose,
          beneficiary: c.beneficiary,
          period: { start: formatInstant(c.start_at), end: formatInstant(c.end_at) },
          wh: String(c.wh),
        })),
      };
    },
  );
}

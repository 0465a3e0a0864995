/**
 * Proof bundles and their verification (DESIGN.md "Proof bundle and
 * verification"). POST /v1/verify runs the same pure verifier as
 * `gridproof verify`, with no trust in this server: the key is the caller's.
 */
import type { FastifyInstance } from 'fastify';
import type { RouteDeps } from '../app.ts';
import { BUNDLE_MEDIA_TYPE } from '../domain/bundle/bundle-types.ts';
import { verifyBundle } from '../domain/bundle/verify-bundle.ts';
import { parseInstant } from '../domain/time.ts';
import { findClaim } from '../db/tenants.ts';
import { GridproofError } from '../errors.ts';
import { buildBundle, buildClaimBundle } from '../ledger/bundle.ts';
import { mayReadTenant } from './matching.ts';

const instant = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$' } as const;
const security = [{ bearer: [] }];

export function bundleRoutes(app: FastifyInstance, { ledger, auth }: RouteDeps): void {
  app.get<{ Params: { id: string } }>(
    '/v1/claims/:id/bundle',
    { schema: { tags: ['bundles'], summary: "A claim's proof bundle", security, params: { type: 'object', properties: { id: { type: 'string' } } } } },
    async (request, reply) => {
      const caller = await auth.caller(request);
      const claim = await findClaim(ledger.db, request.params.id);
      if (!claim) throw new GridproofError('not-found', `no claim ${request.params.id}`);
      // Authorised before any work is done for it.
      mayReadTenant(caller, claim.tenant_id);
      const bundle = await buildClaimBundle(ledger, claim);
      return reply.type(`${BUNDLE_MEDIA_TYPE}`).send(JSON.stringify(bundle));
    },
  );

  app.get<{ Params: { id: string }; Querystring: { from: string; to: string } }>(
    '/v1/tenants/:id/bundle',
    {
      schema: {
        tags: ['bundles'],
        summary: "A tenant's proof bundle for a period",
        security,
        params: { type: 'object', properties: { id: { type: 'string' } } },
        querystring: { type: 'object', required: ['from', 'to'], properties: { from: instant, to: instant } },
      },
    },
    async (request, reply) => {
      mayReadTenant(await auth.caller(request), request.params.id);
      const from = new Date(parseInstant(request.query.from, 'from'));
      const to = new Date(parseInstant(request.query.to, 'to'));
      const bundle = await buildBundle(ledger, request.params.id, from, to);
      return reply.type(`${BUNDLE_MEDIA_TYPE}`).send(JSON.stringify(bundle));
    },
  );

  app.post<{ Querystring: { key?: string }; Body: unknown }>(
    '/v1/verify',
    {
      // A month of hourly data for one tenant is a few megabytes; anyone may
      // post here, so the limit stays close to that.
      bodyLimit: 16 * 1024 * 1024,
      schema: {
        tags: ['bundles'],
        summary: 'Verify a proof bundle against a log key (default: this log)',
        querystring: { type: 'object', properties: { key: { type: 'string' } } },
      },
    },
    async (request) => {
      const verdict = await verifyBundle(request.body, { logKey: request.query.key ?? ledger.logVerifier.vkey, verify: ledger.verify });
      return verdict;
    },
  );
}

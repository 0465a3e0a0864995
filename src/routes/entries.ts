/**
 * POST /v1/entries: signed readings from the device's owner, one result per
 * entry, in order (docs/api.md).
 */
import type { FastifyInstance } from 'fastify';
import type { RouteDeps } from '../app.ts';
import { AUTHED, BODY, json, responses } from './responses.ts';

// schemas/api/entries-request.json, registered in app.ts. No maxItems: more
// than MAX_ENTRIES_PER_REQUEST answers 413 too-many-entries, not a schema error.
const body = { $ref: 'https://gridproof.dev/schemas/api/entries-request.json#' };

export function entryRoutes(app: FastifyInstance, { auth, useCases }: RouteDeps): void {
  app.post<{ Body: { entries: string[] } }>(
    '/v1/entries',
    {
      schema: {
        tags: ['entries'],
        summary: 'Append signed readings; each gets its index and leaf hash, or a coded error',
        response: responses({ 200: json('One result per entry, in order', 'entries-response') }, AUTHED, BODY),
        security: [{ bearer: [] }],
        body,
      },
      config: { action: 'post-readings' },
    },
    async (request) => useCases.submitReadings(await auth.caller(request), request.body.entries),
  );
}

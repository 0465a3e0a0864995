/**
 * GET /v1/me: the participant a bearer token acts as, so a page signed in
 * with a token alone knows whose figures to ask for.
 */
import type { FastifyInstance } from 'fastify';
import type { RouteDeps } from '../app.ts';
import { problemResponses } from './problem-responses.ts';

const meResponse = {
  type: 'object',
  required: ['id', 'role'],
  additionalProperties: false,
  properties: { id: { type: 'string' }, role: { type: 'string', enum: ['operator', 'certifier', 'generator', 'tenant'] } },
} as const;

export function meRoutes(app: FastifyInstance, { useCases, auth }: RouteDeps): void {
  app.get(
    '/v1/me',
    {
      schema: {
        tags: ['registry'],
        summary: 'The participant id and role of the bearer token',
        security: [{ bearer: [] }],
        response: { 200: meResponse, ...problemResponses(401, 500, 429) },
      },
    },
    async (request) => useCases.me(await auth.caller(request)),
  );
}

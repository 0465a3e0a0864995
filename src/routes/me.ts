/**
 * GET /v1/me: the participant a bearer token acts as, so a page signed in
 * with a token alone knows whose figures to ask for and whom to greet.
 */
import type { FastifyInstance } from 'fastify';
import type { RouteDeps } from '../app.ts';
import { AUTHED, json, responses } from './responses.ts';

export function meRoutes(app: FastifyInstance, { useCases, auth }: RouteDeps): void {
  app.get(
    '/v1/me',
    {
      schema: {
        tags: ['registry'],
        summary: 'The participant id, role and registered name of the bearer token',
        security: [{ bearer: [] }],
        response: responses({ 200: json('Whom the token acts as', 'me') }, AUTHED),
      },
    },
    async (request) => useCases.me(await auth.caller(request)),
  );
}

import type { FastifyInstance } from 'fastify';
import type { RouteDeps } from '../app.ts';
import { json, problems } from './responses.ts';

export function healthRoutes(app: FastifyInstance, { useCases }: RouteDeps): void {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        summary: '200 when the database answers; never rate-limited',
        response: { 200: json('The database answers', 'health'), ...problems(400, 500, 503) },
      },
    },
    () => useCases.health(),
  );
}

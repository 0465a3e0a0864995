import type { FastifyInstance } from 'fastify';
import type { RouteDeps } from '../app.ts';

export function healthRoutes(app: FastifyInstance, { useCases }: RouteDeps): void {
  app.get('/healthz', { schema: { tags: ['health'], summary: '200 when the database answers' } }, () => useCases.health());
}

import type { FastifyInstance } from 'fastify';
import type { RouteDeps } from '../app.ts';
import { json, responses } from './responses.ts';

export function healthRoutes(app: FastifyInstance, { useCases }: RouteDeps): void {
  app.get('/healthz', { schema: { tags: ['health'], summary: '200 when the database answers', response: responses({ 200: json('The database answers', 'health') }) } }, () => useCases.health());
}

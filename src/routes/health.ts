import type { FastifyInstance } from 'fastify';
import type { RouteDeps } from '../app.ts';
import { pingDatabase } from '../db/ping.ts';
import { GridproofError } from '../errors.ts';

export function healthRoutes(app: FastifyInstance, { ledger }: RouteDeps): void {
  app.get('/healthz', { schema: { tags: ['health'], summary: '200 when the database answers' } }, async () => {
    try {
      await pingDatabase(ledger.db);
    } catch {
      throw new GridproofError('unavailable', 'the database does not answer');
    }
    return { status: 'ok' };
  });
}

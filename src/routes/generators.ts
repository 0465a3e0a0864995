/**
 * The generator's view: its devices with their chain heads, and where each
 * hour's output of a device went, as the settlements record it.
 */
import type { FastifyInstance } from 'fastify';
import type { RouteDeps } from '../app.ts';
import { parseInstant } from '../domain/time.ts';
import { AUTHED, json, PARAM, responses } from './responses.ts';

const instant = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$' } as const;
const id = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$' } as const;
const security = [{ bearer: [] }];
const idParams = { type: 'object', required: ['id'], properties: { id } } as const;

export function generatorRoutes(app: FastifyInstance, { useCases, auth }: RouteDeps): void {
  app.get<{ Params: { id: string } }>(
    '/v1/generators/:id/devices',
    {
      schema: {
        tags: ['generators'],
        summary: "A generator's devices, each with its reading count and chain head",
        security,
        params: idParams,
        response: responses({ 200: json('The devices', 'generator-devices') }, AUTHED, PARAM, 404),
      },
    },
    async (request) => useCases.generatorDevices(await auth.caller(request), request.params.id),
  );

  app.get<{ Params: { id: string }; Querystring: { from: string; to: string } }>(
    '/v1/devices/:id/outputs',
    {
      schema: {
        tags: ['generators'],
        summary: "Where each hour's output of a device went: sink readings, storage, unmatched (from its settlements)",
        security,
        params: idParams,
        querystring: { type: 'object', required: ['from', 'to'], properties: { from: instant, to: instant } },
        response: responses({ 200: json('The hours and where their output went', 'device-outputs') }, AUTHED, PARAM, 404),
      },
    },
    async (request) =>
      useCases.deviceOutputs(
        await auth.caller(request),
        request.params.id,
        new Date(parseInstant(request.query.from, 'from')),
        new Date(parseInstant(request.query.to, 'to')),
      ),
  );
}

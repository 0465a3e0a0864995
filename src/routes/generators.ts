/**
 * The generator's view: its devices with their chain heads, and where each
 * hour's output of a device went, as the settlements record it.
 */
import type { FastifyInstance } from 'fastify';
import type { RouteDeps } from '../app.ts';
import { parseInstant } from '../domain/time.ts';
import { problemResponses } from './problem-responses.ts';

const instant = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$' } as const;
const id = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$' } as const;
const hash = { type: 'string' } as const;
const wh = { type: 'string', pattern: '^(0|[1-9][0-9]*)$' } as const;
const security = [{ bearer: [] }];
const idParams = { type: 'object', required: ['id'], properties: { id } } as const;

const devicesResponse = {
  type: 'object',
  required: ['devices'],
  properties: {
    devices: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'type', 'zone', 'capacityW', 'technology', 'commissioningDate', 'readings', 'head'],
        properties: {
          id: { type: 'string' },
          type: { type: 'string' },
          zone: { type: 'string' },
          capacityW: { type: 'integer' },
          technology: { type: ['string', 'null'] },
          commissioningDate: { type: 'string' },
          readings: { type: 'integer' },
          head: {
            type: ['object', 'null'],
            required: ['seq', 'index', 'leafHash', 'end'],
            properties: { seq: { type: 'integer' }, index: { type: 'integer' }, leafHash: hash, end: instant },
          },
        },
      },
    },
  },
} as const;

const outputsResponse = {
  type: 'object',
  required: ['device', 'hours'],
  properties: {
    device: { type: 'string' },
    hours: {
      type: 'array',
      items: {
        type: 'object',
        required: ['start', 'end', 'index', 'seq', 'leafHash', 'exportWh', 'importWh', 'settlement', 'to', 'toStorageWh', 'unmatchedWh'],
        properties: {
          start: instant,
          end: instant,
          index: { type: 'integer' },
          seq: { type: 'integer' },
          leafHash: hash,
          exportWh: wh,
          importWh: wh,
          settlement: { type: ['object', 'null'], required: ['index', 'late'], properties: { index: { type: 'integer' }, late: { type: 'boolean' } } },
          to: {
            type: 'array',
            items: {
              type: 'object',
              required: ['device', 'type', 'owner', 'sink', 'wh'],
              properties: { device: { type: 'string' }, type: { type: 'string' }, owner: { type: 'string' }, sink: hash, wh },
            },
          },
          toStorageWh: wh,
          unmatchedWh: wh,
        },
      },
    },
  },
} as const;

export function generatorRoutes(app: FastifyInstance, { useCases, auth }: RouteDeps): void {
  app.get<{ Params: { id: string } }>(
    '/v1/generators/:id/devices',
    {
      schema: {
        tags: ['generators'],
        summary: "A generator's devices, each with its reading count and chain head",
        security,
        params: idParams,
        response: { 200: devicesResponse, ...problemResponses(400, 401, 403, 404, 500, 429) },
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
        response: { 200: outputsResponse, ...problemResponses(400, 401, 403, 404, 500, 429) },
      },
    },
    async (request) =>
      useCases.deviceOutputs(await auth.caller(request), request.params.id, new Date(parseInstant(request.query.from, 'from')), new Date(parseInstant(request.query.to, 'to'))),
  );
}

/**
 * Registry routes (operator only, except the chain check): participants,
 * devices and their keys, zones, contracts.
 */
import type { FastifyInstance } from 'fastify';
import type { RouteDeps } from '../app.ts';
import { MAX_CHAIN_PAGE } from '../ledger/chain.ts';
import type { ContractPayload, ZonePayload } from '../domain/payloads.ts';
import type { NewDevice, NewParticipant } from '../ledger/registry.ts';
import type { DeviceKeyRequest } from '../ledger/use-cases.ts';
import { AUTHED, BODY, json, PARAM, responses, sendCreated } from './responses.ts';

const id = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$' } as const;
const security = [{ bearer: [] }];

// Request bodies: schemas/api/*.json, registered in app.ts.
const participantBody = { $ref: 'https://gridproof.dev/schemas/api/participant-request.json#' };
const deviceBody = { $ref: 'https://gridproof.dev/schemas/api/device-request.json#' };
const keyBody = { $ref: 'https://gridproof.dev/schemas/api/device-key-request.json#' };
const zoneBody = { $ref: 'https://gridproof.dev/schemas/api/zone-request.json#' };
const contractBody = { $ref: 'https://gridproof.dev/schemas/api/contract-request.json#' };

const deviceParams = { type: 'object', required: ['id'], properties: { id } } as const;

export function registryRoutes(app: FastifyInstance, { useCases, auth }: RouteDeps): void {
  app.post<{ Body: NewParticipant }>(
    '/v1/participants',
    {
      schema: {
        tags: ['registry'],
        summary: 'Register a participant; its token is shown once',
        response: responses({ 201: json('Registered', 'participant-created') }, AUTHED, BODY, 409),
        security,
        body: participantBody,
      },
      config: { action: 'register' },
    },
    async (request, reply) => sendCreated(reply, await useCases.registerParticipant(await auth.caller(request), request.body)),
  );

  app.post<{ Body: NewDevice }>(
    '/v1/devices',
    {
      schema: {
        tags: ['registry'],
        summary: 'Register a device; writes its device and key entries',
        response: responses({ 201: json('Registered', 'device-created') }, AUTHED, BODY, 404, 409, 422),
        security,
        body: deviceBody,
      },
      config: { action: 'register' },
    },
    async (request, reply) => sendCreated(reply, await useCases.registerDevice(await auth.caller(request), request.body)),
  );

  app.post<{ Params: { id: string }; Body: DeviceKeyRequest }>(
    '/v1/devices/:id/keys',
    {
      schema: {
        tags: ['registry'],
        summary: 'Rotate or revoke a device key',
        response: responses({ 201: json('The key entry', 'logged') }, AUTHED, BODY, PARAM, 404, 409),
        security,
        params: deviceParams,
        body: keyBody,
      },
      config: { action: 'register' },
    },
    async (request, reply) => sendCreated(reply, await useCases.addDeviceKey(await auth.caller(request), request.params.id, request.body)),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/devices/:id/chain',
    {
      schema: {
        tags: ['registry'],
        summary: "A device's chain head, as intake verified it (constant time)",
        response: responses({ 200: json('The chain head', 'chain-head') }, AUTHED, PARAM, 404),
        security,
        params: deviceParams,
      },
    },
    async (request) => useCases.deviceChainHead(await auth.caller(request), request.params.id),
  );

  app.get<{ Params: { id: string }; Querystring: { fromSeq: number; limit: number } }>(
    '/v1/devices/:id/chain/verification',
    {
      schema: {
        tags: ['registry'],
        summary: "Re-verify one page of a device's readings from the log's bytes",
        response: responses({ 200: json('The page checked, or the first break', 'chain-verification') }, AUTHED, PARAM, 404),
        security,
        params: deviceParams,
        querystring: {
          type: 'object',
          properties: {
            fromSeq: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 },
            limit: { type: 'integer', minimum: 1, maximum: MAX_CHAIN_PAGE, default: MAX_CHAIN_PAGE },
          },
        },
      },
    },
    async (request) => useCases.verifyDeviceChain(await auth.caller(request), request.params.id, request.query.fromSeq, request.query.limit),
  );

  app.post<{ Body: Omit<ZonePayload, 'kind' | 'log'> }>(
    '/v1/zones',
    {
      schema: {
        tags: ['registry'],
        summary: "Record a bidding zone's grid emission factor",
        response: responses({ 201: json('The zone entry', 'logged') }, AUTHED, BODY, 409),
        security,
        body: zoneBody,
      },
      config: { action: 'register' },
    },
    async (request, reply) => sendCreated(reply, await useCases.addZone(await auth.caller(request), request.body)),
  );

  app.post<{ Body: Omit<ContractPayload, 'kind' | 'log'> }>(
    '/v1/contracts',
    {
      schema: {
        tags: ['registry'],
        summary: 'Record a PPA: a device output to a tenant',
        response: responses({ 201: json('The contract entry', 'contract-created') }, AUTHED, BODY, 404, 409, 422),
        security,
        body: contractBody,
      },
      config: { action: 'register' },
    },
    async (request, reply) => sendCreated(reply, await useCases.addContract(await auth.caller(request), request.body)),
  );
}

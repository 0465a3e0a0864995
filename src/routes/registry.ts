/**
 * Registry routes (operator only, except the chain check): participants,
 * devices and their keys, zones, contracts.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RouteDeps } from '../app.ts';
import { findDevice } from '../db/registry.ts';
import { GridproofError } from '../errors.ts';
import { deviceChainHead, MAX_CHAIN_PAGE, verifyDeviceChain } from '../ledger/chain.ts';
import { addContract, addDeviceKey, addZone, registerDevice, registerParticipant, type NewDevice, type NewParticipant } from '../ledger/registry.ts';
import type { ContractPayload, ZonePayload } from '../domain/payloads.ts';

const id = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$' } as const;
const security = [{ bearer: [] }];

// Request bodies: schemas/api/*.json, registered in app.ts.
const participantBody = { $ref: 'https://gridproof.dev/schemas/api/participant-request.json#' };
const deviceBody = { $ref: 'https://gridproof.dev/schemas/api/device-request.json#' };
const keyBody = { $ref: 'https://gridproof.dev/schemas/api/device-key-request.json#' };
const zoneBody = { $ref: 'https://gridproof.dev/schemas/api/zone-request.json#' };
const contractBody = { $ref: 'https://gridproof.dev/schemas/api/contract-request.json#' };

const deviceParams = { type: 'object', required: ['id'], properties: { id } } as const;

export function registryRoutes(app: FastifyInstance, { ledger, auth }: RouteDeps): void {
  app.post<{ Body: NewParticipant }>(
    '/v1/participants',
    { schema: { tags: ['registry'], summary: 'Register a participant; its token is shown once', security, body: participantBody } },
    async (request, reply) => {
      await auth.require(request, 'operator');
      const created = await registerParticipant(ledger, request.body);
      return reply.code(201).send(created);
    },
  );

  app.post<{ Body: NewDevice }>(
    '/v1/devices',
    { schema: { tags: ['registry'], summary: 'Register a device; writes its device and key entries', security, body: deviceBody } },
    async (request, reply) => {
      await auth.require(request, 'operator');
      return reply.code(201).send(await registerDevice(ledger, request.body));
    },
  );

  app.post<{ Params: { id: string }; Body: { verifierKey: string; validFrom: string; validUntil?: string } }>(
    '/v1/devices/:id/keys',
    { schema: { tags: ['registry'], summary: 'Rotate or revoke a device key', security, params: deviceParams, body: keyBody } },
    async (request, reply) => {
      await auth.require(request, 'operator');
      return reply.code(201).send(await addDeviceKey(ledger, request.params.id, request.body));
    },
  );

  /** A device's chain is for the operator, certifiers and the device's owner. */
  async function requireChainReader(request: FastifyRequest<{ Params: { id: string } }>): Promise<void> {
    const caller = await auth.require(request, 'operator', 'certifier', 'generator', 'tenant');
    if (caller.role === 'generator' || caller.role === 'tenant') {
      const device = await findDevice(ledger.db, request.params.id);
      if (device && device.owner !== caller.id) throw new GridproofError('forbidden', 'only the owner, the operator or a certifier may check this chain');
    }
  }

  app.get<{ Params: { id: string } }>(
    '/v1/devices/:id/chain',
    { schema: { tags: ['registry'], summary: "A device's chain head, as intake verified it (constant time)", security, params: deviceParams } },
    async (request) => {
      await requireChainReader(request);
      return deviceChainHead(ledger, request.params.id);
    },
  );

  app.get<{ Params: { id: string }; Querystring: { fromSeq: number; limit: number } }>(
    '/v1/devices/:id/chain/verification',
    {
      schema: {
        tags: ['registry'],
        summary: "Re-verify one page of a device's readings from the log's bytes",
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
    async (request) => {
      await requireChainReader(request);
      return verifyDeviceChain(ledger, request.params.id, request.query.fromSeq, request.query.limit);
    },
  );

  app.post<{ Body: Omit<ZonePayload, 'kind' | 'log'> }>(
    '/v1/zones',
    { schema: { tags: ['registry'], summary: "Record a bidding zone's grid emission factor", security, body: zoneBody } },
    async (request, reply) => {
      await auth.require(request, 'operator');
      return reply.code(201).send(await addZone(ledger, request.body));
    },
  );

  app.post<{ Body: Omit<ContractPayload, 'kind' | 'log'> }>(
    '/v1/contracts',
    { schema: { tags: ['registry'], summary: 'Record a PPA: a device output to a tenant', security, body: contractBody } },
    async (request, reply) => {
      await auth.require(request, 'operator');
      return reply.code(201).send(await addContract(ledger, request.body));
    },
  );
}

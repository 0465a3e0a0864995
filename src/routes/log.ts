/**
 * The public log endpoints (docs/api.md): checkpoints, the log key,
 * entries for monitors, inclusion and consistency proofs. Hashes in JSON are
 * standard base64, as Go's tlog.Hash reads them.
 */
import type { FastifyInstance } from 'fastify';
import type { RouteDeps } from '../app.ts';
import { hashFromQuery } from '../crypto/base64.ts';
import { GridproofError } from '../errors.ts';
import { MAX_CHECKPOINT_PAGE, MAX_ENTRY_PAGE } from '../ledger/log-reads.ts';
import { ENTRY_RECORDS_MEDIA_TYPE } from '../domain/entry-records.ts';
import { AUTHED, BODY, json, PARAM, responses, sendCreated, sendText, text, type Declared } from './responses.ts';

const entryPageOrRecords: Declared = {
  description: 'The entries: as JSON, or as entry records (per entry a big-endian 64-bit index, a 32-bit length and its exact bytes)',
  content: { ...json('', 'entry-page').content, [ENTRY_RECORDS_MEDIA_TYPE]: { schema: { type: 'string', format: 'binary' } } },
};

// Bounded so no value beyond JavaScript's exact integers reaches the database.
const index = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
const size = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;

export function logRoutes(app: FastifyInstance, { useCases, auth }: RouteDeps): void {
  app.get(
    '/v1/log/checkpoint',
    {
      schema: {
        tags: ['log'],
        summary: "The latest signed checkpoint (C2SP tlog-checkpoint): the log's line, then its witness cosignatures",
        response: responses({ 200: text('The checkpoint note') }, 404),
      },
    },
    async (_request, reply) => sendText(reply, await useCases.latestCheckpoint()),
  );

  app.get(
    '/v1/log/witnesses',
    {
      schema: {
        tags: ['log'],
        summary: 'Which witnesses cosigned up to which size, and how far behind the latest checkpoint each is',
        response: responses({ 200: json('Each witness and where it stands', 'witness-status') }),
      },
    },
    async () => useCases.witnesses(),
  );

  app.get<{ Querystring: { before?: number; limit?: number } }>(
    '/v1/log/checkpoints',
    {
      schema: {
        tags: ['log'],
        summary: 'The stored checkpoints, newest first: each size and when it was signed; `next` is the `before` of the next page',
        response: responses({ 200: json('A page of stored checkpoints', 'checkpoint-list') }),
        querystring: {
          type: 'object',
          properties: { before: size, limit: { type: 'integer', minimum: 1, maximum: MAX_CHECKPOINT_PAGE, default: 100 } },
        },
      },
    },
    async (request) => useCases.checkpoints(request.query.before, request.query.limit ?? 100),
  );

  app.get<{ Params: { size: number } }>(
    '/v1/log/checkpoints/:size',
    {
      schema: {
        tags: ['log'],
        summary: 'A stored checkpoint of this size',
        response: responses({ 200: text('The checkpoint note') }, PARAM, 404),
        params: { type: 'object', properties: { size } },
      },
    },
    async (request, reply) => sendText(reply, await useCases.checkpointOfSize(request.params.size)),
  );

  app.get(
    '/v1/log/key',
    { schema: { tags: ['log'], summary: "The log's verifier key (C2SP vkey)", response: responses({ 200: text('The verifier key, one line') }) } },
    async (_request, reply) => sendText(reply, useCases.logKey()),
  );

  app.post<{ Body: { verifierKey: string } }>(
    '/v1/log/operator-key',
    {
      schema: {
        tags: ['log'],
        summary: 'Rotate the operator key to the staged next key: a key entry signed by the log key (README "Rotating the operator key")',
        response: responses({ 201: json('The rotation', 'operator-key-rotated') }, AUTHED, BODY, 409, 422),
        security: [{ bearer: [] }],
        body: { $ref: 'https://gridproof.dev/schemas/api/operator-key-request.json#' },
      },
      config: { action: 'rotate-operator-key' },
    },
    async (request, reply) => sendCreated(reply, await useCases.rotateOperatorKey(await auth.caller(request), request.body.verifierKey)),
  );

  app.get<{ Params: { index: number } }>(
    '/v1/log/entries/:index',
    {
      schema: {
        tags: ['log'],
        summary: "An entry's exact bytes",
        response: responses({ 200: text("The entry's signed note") }, AUTHED, PARAM, 404),
        security: [{ bearer: [] }],
        params: { type: 'object', properties: { index } },
      },
    },
    async (request, reply) => sendText(reply, await useCases.entry(await auth.caller(request), request.params.index)),
  );

  app.get<{ Querystring: { start: number; limit?: number } }>(
    '/v1/log/entries',
    {
      schema: {
        tags: ['log'],
        summary: 'Consecutive entries from an index, for monitors: JSON, or entry records with Accept: application/octet-stream',
        response: responses({ 200: entryPageOrRecords }, AUTHED),
        security: [{ bearer: [] }],
        querystring: {
          type: 'object',
          required: ['start'],
          properties: { start: index, limit: { type: 'integer', minimum: 1, maximum: MAX_ENTRY_PAGE, default: 100 } },
        },
      },
    },
    async (request, reply) => {
      const caller = await auth.caller(request);
      const { start, limit = 100 } = request.query;
      // Records only when asked for by name: a client accepting anything gets JSON.
      if (request.headers.accept === ENTRY_RECORDS_MEDIA_TYPE) {
        const records = await useCases.entryRecords(caller, start, limit);
        return reply.type(ENTRY_RECORDS_MEDIA_TYPE).send(Buffer.from(records.buffer, records.byteOffset, records.byteLength));
      }
      return useCases.entries(caller, start, limit);
    },
  );

  app.get<{ Querystring: { index?: number; leafHash?: string; treeSize: number } }>(
    '/v1/log/proof/inclusion',
    {
      schema: {
        tags: ['log'],
        summary: 'Inclusion proof (RFC 9162 §2.1.3) by index or leaf hash',
        response: responses({ 200: json('The proof', 'inclusion-proof') }, 404),
        querystring: { type: 'object', required: ['treeSize'], properties: { index, leafHash: { type: 'string' }, treeSize: size } },
      },
    },
    async (request) => {
      const { index: at, leafHash, treeSize } = request.query;
      if ((at === undefined) === (leafHash === undefined)) throw new GridproofError('bad-request', 'give exactly one of index and leafHash');
      return useCases.inclusionProof(at !== undefined ? { index: at } : { leafHash: hashFromQuery(leafHash!) }, treeSize);
    },
  );

  app.get<{ Querystring: { from: number; to: number } }>(
    '/v1/log/proof/consistency',
    {
      schema: {
        tags: ['log'],
        summary: 'Consistency proof (RFC 9162 §2.1.4) between two tree sizes',
        response: responses({ 200: json('The proof', 'consistency-proof') }),
        querystring: { type: 'object', required: ['from', 'to'], properties: { from: size, to: size } },
      },
    },
    async (request) => useCases.consistencyProof(request.query.from, request.query.to),
  );
}

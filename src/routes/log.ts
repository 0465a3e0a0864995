/**
 * The public log endpoints (DESIGN.md "Served"): checkpoints, the log key,
 * entries for monitors, inclusion and consistency proofs. Hashes in JSON are
 * standard base64, as Go's tlog.Hash reads them.
 */
import type { FastifyInstance } from 'fastify';
import type { RouteDeps } from '../app.ts';
import { fromUtf8, hashFromQuery } from '../crypto/base64.ts';
import { checkpointBySize, latestCheckpoint } from '../db/checkpoints.ts';
import { entryOwner } from '../db/entry-owner.ts';
import { readEntry, readEntryRange } from '../db/log.ts';
import { GridproofError } from '../errors.ts';
import { proveConsistency, proveInclusion, proveInclusionOfLeaf } from '../ledger/proofs.ts';
import { withCosignatures, witnessStatus } from '../ledger/witnessed-checkpoints.ts';

// Bounded so no value beyond JavaScript's exact integers reaches the database.
const index = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
const size = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
const TEXT = 'text/plain; charset=utf-8';
export const MAX_ENTRY_PAGE = 1000;

export function logRoutes(app: FastifyInstance, { ledger, auth, witnessing }: RouteDeps): void {
  app.get(
    '/v1/log/checkpoint',
    { schema: { tags: ['log'], summary: "The latest signed checkpoint (C2SP tlog-checkpoint), the log's line first, then its witness cosignatures" } },
    async (_request, reply) => {
      const checkpoint = await latestCheckpoint(ledger.db);
      if (!checkpoint) throw new GridproofError('unknown-checkpoint', 'no checkpoint has been published yet');
      return reply.type(TEXT).send(await withCosignatures(ledger.db, checkpoint));
    },
  );

  app.get(
    '/v1/log/witnesses',
    { schema: { tags: ['log'], summary: 'Which witnesses cosigned up to which size, and how far behind the latest checkpoint each is' } },
    async () => witnessStatus(ledger, witnessing),
  );

  app.get<{ Params: { size: number } }>(
    '/v1/log/checkpoints/:size',
    { schema: { tags: ['log'], summary: 'A stored checkpoint of this size', params: { type: 'object', properties: { size } } } },
    async (request, reply) => {
      const checkpoint = await checkpointBySize(ledger.db, request.params.size);
      if (!checkpoint) throw new GridproofError('unknown-checkpoint', `no checkpoint of size ${request.params.size}`);
      return reply.type(TEXT).send(checkpoint.note);
    },
  );

  app.get('/v1/log/key', { schema: { tags: ['log'], summary: "The log's verifier key (C2SP vkey)" } }, async (_request, reply) =>
    reply.type(TEXT).send(`${ledger.logVerifier.vkey}\n`),
  );

  app.get<{ Params: { index: number } }>(
    '/v1/log/entries/:index',
    { schema: { tags: ['log'], summary: "An entry's exact bytes", security: [{ bearer: [] }], params: { type: 'object', properties: { index } } } },
    async (request, reply) => {
      const caller = await auth.caller(request);
      const entry = await readEntry(ledger.db, request.params.index);
      if (!entry) throw new GridproofError('not-found', `no entry ${request.params.index}`);
      if (caller.role !== 'operator' && caller.role !== 'certifier' && (await entryOwner(ledger.db, entry.idx)) !== caller.id) {
        throw new GridproofError('forbidden', 'only the operator, a certifier or the entry owner may read it');
      }
      return reply.type(TEXT).send(fromUtf8(entry.bytes));
    },
  );

  app.get<{ Querystring: { start: number; limit?: number } }>(
    '/v1/log/entries',
    {
      schema: {
        tags: ['log'],
        summary: 'Consecutive entries from an index, for monitors',
        security: [{ bearer: [] }],
        querystring: {
          type: 'object',
          required: ['start'],
          properties: { start: index, limit: { type: 'integer', minimum: 1, maximum: MAX_ENTRY_PAGE, default: 100 } },
        },
      },
    },
    async (request) => {
      await auth.require(request, 'operator', 'certifier');
      const rows = await readEntryRange(ledger.db, request.query.start, request.query.limit ?? 100);
      return { entries: rows.map((row) => ({ index: row.idx, bytes: fromUtf8(row.bytes) })) };
    },
  );

  app.get<{ Querystring: { index?: number; leafHash?: string; treeSize: number } }>(
    '/v1/log/proof/inclusion',
    {
      schema: {
        tags: ['log'],
        summary: 'Inclusion proof (RFC 9162 §2.1.3) by index or leaf hash',
        querystring: { type: 'object', required: ['treeSize'], properties: { index, leafHash: { type: 'string' }, treeSize: size } },
      },
    },
    async (request) => {
      const { index: at, leafHash, treeSize } = request.query;
      if ((at === undefined) === (leafHash === undefined)) throw new GridproofError('bad-request', 'give exactly one of index and leafHash');
      return at !== undefined ? proveInclusion(ledger, at, treeSize) : proveInclusionOfLeaf(ledger, hashFromQuery(leafHash!), treeSize);
    },
  );

  app.get<{ Querystring: { from: number; to: number } }>(
    '/v1/log/proof/consistency',
    {
      schema: {
        tags: ['log'],
        summary: 'Consistency proof (RFC 9162 §2.1.4) between two tree sizes',
        querystring: { type: 'object', required: ['from', 'to'], properties: { from: size, to: size } },
      },
    },
    async (request) => proveConsistency(ledger, request.query.from, request.query.to),
  );
}

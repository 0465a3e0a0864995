/**
 * The witness's HTTP service (C2SP tlog-witness v1): POST /add-checkpoint.
 * The decision is domain/witness.ts; this module reads the body, applies the
 * decision to the state directory (persisted before answering) and cosigns.
 * Answers: 200 text/plain with the cosignature line; 409 text/x.tlog.size
 * with the latest cosigned size; other refusals as problem+json with a code,
 * as the main app gives them (another method on /add-checkpoint is 405
 * `method-not-allowed` with Allow, an unknown path 404 `not-found`), whose
 * `type` is a page it serves: /problems/{code} and the list /problems, from
 * the table of the codes it answers with (src/witness/witness-problems.ts;
 * docs/witnesses.md).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { cosign } from '../crypto/cosignature.ts';
import type { SignFn, VerifyFn } from '../crypto/ed25519.ts';
import type { Signer, Verifier } from '../crypto/note.ts';
import { admitCheckpoint, decideAddCheckpoint, parseAddCheckpoint, type WitnessDecision } from '../domain/witness.ts';
import { GridproofError } from '../errors.ts';
import { notFoundHandler } from '../routes/not-found.ts';
import { problemCodeRoutes } from '../routes/problem-pages.ts';
import { problemServerOptions, replyWithProblem } from '../routes/problem.ts';
import type { WitnessStateDir } from './state-file.ts';
import { WITNESS_BODY_LIMIT, witnessProblemSite } from './witness-problems.ts';

export const TLOG_SIZE_MEDIA_TYPE = 'text/x.tlog.size';

export interface WitnessDeps {
  cosigner: Signer;
  /** Trusted log keys; each key's name is its log's origin. */
  logs: Verifier[];
  state: WitnessStateDir;
  sign: SignFn;
  verify: VerifyFn;
  /** Milliseconds since the epoch. */
  now?: () => number;
  logger?: boolean | object;
}

const problem = {
  type: 'object',
  required: ['type', 'title', 'status', 'code', 'detail'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string' },
    detail: { type: 'string' },
    instance: { type: 'string' },
  },
} as const;
const problemResponse = { content: { 'application/problem+json': { schema: problem } } } as const;

export async function buildWitnessApp(deps: WitnessDeps): Promise<FastifyInstance> {
  const now = deps.now ?? Date.now;
  const logs = new Map<string, Verifier[]>();
  for (const key of deps.logs) logs.set(key.name, [...(logs.get(key.name) ?? []), key]);

  // The main app's options and error handler: the router's and the HTTP parser's refusals are problem documents too, and a 5xx is logged.
  const app = Fastify({ logger: deps.logger ?? false, bodyLimit: WITNESS_BODY_LIMIT, ...problemServerOptions });
  app.setErrorHandler(replyWithProblem);
  // The main app's handler: another method on a known path is 405 with Allow (RFC 9110 §15.5.6), not a 404 that hides the path.
  app.setNotFoundHandler(notFoundHandler(app));
  // The body is text whatever the client calls it (the spec names no media type).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.post(
    '/add-checkpoint',
    {
      schema: {
        summary: 'Cosign a checkpoint consistent with the last one cosigned (C2SP tlog-witness add-checkpoint)',
        response: {
          200: { content: { 'text/plain': { schema: { type: 'string' } } } },
          409: { content: { [TLOG_SIZE_MEDIA_TYPE]: { schema: { type: 'string' } }, 'application/problem+json': { schema: problem } } },
          '4xx': problemResponse,
          '5xx': problemResponse,
        },
      },
    },
    async (request, reply) => {
      if (typeof request.body !== 'string') throw new GridproofError('bad-request', 'the body is the add-checkpoint text');
      const parsed = parseAddCheckpoint(request.body);
      const admitted = admitCheckpoint(parsed, logs, deps.verify);
      if ('status' in admitted) throw new GridproofError(admitted.code, admitted.detail);
      const { origin } = admitted.checkpoint;
      // Checking the old size and recording the new state are one step per origin.
      const decision = await deps.state.update<WitnessDecision>(origin, (current) => {
        const decided = decideAddCheckpoint(parsed, admitted, current);
        return decided.status === 200 ? { result: decided, next: decided.state } : { result: decided };
      });
      if (decision.status === 200) {
        const line = cosign(admitted.text, deps.cosigner, Math.floor(now() / 1000), deps.sign);
        request.log.info({ origin, size: decision.checkpoint.size }, 'cosigned');
        return reply.code(200).type('text/plain; charset=utf-8').send(line);
      }
      if (decision.status === 409) return reply.code(409).type(TLOG_SIZE_MEDIA_TYPE).send(`${decision.size}\n`);
      throw new GridproofError(decision.code, decision.detail);
    },
  );
  // The pages a problem's type names, HTML whatever the Accept header asks, as on the main service.
  const page = { 200: { content: { 'text/html': { schema: { type: 'string' } } } }, '4xx': problemResponse, '5xx': problemResponse } as const;
  problemCodeRoutes(app, witnessProblemSite, { list: { schema: { response: page } }, code: { schema: { response: page } } });
  return app;
}

/**
 * buildApp: every Fastify option, the error mapping and the routes. It never
 * listens (server.ts does); tests call it and use app.inject.
 */
import compress from '@fastify/compress';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { BUNDLE_MEDIA_TYPE } from './domain/bundle/bundle-types.ts';
import { DEFAULT_BODY_LIMIT } from './config.ts';
import { schemaErrorText } from './domain/schema-error-text.ts';
import type { Ledger } from './ledger/ledger.ts';
import type { ReadingIntake } from './ledger/intake.ts';
import { UseCases } from './ledger/use-cases.ts';
import type { CheckpointWitnessing } from './ledger/witnessing.ts';
import { Auth } from './routes/auth.ts';
import { bundleRoutes } from './routes/bundles.ts';
import { docsRoutes } from './routes/docs.ts';
import { entryRoutes } from './routes/entries.ts';
import { healthRoutes } from './routes/health.ts';
import { logRoutes } from './routes/log.ts';
import { generatorRoutes } from './routes/generators.ts';
import { matchingRoutes } from './routes/matching.ts';
import { problemServerOptions, replyWithProblem } from './routes/problem.ts';
import { notFoundHandler } from './routes/not-found.ts';
import { problemPageRoutes } from './routes/problem-pages.ts';
import { meRoutes } from './routes/me.ts';
import { registerRateLimits, type RateLimits } from './routes/rate-limits.ts';
import { registryRoutes } from './routes/registry.ts';
import { recordRoutes } from './routes/route-inventory.ts';
import { sharedSchemas, validatorCompiler } from './routes/validators.ts';
import { webRoutes } from './routes/web.ts';

function componentName(id: unknown): string | undefined {
  const file = typeof id === 'string' ? /\/([a-z0-9-]+)\.json$/.exec(id)?.[1] : undefined;
  return file?.replace(/(^|-)([a-z0-9])/g, (_match, _dash, letter: string) => letter.toUpperCase());
}

export interface AppDeps {
  ledger: Ledger;
  intake: ReadingIntake;
  /** Asks the witnesses to cosign checkpoints; absent when none is configured or in tests that leave it out. */
  witnessing?: CheckpointWitnessing;
  /** Per-client request limits; absent (tests, benchmarks in one process): none. */
  rateLimits?: RateLimits;
  /** Request body limit in bytes. */
  bodyLimit?: number;
  logger?: boolean | object;
}

/** What routes get: use cases and the bearer-token reader, never the store. */
export interface RouteDeps {
  useCases: UseCases;
  auth: Auth;
  rateLimits?: RateLimits;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // The router's and the HTTP parser's refusals leave as problem documents too.
    ...problemServerOptions,
    // Schema errors in words that say what was expected (an enum's values, a missing property's name).
    schemaErrorFormatter: (errors, dataVar) => new Error(errors.map((error) => schemaErrorText(error, dataVar)).join('; ')),
  });

  recordRoutes(app);
  app.setValidatorCompiler(validatorCompiler);
  // Response schemas document and test the API (schemas/api/); replies are
  // serialised as they are, never reshaped or stripped by a schema.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  // Public request schemas (schemas/api/*.json, their common.json), for route $refs and OpenAPI.
  for (const schema of sharedSchemas) app.addSchema(schema);
  app.setErrorHandler(replyWithProblem);
  app.setNotFoundHandler(notFoundHandler(app));

  await app.register(swagger, {
    openapi: {
      info: { title: 'gridproof', version: '1', description: 'A traceability ledger for green electricity.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    // Shared schemas become components named after their file: schemas/api/inclusion-proof.json is InclusionProof.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => componentName(json.$id) ?? `Schema${i}` },
  });
  await docsRoutes(app);
  // Bundles and entry ranges compress well; docs/api.md promises gzip over HTTP.
  // Request bodies are never decompressed: a small gzip body could expand
  // past the body limit the server enforces on what it reads.
  await app.register(compress, { global: true, globalDecompression: false, threshold: 4096 });

  // A bundle posted with its own media type is still JSON.
  app.addContentTypeParser(BUNDLE_MEDIA_TYPE, { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));
  // Every body the API reads is JSON. Fastify would also read text/plain, as a
  // string, and the body schema would then call a text body a schema violation;
  // without that parser it is 415 unsupported-media-type (docs/api.md "Errors").
  app.removeContentTypeParser('text/plain');

  const useCases = new UseCases(deps.ledger, deps.intake, deps.witnessing);
  const routeDeps: RouteDeps = { useCases, auth: new Auth(useCases), ...(deps.rateLimits ? { rateLimits: deps.rateLimits } : {}) };
  if (deps.rateLimits) await registerRateLimits(app, deps.rateLimits);
  app.addHook('preParsing', routeDeps.auth.checkFirst);
  await app.register(async (scope) => {
    healthRoutes(scope, routeDeps);
    meRoutes(scope, routeDeps);
    registryRoutes(scope, routeDeps);
    entryRoutes(scope, routeDeps);
    logRoutes(scope, routeDeps);
    matchingRoutes(scope, routeDeps);
    generatorRoutes(scope, routeDeps);
    bundleRoutes(scope, routeDeps);
    webRoutes(scope);
    problemPageRoutes(scope);
  });
  return app;
}

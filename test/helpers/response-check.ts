/**
 * Every reply a test gets through startTestApp is checked against what its
 * route declares: the OpenAPI document the app serves for the API, and the
 * route's own declaration (src/routes/route-inventory.ts) for the routes
 * the document hides (the web app, Swagger UI). The route must declare the
 * reply's status, that status the reply's media type (or no body), and the
 * body must follow the declared schema. A reply its route does not describe
 * fails the test that got it, so the declarations cannot drift from what the
 * routes do.
 */
import { Ajv } from 'ajv';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { routeDeclarations, type RouteDeclaration } from '../../src/routes/route-inventory.ts';
import { sharedSchemas } from '../../src/routes/validators.ts';

interface Operation {
  responses?: Record<string, { content?: Record<string, unknown> }>;
}

interface Document {
  paths: Record<string, Record<string, Operation>>;
}

const pointer = (...parts: string[]): string => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

/** /v1/devices/:id/chain → /v1/devices/{id}/chain, as OpenAPI spells a path. */
const openApiPath = (url: string): string => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** The hidden routes as OpenAPI paths, so that one check covers both. */
function hiddenPaths(routes: readonly RouteDeclaration[]): Document['paths'] {
  const paths: Document['paths'] = {};
  for (const route of routes.filter((r) => r.hidden && r.method !== 'HEAD')) {
    (paths[openApiPath(route.url)] ??= {})[route.method.toLowerCase()] = { responses: route.responses ?? {} };
  }
  return paths;
}

/** A declared media type, exact or a range (OpenAPI 3.0 §4.7.11: text/*, *\/*). */
function declaredType(content: Record<string, unknown>, mediaType: string): string | undefined {
  if (content[mediaType]) return mediaType;
  const range = `${mediaType.split('/')[0]}/*`;
  if (content[range]) return range;
  return content['*/*'] ? '*/*' : undefined;
}

export class ResponseChecker {
  readonly #ajv = new Ajv({ strict: false, validateSchema: false, allErrors: true });
  readonly #paths: Array<{ template: string; pattern: RegExp; operations: Record<string, Operation> }>;

  constructor(document: Document, hidden: readonly RouteDeclaration[] = []) {
    const paths = { ...hiddenPaths(hidden), ...document.paths };
    // OpenAPI 3.0 names a body of raw bytes `format: binary` (entry records); any such body passes.
    this.#ajv.addFormat('binary', true);
    // The paths are one schema; each reply is checked against a pointer into it, so components resolve as $refs.
    for (const schema of sharedSchemas) this.#ajv.addSchema(schema);
    this.#ajv.addSchema(JSON.parse(JSON.stringify({ ...document, paths })) as object, 'openapi');
    this.#paths = Object.entries(paths)
      .map(([template, operations]) => ({
        template,
        pattern: new RegExp(
          `^${template
            .replace(/[.+?^$()|[\]\\]/g, '\\$&')
            .replace(/\{[^}]+\}/g, '[^/]+')
            .replace(/\*/g, '.*')}$`,
        ),
        operations,
      }))
      // A wildcard (/docs/static/*) only where no exact path matches.
      .sort((a, b) => Number(a.template.includes('*')) - Number(b.template.includes('*')));
  }

  /** Why the reply does not match its route's declaration, or undefined when it does (or no route has this path). */
  problem(method: string, url: string, status: number, contentType: string | undefined, body: string): string | undefined {
    const path = url.split('?')[0]!;
    const found = this.#paths.find((p) => p.pattern.test(path) && p.operations[method.toLowerCase()]);
    if (!found) return undefined;
    const where = `${method} ${found.template} → ${status}`;
    const operation = found.operations[method.toLowerCase()]!;
    const declared = operation.responses?.[String(status)];
    if (!declared) return `${where}: status not declared`;
    const mediaType = (contentType ?? '').split(';')[0]!.trim();
    if (!declared.content) return body === '' ? undefined : `${where}: a body where none is declared`;
    const declaredAs = declaredType(declared.content, mediaType);
    if (!declaredAs) return `${where}: media type ${mediaType || '(none)'} not declared (${Object.keys(declared.content).join(', ')})`;
    const validate = this.#ajv.getSchema(
      `openapi#/${pointer('paths', found.template, method.toLowerCase(), 'responses', String(status), 'content', declaredAs, 'schema')}`,
    )!;
    let value: unknown = body;
    if (mediaType.endsWith('json')) {
      try {
        value = JSON.parse(body);
      } catch {
        return `${where}: ${mediaType} body is not JSON`;
      }
    }
    if (!validate(value)) return `${where}: body does not follow its schema: ${this.#ajv.errorsText(validate.errors)}`;
    return undefined;
  }
}

/** Wraps app.inject so each reply is checked; a mismatch rejects the inject, failing the test. */
export async function checkEveryReply(app: FastifyInstance): Promise<ResponseChecker> {
  await app.ready();
  const checker = new ResponseChecker(app.swagger() as unknown as Document, routeDeclarations(app));
  const inject = app.inject.bind(app) as (options: InjectOptions | string) => Promise<LightMyRequestResponse>;
  const checked = async (options: InjectOptions | string): Promise<LightMyRequestResponse> => {
    const response = await inject(options);
    const { method = 'GET', url = '/' } =
      typeof options === 'string' ? { url: options } : { method: options.method, url: String(options.url ?? options.path ?? '/') };
    // A compressed body is checked only as sent; HEAD has none.
    if (response.headers['content-encoding'] || method === 'HEAD') return response;
    const problem = checker.problem(method, url, response.statusCode, response.headers['content-type'] as string | undefined, response.payload);
    if (problem) throw new Error(`the reply does not match its route's declared responses: ${problem}`);
    return response;
  };
  (app as unknown as { inject: typeof checked }).inject = checked;
  return checker;
}

/**
 * Every reply an API test gets is checked against the OpenAPI document the
 * app serves: the operation must declare the reply's status, that status the
 * reply's media type, and the body must follow the declared schema. A reply
 * the document does not describe fails the test that got it, so the
 * document cannot drift from what the routes do.
 */
import { Ajv } from 'ajv';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';

interface Operation {
  responses?: Record<string, { content?: Record<string, unknown> }>;
}

interface Document {
  paths: Record<string, Record<string, Operation>>;
}

const pointer = (...parts: string[]): string => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

export class ResponseChecker {
  readonly #ajv = new Ajv({ strict: false, validateSchema: false, allErrors: true });
  readonly #paths: Array<{ template: string; pattern: RegExp; operations: Record<string, Operation> }>;

  constructor(document: Document) {
    // The document is one schema; each reply is checked against a pointer into it, so components resolve as $refs.
    this.#ajv.addSchema(JSON.parse(JSON.stringify(document)) as object, 'openapi');
    this.#paths = Object.entries(document.paths).map(([template, operations]) => ({
      template,
      pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
      operations,
    }));
  }

  /** Why the reply does not match the document, or undefined when it does (or no operation is documented for it). */
  problem(method: string, url: string, status: number, contentType: string | undefined, body: string): string | undefined {
    const path = url.split('?')[0]!;
    const found = this.#paths.find((p) => p.pattern.test(path) && p.operations[method.toLowerCase()]);
    if (!found) return undefined;
    const where = `${method} ${found.template} → ${status}`;
    const operation = found.operations[method.toLowerCase()]!;
    // A route that declares no response at all (OpenAPI's "Default Response" without content) is not checked yet.
    if (!Object.values(operation.responses ?? {}).some((r) => r.content)) return undefined;
    const declared = operation.responses?.[String(status)];
    if (!declared) return `${where}: status not declared`;
    const mediaType = (contentType ?? '').split(';')[0]!.trim();
    if (!declared.content?.[mediaType]) return `${where}: media type ${mediaType || '(none)'} not declared (${Object.keys(declared.content ?? {}).join(', ')})`;
    const validate = this.#ajv.getSchema(`openapi#/${pointer('paths', found.template, method.toLowerCase(), 'responses', String(status), 'content', mediaType, 'schema')}`)!;
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
  const checker = new ResponseChecker(app.swagger() as unknown as Document);
  const inject = app.inject.bind(app) as (options: InjectOptions | string) => Promise<LightMyRequestResponse>;
  const checked = async (options: InjectOptions | string): Promise<LightMyRequestResponse> => {
    const response = await inject(options);
    const { method = 'GET', url = '/' } = typeof options === 'string' ? { url: options } : { method: options.method, url: String(options.url ?? options.path ?? '/') };
    // A compressed body is checked only as sent; HEAD has none.
    if (response.headers['content-encoding'] || method === 'HEAD') return response;
    const problem = checker.problem(method, url, response.statusCode, response.headers['content-type'] as string | undefined, response.payload);
    if (problem) throw new Error(`the reply does not match the OpenAPI document: ${problem}`);
    return response;
  };
  (app as unknown as { inject: typeof checked }).inject = checked;
  return checker;
}

/**
 * Swagger UI at /docs (@fastify/swagger-ui): the routes are the plugin's,
 * registered in a scope of their own whose onRoute hook declares what each
 * answers, so that every route of the app declares its responses (the rule
 * test/api/route-declarations.test.ts holds the app to). They stay hidden
 * from the OpenAPI document, like the web app's; the document itself is
 * /docs/json. No rate limit applies here: the limiter is registered after.
 */
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { problems, textOf, type Declared } from './responses.ts';

const PREFIX = '/docs';
const ANY = (description: string): Declared => ({ description, content: { '*/*': { schema: {} } } });
const NO_BODY = (description: string): Declared => ({ description });

/** What each route of the plugin answers (its lib/routes.js; files under static/ by @fastify/static). */
function docsResponses(url: string): Record<number, Declared> {
  const path = url.slice(PREFIX.length);
  if (path === '/json')
    return { 200: { description: 'This OpenAPI document', content: { 'application/json': { schema: { type: 'object' } } } }, ...problems(400, 500) };
  if (path === '/yaml') return { 200: textOf('This OpenAPI document as YAML', 'application/x-yaml'), ...problems(400, 500) };
  if (path === '/static/index.html') return { 302: NO_BODY('To the UI at /docs/'), ...problems(400, 500) };
  if (path === '/static/swagger-initializer.js') return { 200: textOf("The UI's start-up script", 'application/javascript'), ...problems(400, 500) };
  if (path.startsWith('/static/')) {
    // 412 and 416: a conditional or range request @fastify/static cannot serve (RFC 9110 §13.1.1, §14.2).
    return { 200: ANY('A file of the UI'), 206: ANY('A range of it'), 304: NO_BODY('Not modified'), ...problems(400, 404, 412, 414, 416, 500) };
  }
  return { 200: textOf('The UI', 'text/html'), ...problems(400, 500) };
}

export async function docsRoutes(app: FastifyInstance): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route: RouteOptions) => {
      route.schema = { ...route.schema, hide: true, response: docsResponses(route.url) };
    });
    await scope.register(swaggerUi, { routePrefix: PREFIX });
  });
}

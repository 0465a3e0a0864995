/**
 * Every route the app registers, with the responses it declares: an onRoute
 * hook added before any route, so it sees the plugins' routes too (Swagger
 * UI) and those hidden from the OpenAPI document (the web app). Tests walk
 * it to hold every route to declaring its responses, and the reply check
 * uses it for the routes the document does not show.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { Declared } from './responses.ts';

export interface RouteDeclaration {
  method: string;
  /** As Fastify spells it: /v1/devices/:id/chain, /docs/static/*. */
  url: string;
  hidden: boolean;
  responses: Record<string, Declared> | undefined;
}

// The options objects themselves: a scope's own onRoute hook (docs.ts) may
// still declare responses after this one has run.
const inventories = new WeakMap<FastifyInstance, RouteOptions[]>();

export function recordRoutes(app: FastifyInstance): void {
  const routes: RouteOptions[] = [];
  inventories.set(app, routes);
  app.addHook('onRoute', (route: RouteOptions) => {
    routes.push(route);
  });
}

/** The routes of an app built by buildApp, in the order they were registered. */
export function routeDeclarations(app: FastifyInstance): RouteDeclaration[] {
  const routes = inventories.get(app);
  if (routes === undefined) throw new Error('routeDeclarations: the app was not built with recordRoutes');
  return routes.flatMap((route) => {
    const schema = route.schema as { hide?: boolean; response?: Record<string, Declared> } | undefined;
    return [route.method].flat().map((method) => ({ method, url: route.url, hidden: schema?.hide === true, responses: schema?.response }));
  });
}

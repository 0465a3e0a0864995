/**
 * What a request no route takes is answered. A path that a route has under
 * other methods is 405 `method-not-allowed` with an Allow header naming them
 * (RFC 9110 §15.5.6, §10.2.1); OPTIONS on such a path is answered with the
 * same Allow header and no body (RFC 9110 §9.3.7). A path no route has is
 * 404 `not-found`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { problemOf, sendProblem } from './problem.ts';

/**
 * The methods some route takes at this concrete URL. Fastify's findRoute
 * looks the URL up in its router as a request would be (find-my-way's find),
 * so path parameters and wildcards match; HEAD is there for every GET route
 * (Fastify's exposeHeadRoutes).
 */
export function allowedMethods(app: FastifyInstance, url: string): string[] {
  const methods = app.supportedMethods.filter((method) => app.findRoute({ method, url }) !== null);
  // OPTIONS is answered for every path a route has, below.
  return methods.length === 0 ? [] : [...new Set([...methods, 'OPTIONS'])];
}

export function notFoundHandler(app: FastifyInstance): (request: FastifyRequest, reply: FastifyReply) => FastifyReply {
  return (request, reply) => {
    const path = request.url.split('?')[0]!;
    const allowed = allowedMethods(app, request.url);
    if (allowed.length === 0) return sendProblem(reply, problemOf('not-found', `no route ${request.method} ${path}`, request.url));
    reply.header('allow', allowed.join(', '));
    if (request.method === 'OPTIONS') return reply.code(204).send();
    return sendProblem(reply, problemOf('method-not-allowed', `${path} does not take ${request.method}; it takes ${allowed.join(', ')}`, request.url));
  };
}

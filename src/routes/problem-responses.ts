/**
 * Response schemas of problem documents (RFC 9457 §3), for routes to
 * declare each 4xx/5xx they may answer with.
 */
export const problemSchema = {
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

/** `{ 400: problem, 404: problem, … }` for the given statuses, each served as application/problem+json. */
export function problemResponses(...statuses: number[]): Record<number, unknown> {
  return Object.fromEntries(statuses.map((s) => [s, { description: 'RFC 9457 problem document', content: { 'application/problem+json': { schema: problemSchema } } }]));
}

/**
 * Request validation. Bodies are JSON and are checked as sent: no type
 * coercion, so `"capacityW": "100"` or `"entries": [1]` is a schema
 * violation, not a silently converted value. Query strings and path
 * parameters arrive as text, so those are coerced to the schema's types.
 * Unknown members are refused (additionalProperties: false), never dropped.
 */
import { Ajv } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

const common = { allErrors: false, removeAdditional: false, useDefaults: true, strict: false } as const;
const bodies = new Ajv({ ...common, coerceTypes: false });
const textParts = new Ajv({ ...common, coerceTypes: 'array' });

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodies : textParts).compile(schema);

/**
 * Request validation. Bodies are JSON and are checked as sent: no type
 * coercion, so `"capacityW": "100"` or `"entries": [1]` is a schema
 * violation, not a silently converted value. Query strings and path
 * parameters arrive as text, so those are coerced to the schema's types.
 * Unknown members are refused (additionalProperties: false), never dropped.
 *
 * Request bodies are the public schemas in schemas/api/, referenced by $id.
 * app.ts registers them with Fastify (route $refs, OpenAPI); these Ajv
 * instances get the same set, since Fastify does not pass its shared
 * schemas to a custom validator compiler.
 */
import { Ajv } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';
import claimRequest from '../../schemas/api/claim-request.json' with { type: 'json' };
import contractRequest from '../../schemas/api/contract-request.json' with { type: 'json' };
import deviceKeyRequest from '../../schemas/api/device-key-request.json' with { type: 'json' };
import deviceRequest from '../../schemas/api/device-request.json' with { type: 'json' };
import entriesRequest from '../../schemas/api/entries-request.json' with { type: 'json' };
import matchingRunRequest from '../../schemas/api/matching-run-request.json' with { type: 'json' };
import participantRequest from '../../schemas/api/participant-request.json' with { type: 'json' };
import zoneRequest from '../../schemas/api/zone-request.json' with { type: 'json' };
import commonSchema from '../../schemas/common.json' with { type: 'json' };
import { MAX_ENTRY_BYTES } from '../domain/entry.ts';

/** Every schema a route may $ref: common.json first, then schemas/api/*.json. */
export const sharedSchemas: readonly { $id: string }[] = [
  commonSchema,
  participantRequest,
  deviceRequest,
  deviceKeyRequest,
  zoneRequest,
  contractRequest,
  entriesRequest,
  matchingRunRequest,
  claimRequest,
];

// JSON cannot import the constant; fail at start-up rather than drift.
if (entriesRequest.properties.entries.items.maxLength !== MAX_ENTRY_BYTES) {
  throw new Error('schemas/api/entries-request.json: entries.items.maxLength must equal MAX_ENTRY_BYTES');
}

const common = { allErrors: false, removeAdditional: false, useDefaults: true, strict: false } as const;
const bodies = new Ajv({ ...common, coerceTypes: false });
const textParts = new Ajv({ ...common, coerceTypes: 'array' });
for (const ajv of [bodies, textParts]) for (const schema of sharedSchemas) ajv.addSchema(schema);

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodies : textParts).compile(schema);

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
import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify';
import chainHead from '../../schemas/api/chain-head.json' with { type: 'json' };
import chainVerification from '../../schemas/api/chain-verification.json' with { type: 'json' };
import checkpointList from '../../schemas/api/checkpoint-list.json' with { type: 'json' };
import claimCreated from '../../schemas/api/claim-created.json' with { type: 'json' };
import claimList from '../../schemas/api/claim-list.json' with { type: 'json' };
import claimRequest from '../../schemas/api/claim-request.json' with { type: 'json' };
import consistencyProof from '../../schemas/api/consistency-proof.json' with { type: 'json' };
import contractCreated from '../../schemas/api/contract-created.json' with { type: 'json' };
import contractRequest from '../../schemas/api/contract-request.json' with { type: 'json' };
import csv from '../../schemas/api/csv.json' with { type: 'json' };
import deviceCreated from '../../schemas/api/device-created.json' with { type: 'json' };
import deviceOutputs from '../../schemas/api/device-outputs.json' with { type: 'json' };
import deviceKeyRequest from '../../schemas/api/device-key-request.json' with { type: 'json' };
import deviceRequest from '../../schemas/api/device-request.json' with { type: 'json' };
import entriesRequest from '../../schemas/api/entries-request.json' with { type: 'json' };
import entriesResponse from '../../schemas/api/entries-response.json' with { type: 'json' };
import entryPage from '../../schemas/api/entry-page.json' with { type: 'json' };
import generatorDevices from '../../schemas/api/generator-devices.json' with { type: 'json' };
import health from '../../schemas/api/health.json' with { type: 'json' };
import inclusionProof from '../../schemas/api/inclusion-proof.json' with { type: 'json' };
import logged from '../../schemas/api/logged.json' with { type: 'json' };
import me from '../../schemas/api/me.json' with { type: 'json' };
import matchingRunRequest from '../../schemas/api/matching-run-request.json' with { type: 'json' };
import matchingSummary from '../../schemas/api/matching-summary.json' with { type: 'json' };
import operatorKeyRequest from '../../schemas/api/operator-key-request.json' with { type: 'json' };
import operatorKeyRotated from '../../schemas/api/operator-key-rotated.json' with { type: 'json' };
import participantCreated from '../../schemas/api/participant-created.json' with { type: 'json' };
import participantRequest from '../../schemas/api/participant-request.json' with { type: 'json' };
import problem from '../../schemas/api/problem.json' with { type: 'json' };
import tenantMatching from '../../schemas/api/tenant-matching.json' with { type: 'json' };
import textNote from '../../schemas/api/text-note.json' with { type: 'json' };
import verdict from '../../schemas/api/verdict.json' with { type: 'json' };
import witnessStatus from '../../schemas/api/witness-status.json' with { type: 'json' };
import zoneRequest from '../../schemas/api/zone-request.json' with { type: 'json' };
import bundleSchema from '../../schemas/bundle.json' with { type: 'json' };
import commonSchema from '../../schemas/common.json' with { type: 'json' };
import { MAX_ENTRY_BYTES } from '../domain/entry.ts';

/** Every schema a route may $ref: common.json, bundle.json, then schemas/api/*.json (requests and responses). */
export const sharedSchemas: readonly { $id: string }[] = [
  commonSchema,
  bundleSchema,
  chainHead,
  chainVerification,
  checkpointList,
  claimCreated,
  claimList,
  claimRequest,
  consistencyProof,
  contractCreated,
  contractRequest,
  csv,
  deviceCreated,
  deviceKeyRequest,
  deviceOutputs,
  deviceRequest,
  entriesRequest,
  entriesResponse,
  entryPage,
  generatorDevices,
  health,
  inclusionProof,
  logged,
  matchingRunRequest,
  me,
  matchingSummary,
  operatorKeyRequest,
  operatorKeyRotated,
  participantCreated,
  participantRequest,
  problem,
  tenantMatching,
  textNote,
  verdict,
  witnessStatus,
  zoneRequest,
];

// JSON cannot import the constant; fail at start-up rather than drift.
if (entriesRequest.properties.entries.items.maxLength !== MAX_ENTRY_BYTES) {
  throw new Error('schemas/api/entries-request.json: entries.items.maxLength must equal MAX_ENTRY_BYTES');
}

const common = { allErrors: false, removeAdditional: false, useDefaults: true, strict: false } as const;
const bodies = new Ajv({ ...common, coerceTypes: false });
const textParts = new Ajv({ ...common, coerceTypes: 'array' });
for (const ajv of [bodies, textParts]) for (const schema of sharedSchemas) ajv.addSchema(schema);

/**
 * Ajv coerces any text JavaScript reads as a number ("0x10", "1e2", "+1",
 * " 1"), so integers in paths and query strings are first checked to be
 * plain decimal digits: one spelling per number.
 */
const DECIMAL = /^[0-9]{1,16}$/;

type Validate = ((data: unknown) => boolean) & { errors?: FastifySchemaValidationError[] | null | undefined };

function integerNames(schema: unknown): string[] {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {};
  return Object.keys(properties).filter((name) => properties[name]!.type === 'integer');
}

function decimalIntegers(names: string[], validate: Validate): Validate {
  if (names.length === 0) return validate;
  const checked: Validate = (data) => {
    const record = data as Record<string, unknown> | null;
    for (const name of names) {
      const raw = record?.[name];
      const values = Array.isArray(raw) ? raw : [raw];
      if (values.some((value) => typeof value === 'string' && !DECIMAL.test(value))) {
        checked.errors = [{ instancePath: `/${name}`, schemaPath: '#/decimal', keyword: 'pattern', params: {}, message: 'must be decimal digits' }];
        return false;
      }
    }
    const valid = validate(data);
    checked.errors = validate.errors;
    return valid;
  };
  return checked;
}

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  httpPart === 'body' ? bodies.compile(schema) : decimalIntegers(integerNames(schema), textParts.compile(schema) as Validate);

/**
 * The entry payload schemas (schemas/entries/*.json), compiled once. Strict:
 * additionalProperties false everywhere, so an entry carries nothing a
 * verifier does not check.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import common from '../../schemas/common.json' with { type: 'json' };
import claim from '../../schemas/entries/claim.json' with { type: 'json' };
import contract from '../../schemas/entries/contract.json' with { type: 'json' };
import device from '../../schemas/entries/device.json' with { type: 'json' };
import key from '../../schemas/entries/key.json' with { type: 'json' };
import participant from '../../schemas/entries/participant.json' with { type: 'json' };
import reading from '../../schemas/entries/reading.json' with { type: 'json' };
import settlement from '../../schemas/entries/settlement.json' with { type: 'json' };
import zone from '../../schemas/entries/zone.json' with { type: 'json' };
import type { EntryKind } from './payloads.ts';
import { schemaErrorText } from './schema-error-text.ts';

const byKind: Record<EntryKind, object> = { participant, device, key, zone, contract, reading, settlement, claim };

// strictRequired is off: if/then branches name properties defined at the top level.
const ajv = new Ajv({ allErrors: false, strict: true, strictTypes: false, strictRequired: false });
ajv.addSchema(common);

const validators = new Map<string, ValidateFunction>(Object.entries(byKind).map(([kind, schema]) => [kind, ajv.compile(schema)]));

export const entryKinds = Object.keys(byKind) as EntryKind[];

export function isEntryKind(kind: unknown): kind is EntryKind {
  return typeof kind === 'string' && validators.has(kind);
}

/** undefined when valid, else the first violation, readable. */
export function schemaViolation(kind: EntryKind, payload: unknown): string | undefined {
  const validate = validators.get(kind);
  if (!validate) return `unknown kind ${kind}`;
  if (validate(payload)) return undefined;
  const error = validate.errors?.[0];
  return error ? schemaErrorText(error) : 'is invalid';
}

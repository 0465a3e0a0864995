/**
 * schemas/bundle.json, compiled once. Strict (additionalProperties false
 * everywhere), so a bundle carries nothing the verifier does not check.
 */
import { Ajv } from 'ajv';
import common from '../../../schemas/common.json' with { type: 'json' };
import bundle from '../../../schemas/bundle.json' with { type: 'json' };

const ajv = new Ajv({ allErrors: false, strict: true, strictTypes: false });
ajv.addSchema(common);
const validate = ajv.compile(bundle);

/** undefined when the value follows the schema, else its first violation, readable. */
export function bundleSchemaViolation(value: unknown): string | undefined {
  if (validate(value)) return undefined;
  const error = validate.errors?.[0];
  return error ? `${error.instancePath || '/'} ${error.message ?? 'is invalid'}` : 'is invalid';
}

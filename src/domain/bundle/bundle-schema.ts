/**
 * schemas/bundle.json, compiled once. Strict (additionalProperties false
 * everywhere), so a bundle carries nothing the verifier does not check.
 */
import { Ajv } from 'ajv';
import common from '../../../schemas/common.json' with { type: 'json' };
import bundle from '../../../schemas/bundle.json' with { type: 'json' };
import { schemaErrorText } from '../schema-error-text.ts';

const ajv = new Ajv({ allErrors: false, strict: true, strictTypes: false });
ajv.addSchema(common);
const validate = ajv.compile(bundle);

/**
 * undefined when the value follows the schema, else its first violation in
 * the words every schema error is given in (schema-error-text.ts), placed
 * from the bundle's root: `bundle/entries/3: unknown property extra`.
 */
export function bundleSchemaViolation(value: unknown): string | undefined {
  if (validate(value)) return undefined;
  const error = validate.errors?.[0];
  return error ? schemaErrorText(error, 'bundle') : 'the bundle does not follow schemas/bundle.json';
}

/**
 * One JSON Schema error (Ajv's) in words that say what was expected: an
 * enum's allowed values, the name of a missing or unknown property. Used
 * for request bodies, query strings and path parameters (routes/) and for
 * entry payloads (entry-schemas.ts). Pure: the verifier runs in a browser.
 */

/** The members of an Ajv error this reads (Ajv's ErrorObject, Fastify's FastifySchemaValidationError). */
export interface SchemaError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

/**
 * `root` names the whole value (`body`, `querystring`, or '' for an entry's
 * payload); the error's JSON Pointer follows it: `body/role`.
 */
export function schemaErrorText(error: SchemaError, root = ''): string {
  const where = `${root}${error.instancePath}`.replace(/^\//, '');
  const at = (text: string): string => (where ? `${where}: ${text}` : text);
  const { params } = error;
  switch (error.keyword) {
    case 'required':
      return at(`missing required property ${String(params.missingProperty)}`);
    case 'additionalProperties':
      return at(`unknown property ${String(params.additionalProperty)}`);
    case 'enum': {
      const allowed = Array.isArray(params.allowedValues) ? params.allowedValues : [];
      return `${where || 'the value'} must be one of ${allowed.map((value) => JSON.stringify(value)).join(', ')}`;
    }
    case 'const':
      return `${where || 'the value'} must be ${JSON.stringify(params.allowedValue)}`;
    default:
      return `${where || 'the value'} ${error.message ?? 'is invalid'}`;
  }
}

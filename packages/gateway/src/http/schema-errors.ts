/**
 * The strict half of request validation: Ajv's errors turned into the UMF error today's parsers answer
 * (http/request-fields.ts wording), for Fastify's `schemaErrorFormatter`:
 *
 *   order.sub_orders[1].amount.total is required          (00202001 when the node says AMOUNT_BLANK)
 *   payer.payment_method must be one of CREDIT_CARD, ...   (00060700)
 *
 * The field path is Ajv's `instancePath` written with dots and [n] (plus `missingProperty` for
 * `required`). The return code is the node's `x-umf-code` (a key of RET, for every failure of the node,
 * or a map from Ajv keyword to key), else VALIDATION; for `required` it is the missing property's own
 * node's (its `required` entry, or its string). A node's `x-umf-format` replaces the wording of a value
 * of the wrong form (pattern, format, enum, const, not, anyOf, oneOf), or, as a map, of any keyword.
 * It needs Ajv's `verbose: true` (errors carry `parentSchema`); without it every error is VALIDATION.
 *
 * `umfAjvKeywords` is the Ajv plugin that declares the two keywords (Fastify's `ajv.plugins`), so that
 * Ajv's strict mode accepts them and checks that every x-umf-code names a RET entry.
 */
import { RET, UmfError, type RetCodeEntry, type RetName } from '../errors/catalogue.ts';

/** What this module reads of an Ajv error (Fastify's FastifySchemaValidationError, with `verbose`). */
export interface AjvErrorLike {
  readonly keyword: string;
  readonly instancePath: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly message?: string | undefined;
  readonly parentSchema?: unknown;
  readonly data?: unknown;
}

/** Ajv's options for the UMF schemas (Fastify's `ajv.customOptions`). */
export const UMF_AJV_OPTIONS = Object.freeze({
  // The normaliser turns numbers into strings where one is expected; nothing else may be coerced
  // (`true` is not the string "true", a lone value is not an array).
  coerceTypes: false,
  // No default is put into a request: defaults stay the handlers' business.
  useDefaults: false,
  // Unknown members are always allowed and never removed.
  removeAdditional: false,
  // Errors carry the schema node (x-umf-code, x-umf-format) they failed on.
  verbose: true,
  // One error, the first: as the parsers answer (and no cost for a body with many faults).
  allErrors: false,
});

const RET_NAMES = Object.keys(RET) as RetName[];

/** Ajv plugin: declares `x-umf-code` (checked against RET) and `x-umf-format` as annotation keywords. */
export function umfAjvKeywords<A extends { addKeyword(definition: { keyword: string; metaSchema: object }): unknown }>(
  ajv: A,
): A {
  const retName = { type: 'string', enum: RET_NAMES };
  ajv.addKeyword({
    keyword: 'x-umf-code',
    metaSchema: { anyOf: [retName, { type: 'object', additionalProperties: retName }] },
  });
  ajv.addKeyword({
    keyword: 'x-umf-format',
    metaSchema: { anyOf: [{ type: 'string' }, { type: 'object', additionalProperties: { type: 'string' } }] },
  });
  return ajv;
}

/** Fastify's `ajv` option for the UMF schemas: `Fastify({ ajv: UMF_AJV, schemaErrorFormatter })`. */
export const UMF_AJV = { customOptions: { ...UMF_AJV_OPTIONS }, plugins: [umfAjvKeywords] };

type Node = Readonly<Record<string, unknown>>;

const isNode = (value: unknown): value is Node => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Keywords about the form of a value, whose wording a string `x-umf-format` replaces. */
const FORM_KEYWORDS = new Set(['pattern', 'format', 'enum', 'const', 'not', 'anyOf', 'oneOf']);

/** The failure that decides: Ajv reports the failing branch's errors before an `if`'s own error. */
function decisive(errors: readonly AjvErrorLike[]): AjvErrorLike | undefined {
  for (let i = errors.length - 1; i >= 0; i--) if (errors[i]!.keyword !== 'if') return errors[i];
  return errors[errors.length - 1];
}

/** `/order/sub_orders/1/amount/total` -> `order.sub_orders[1].amount.total`. */
export function fieldPath(instancePath: string, missing?: string): string {
  const segments = instancePath === '' ? [] : instancePath.slice(1).split('/');
  if (missing !== undefined) segments.push(missing);
  let path = '';
  for (const raw of segments) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    path += /^\d+$/.test(segment) ? `[${segment}]` : path === '' ? segment : `.${segment}`;
  }
  return path;
}

function annotation(node: unknown, name: 'x-umf-code' | 'x-umf-format', keyword: string): string | undefined {
  if (!isNode(node)) return undefined;
  const value = node[name];
  if (typeof value === 'string') return name === 'x-umf-format' && !FORM_KEYWORDS.has(keyword) ? undefined : value;
  if (isNode(value) && typeof value[keyword] === 'string') return value[keyword];
  return undefined;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'string':
    case 'boolean':
      return typeof value === type;
    case 'number':
      return typeof value === 'number';
    case 'integer':
      return Number.isInteger(value);
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    default:
      return true;
  }
}

/**
 * Ajv checks `enum`, `const`, `not`, `anyOf`... before it reports a wrong type: a value of the wrong type
 * is first of all of the wrong type (today's parsers say "must be a string"), so such an error on a node
 * whose `type` the value does not have is reported as a type error.
 */
function asTypeError(error: AjvErrorLike): AjvErrorLike {
  if (error.keyword === 'type' || error.keyword === 'required' || !('data' in error)) return error;
  const node = error.parentSchema;
  if (!isNode(node) || node.type === undefined) return error;
  const types = (Array.isArray(node.type) ? node.type : [node.type]).map(String);
  if (types.some((t) => hasType(error.data, t))) return error;
  return { ...error, keyword: 'type', params: { type: types.join(',') } };
}

function entryOf(error: AjvErrorLike): RetCodeEntry {
  let name: string | undefined;
  if (error.keyword === 'required') {
    const properties = isNode(error.parentSchema) ? error.parentSchema.properties : undefined;
    const missing = error.params.missingProperty;
    if (isNode(properties) && typeof missing === 'string')
      name = annotation(properties[missing], 'x-umf-code', 'required');
  } else {
    name = annotation(error.parentSchema, 'x-umf-code', error.keyword);
  }
  return name !== undefined && Object.hasOwn(RET, name) ? RET[name as RetName] : RET.VALIDATION;
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'a string',
  object: 'an object',
  array: 'an array',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  null: 'null',
};

function typeWords(type: unknown): string {
  const types = Array.isArray(type) ? type.map(String) : String(type).split(',');
  return types.map((t) => TYPE_WORDS[t] ?? t).join(' or ');
}

/** The offending value as a message may quote it (`{value}` in an x-umf-format): short, on one line. */
function quoted(data: unknown): string {
  const text = typeof data === 'string' ? data : (JSON.stringify(data) ?? String(data));
  return text.replace(/[\r\n]+/g, ' ').slice(0, 64);
}

function problemOf(error: AjvErrorLike): string {
  const own = annotation(error.parentSchema, 'x-umf-format', error.keyword);
  if (own !== undefined) return own.replaceAll('{value}', 'data' in error ? quoted(error.data) : '');
  const p = error.params;
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'type':
      return `must be ${typeWords(p.type)}`;
    case 'maxLength':
      return `is longer than ${String(p.limit)} characters`;
    case 'minLength':
      return `is shorter than ${String(p.limit)} characters`;
    case 'enum':
      return `must be one of ${Array.isArray(p.allowedValues) ? p.allowedValues.map(String).join(', ') : ''}`;
    case 'const':
      return `must be ${String(p.allowedValue)}`;
    case 'maxItems':
      return `has more than ${String(p.limit)} entries`;
    case 'minItems':
      return p.limit === 1 ? 'must be a non-empty array' : `has fewer than ${String(p.limit)} entries`;
    case 'maximum':
      return `must be at most ${String(p.limit)}`;
    case 'minimum':
      return `must be at least ${String(p.limit)}`;
    case 'pattern':
    case 'format':
    case 'not':
    case 'anyOf':
    case 'oneOf':
      return 'has an invalid format';
    default:
      return error.message ?? 'is invalid';
  }
}

/**
 * The UmfError for a failed validation: Fastify's `schemaErrorFormatter(errors, dataVar)`. `dataVar`
 * (`body`, `querystring`, `params`, `headers`) names the value itself when the error is about all of it.
 */
export function schemaErrorFormatter(errors: readonly AjvErrorLike[], dataVar = 'body'): UmfError {
  const found = decisive(errors);
  if (found === undefined) return new UmfError(RET.VALIDATION);
  const error = asTypeError(found);
  const missing = error.keyword === 'required' ? error.params.missingProperty : undefined;
  const path = fieldPath(error.instancePath, typeof missing === 'string' ? missing : undefined);
  return new UmfError(entryOf(error), `${path === '' ? dataVar : path} ${problemOf(error)}`);
}

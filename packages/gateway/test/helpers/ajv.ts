/**
 * Ajv as Fastify builds it (@fastify/ajv-compiler, the UMF options and keywords, every shared schema
 * added), for the schema tests: `validateBody(schema, body)` normalises a key-normalised body and
 * validates it, and answers what the gateway would: `{ ok: true, body }` or the UmfError's code and
 * detail.
 */
import AjvCompiler from '@fastify/ajv-compiler';
import { sharedSchemas } from '../../src/http/schema-registry.ts';
import { UMF_AJV, schemaErrorFormatter, type AjvErrorLike } from '../../src/http/schema-errors.ts';
import { normaliseBody } from '../../src/http/body-normaliser.ts';
import '../../src/api-docs/api-operations.ts';

type Validate = ((data: unknown) => boolean) & { errors?: AjvErrorLike[] | null };
type Compile = (route: { schema: object; method?: string; url?: string; httpPart?: string }) => Validate;

/** Everything Ajv logged while compiling (strict mode): the tests expect none. */
export const ajvWarnings: unknown[][] = [];

const logger = {
  log: (...args: unknown[]) => ajvWarnings.push(args),
  warn: (...args: unknown[]) => ajvWarnings.push(args),
  error: (...args: unknown[]) => ajvWarnings.push(args),
};

export function buildCompiler(customOptions: Record<string, unknown> = {}): Compile {
  const externals = Object.fromEntries(sharedSchemas().map((s) => [s.$id, s]));
  const factory = (AjvCompiler as unknown as () => (ext: object, opts: object) => Compile)();
  return factory(externals, { ...UMF_AJV, customOptions: { ...UMF_AJV.customOptions, logger, ...customOptions } });
}

const compile = buildCompiler();
const cache = new WeakMap<object, Validate>();

export function validatorOf(schema: object): Validate {
  let validate = cache.get(schema);
  if (!validate) {
    validate = compile({ schema, method: 'POST', url: '/test', httpPart: 'body' });
    cache.set(schema, validate);
  }
  return validate;
}

export type Outcome = { ok: true; body: any } | { ok: false; code: string; detail: string | undefined };

/** What the gateway's validation answers for a key-normalised body (a copy is normalised). */
export function validateBody(schema: object, body: unknown, dataVar = 'body'): Outcome {
  const data = normaliseBody(schema, structuredClone(body));
  const validate = validatorOf(schema);
  if (validate(data)) return { ok: true, body: data };
  const error = schemaErrorFormatter(validate.errors ?? [], dataVar);
  return { ok: false, code: error.retCode, detail: error.detail };
}

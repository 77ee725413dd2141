/**
 * The shared JSON schemas of the API (`$id` + `$ref`): the objects the OpenAPI document lists under
 * `components.schemas` (Payment, Refund, Amount, Link, ErrorAnswer...). Each schema file defines its
 * shared schemas with `shared(...)` and refers to them with `refTo(...)`; the app adds them all once
 * with `addSharedSchemas(app)` before it registers the routes that refer to them (Fastify hands them to
 * Ajv, to fast-json-stringify and to @fastify/swagger). `body-normaliser.ts` and `schema-errors.ts`
 * resolve `$ref`s through `sharedSchema(id)`.
 *
 *   const Link = shared(Type.Object({...}, { $id: 'Link' }));
 *   const Links = Type.Array(refTo(Link));                 // { type: 'array', items: { $ref: 'Link#' } }
 *   refTo(Amount, { description: 'The order amount' })     // { allOf: [{ $ref: 'Amount#' }], description }
 *
 * A `$ref` with annotations is written as a one-member `allOf`: @fastify/swagger drops the siblings of a
 * `$ref`, and an `x-umf-code` there must apply to the property (when it is missing), not to the object.
 */
import Type, { type Static, type TSchema, type TUnsafe } from 'typebox';
import type { FastifyInstance } from 'fastify';

const REGISTRY = new Map<string, TSchema & { $id: string }>();

/** Registers a schema with an `$id` as a shared schema (a component of the document); returns it. */
export function shared<T extends TSchema>(schema: T): T & { $id: string } {
  const id = (schema as { $id?: unknown }).$id;
  if (typeof id !== 'string' || !/^[A-Za-z0-9._-]+$/.test(id))
    throw new Error('a shared schema needs an $id of letters, digits, ".", "_", "-" (a component name)');
  const withId = schema as T & { $id: string };
  const existing = REGISTRY.get(id);
  if (existing !== undefined && existing !== withId) throw new Error(`two shared schemas have the $id ${id}`);
  REGISTRY.set(id, withId);
  return withId;
}

/** A reference to a shared schema, typed as it; with options, a one-member `allOf` carrying them. */
export function refTo<T extends TSchema & { $id: string }>(
  schema: T,
  options: Record<string, unknown> = {},
): TUnsafe<Static<T>> {
  if (REGISTRY.get(schema.$id) !== schema) throw new Error(`${schema.$id} is not a shared schema: use shared()`);
  const ref = { $ref: `${schema.$id}#` };
  return Type.Unsafe<Static<T>>(Object.keys(options).length === 0 ? ref : { allOf: [ref], ...options });
}

/** The shared schema a `$ref` (`Payment#`, `Payment`) names, or undefined. */
export function sharedSchema(ref: string): TSchema | undefined {
  const hash = ref.indexOf('#');
  if (hash >= 0 && hash !== ref.length - 1) return undefined; // a JSON pointer into a schema: not used here
  return REGISTRY.get(hash < 0 ? ref : ref.slice(0, hash));
}

/** Every shared schema registered so far (their modules are loaded). */
export function sharedSchemas(): ReadonlyArray<TSchema & { $id: string }> {
  return [...REGISTRY.values()];
}

/**
 * Adds every shared schema to `app` (Fastify's `addSchema`), skipping those it has already. Call it on
 * the root instance before registering the routes whose schemas refer to them.
 */
export function addSharedSchemas(app: FastifyInstance): void {
  for (const schema of sharedSchemas()) if (app.getSchema(schema.$id) === undefined) app.addSchema(schema);
}

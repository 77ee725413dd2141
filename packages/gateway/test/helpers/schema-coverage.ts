/**
 * Checks a response against its schema both ways: Ajv validates it (everything the schema says holds)
 * and `undocumented(schema, data)` lists the members it has that the schema does not describe
 * (everything the gateway sends is in the schema). Response schemas stay open (no
 * additionalProperties: false, so that the gateway may grow), which is why the second check is here.
 *
 *   assertAnswer(PaymentAnswer, res.json)       // throws with the Ajv errors or the undescribed paths
 */
import assert from 'node:assert/strict';
import { sharedSchema } from '../../src/http/schema-registry.ts';
import { validatorOf } from './ajv.ts';

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => v !== null && typeof v === 'object' && !Array.isArray(v);

function expand(schema: Node, out: Node[] = []): Node[] {
  if (out.includes(schema)) return out;
  out.push(schema);
  if (typeof schema.$ref === 'string') {
    const target = sharedSchema(schema.$ref);
    assert.ok(target, `unknown $ref ${schema.$ref}`);
    expand(target as Node, out);
  }
  for (const k of ['allOf', 'anyOf', 'oneOf'])
    if (Array.isArray(schema[k])) for (const m of schema[k] as unknown[]) if (isNode(m)) expand(m, out);
  for (const k of ['then', 'else']) if (isNode(schema[k])) expand(schema[k], out);
  return out;
}

/** The paths of `data` members (at any depth) that no applicable schema node describes. */
export function undocumented(schema: object, data: unknown, path = ''): string[] {
  const nodes = expand(schema as Node);
  const found: string[] = [];
  if (Array.isArray(data)) {
    const items = nodes.map((n) => n.items).filter(isNode);
    data.forEach((item, i) => {
      for (const s of items.slice(0, 1)) found.push(...undocumented(s, item, `${path}[${i}]`));
    });
  } else if (isNode(data)) {
    for (const [key, value] of Object.entries(data)) {
      const described = nodes.map((n) => (isNode(n.properties) ? n.properties[key] : undefined)).filter(isNode);
      const here = path === '' ? key : `${path}.${key}`;
      if (described.length === 0) found.push(here);
      else found.push(...undocumented({ allOf: described }, value, here));
    }
  }
  return found;
}

/** The answer validates against the schema, and the schema describes every member of the answer. */
export function assertAnswer(schema: object, data: unknown, what = ''): void {
  const validate = validatorOf(schema);
  assert.ok(
    validate(structuredClone(data)),
    `${what} does not match its schema: ${JSON.stringify(validate.errors, null, 1)}\n${JSON.stringify(data)}`,
  );
  assert.deepEqual(undocumented(schema, data), [], `${what}: members the schema does not describe`);
}

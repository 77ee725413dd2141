/**
 * The liberal half of request validation: what today's hand-written parsers forgive, done once on the
 * key-normalised body (http/request-json.ts) BEFORE Ajv checks it against the route's JSON schema.
 * `normaliseBody(schema, data)` walks the data alongside the schema (`properties`, `items`, `allOf` /
 * `anyOf` / `oneOf`, `then` / `else`, `$ref`s to the shared schemas of http/schema-registry.ts) and, in
 * place, and nothing else:
 *
 * - removes a member the schema describes whose value is `null` or `""` (it counts as absent: an
 *   optional one is ignored, a required one "is required"), or only whitespace (unless its schema takes
 *   no string, so that `"  "` for an object is still "must be an object");
 * - trims a string where a string is expected;
 * - turns a finite number into its string where a string is expected and no number is (`100.02` ->
 *   `"100.02"`, as some clients send amounts);
 * - upper-cases a string whose upper-case form is one of the node's `enum` values (`credit_card`).
 *
 * Members the schema does not describe are left as they are (unknown fields are ignored downstream).
 * What a schema node expects is worked out once per node and kept (a WeakMap on the schema objects).
 */
import { sharedSchema } from './schema-registry.ts';

type Node = Readonly<Record<string, unknown>>;

const isNode = (value: unknown): value is Node => value !== null && typeof value === 'object' && !Array.isArray(value);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** What a set of schema nodes that apply to one value expects of it. */
class Shape {
  /** Some node has a `type`. */
  readonly typed: boolean;
  readonly expectsString: boolean;
  readonly acceptsNumber: boolean;
  readonly acceptsNull: boolean;
  readonly enums: ReadonlySet<string>;
  readonly #properties: ReadonlyMap<string, readonly Node[]>;
  readonly #items: readonly Node[];
  readonly #children = new Map<string, Shape>();
  #itemShape: Shape | undefined;

  constructor(nodes: readonly Node[]) {
    const types = new Set<string>();
    const enums = new Set<string>();
    const properties = new Map<string, Node[]>();
    const items: Node[] = [];
    for (const node of expand(nodes)) {
      const type = node.type;
      if (typeof type === 'string') types.add(type);
      else if (Array.isArray(type)) for (const t of type) if (typeof t === 'string') types.add(t);
      if (Array.isArray(node.enum)) for (const v of node.enum) if (typeof v === 'string') enums.add(v);
      if (typeof node.const === 'string') enums.add(node.const);
      if (isNode(node.properties)) {
        for (const [name, child] of Object.entries(node.properties)) {
          if (!isNode(child)) continue;
          const list = properties.get(name);
          if (list) list.push(child);
          else properties.set(name, [child]);
        }
      }
      if (isNode(node.items)) items.push(node.items);
    }
    this.typed = types.size > 0;
    this.expectsString = types.has('string');
    this.acceptsNumber = types.has('number') || types.has('integer');
    this.acceptsNull = types.has('null');
    this.enums = enums;
    this.#properties = properties;
    this.#items = items;
  }

  /** The shape of member `name`; undefined for a member the schema does not describe. */
  child(name: string): Shape | undefined {
    let shape = this.#children.get(name);
    if (shape === undefined) {
      const nodes = this.#properties.get(name);
      if (nodes === undefined) return undefined;
      shape = shapeOf(nodes);
      this.#children.set(name, shape);
    }
    return shape;
  }

  get items(): Shape | undefined {
    if (this.#items.length === 0) return undefined;
    this.#itemShape ??= shapeOf(this.#items);
    return this.#itemShape;
  }
}

/** The nodes that apply to the same value as `nodes`: with their `$ref`s and in-place subschemas. */
function expand(nodes: readonly Node[]): Node[] {
  const out: Node[] = [];
  const seen = new Set<Node>();
  const visit = (node: Node): void => {
    if (seen.has(node)) return;
    seen.add(node);
    out.push(node);
    if (typeof node.$ref === 'string') {
      const target = sharedSchema(node.$ref);
      if (target === undefined) throw new Error(`body-normaliser: unknown $ref ${node.$ref}`);
      visit(target as Node);
    }
    for (const keyword of ['allOf', 'anyOf', 'oneOf'] as const) {
      const list = node[keyword];
      if (Array.isArray(list)) for (const member of list) if (isNode(member)) visit(member);
    }
    // Both branches of an if: whichever applies, its members are the ones described.
    if (isNode(node.then)) visit(node.then);
    if (isNode(node.else)) visit(node.else);
  };
  for (const node of nodes) visit(node);
  return out;
}

const shapes = new WeakMap<Node, Shape>();

function shapeOf(nodes: readonly Node[]): Shape {
  if (nodes.length !== 1) return new Shape(nodes);
  const node = nodes[0]!;
  let shape = shapes.get(node);
  if (shape === undefined) {
    shape = new Shape(nodes);
    shapes.set(node, shape);
  }
  return shape;
}

/** What a member becomes: BLANK when it counts as absent (the member is removed). */
const BLANK = Symbol('blank');

function normaliseValue(value: unknown, shape: Shape): unknown {
  if (typeof value === 'string') {
    if (value === '') return BLANK;
    if (shape.expectsString) {
      const text = value.trim();
      return text === '' ? BLANK : foldCase(text, shape);
    }
    // Only whitespace where no string is expected: blank when the schema says nothing of the type
    // (a `"  "` for an object stays, to be "must be an object").
    if (!shape.typed && value.trim() === '') return BLANK;
    return foldCase(value, shape);
  }
  if (value === null) return shape.acceptsNull ? null : BLANK;
  if (typeof value === 'number') {
    if (shape.expectsString && !shape.acceptsNumber && Number.isFinite(value)) return foldCase(String(value), shape);
    return value;
  }
  if (Array.isArray(value)) {
    const items = shape.items;
    if (items !== undefined) {
      // An item is never removed (that would shift the others): a blank string one is trimmed.
      for (let i = 0; i < value.length; i++) {
        const item = normaliseValue(value[i], items);
        if (item !== BLANK) value[i] = item;
        else if (typeof value[i] === 'string' && items.expectsString) value[i] = '';
      }
    }
    return value;
  }
  if (isPlainObject(value)) {
    // The body's own members (JSON.parse made them: no inherited ones), looked up in the schema.
    for (const name of Object.keys(value)) {
      const child = shape.child(name);
      if (child === undefined) continue;
      const member = normaliseValue(value[name], child);
      if (member === BLANK) delete value[name];
      else value[name] = member;
    }
  }
  return value;
}

function foldCase(text: string, shape: Shape): string {
  if (shape.enums.size === 0 || shape.enums.has(text)) return text;
  const upper = text.toUpperCase();
  return shape.enums.has(upper) ? upper : text;
}

/**
 * Normalises `data` (a key-normalised request body) for `schema`, in place; returns it. `schema` may
 * be a route's body schema, a `$ref` to a shared schema, or any of their subschemas.
 */
export function normaliseBody<T>(schema: object, data: T): T {
  return normaliseValue(data, shapeOf([schema as Node])) as T;
}

/**
 * A JSON Schema (2020-12) check of the keywords z.toJSONSchema emits, for tests: the repository
 * has no JSON Schema validator dependency, and editors validate configs against the schema with
 * their own, so the schema itself must accept every example config and refuse a broken one.
 * Unknown keywords fail loudly rather than being skipped, so the check cannot pass by ignoring.
 */
type Node = Record<string, unknown>;

const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', 'default', 'examples', 'format', '$defs', 'definitions']);
const KNOWN = new Set([
  ...ANNOTATIONS, 'type', 'const', 'enum', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum',
  'exclusiveMaximum', 'minItems', 'maxItems', 'properties', 'required', 'additionalProperties', 'propertyNames', 'items',
  'anyOf', 'oneOf', 'allOf', '$ref',
]);

export function schemaErrors(schema: Node, value: unknown, root: Node = schema, path = '$'): string[] {
  const unknown = Object.keys(schema).filter((k) => !KNOWN.has(k));
  if (unknown.length > 0) throw new Error(`${path}: the test's checker does not know ${unknown.join(', ')}`);
  if (typeof schema.$ref === 'string') {
    const target = schema.$ref.slice(2).split('/').reduce<unknown>((n, part) => (n as Node)[part], root) as Node;
    return schemaErrors(target, value, root, path);
  }
  const errors: string[] = [];
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => hasType(value, t))) return [`${path}: expected ${types.join('|')}, got ${JSON.stringify(value)}`];
  }
  if ('const' in schema && value !== schema.const) errors.push(`${path}: expected ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) errors.push(`${path}: expected one of ${JSON.stringify(schema.enum)}`);
  if (typeof value === 'string') {
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) errors.push(`${path}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
    if (typeof schema.minLength === 'number' && [...value].length < schema.minLength) errors.push(`${path}: shorter than ${schema.minLength}`);
    if (typeof schema.maxLength === 'number' && [...value].length > schema.maxLength) errors.push(`${path}: longer than ${schema.maxLength}`);
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) errors.push(`${path}: below ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) errors.push(`${path}: above ${schema.maximum}`);
    if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum) errors.push(`${path}: not above ${schema.exclusiveMinimum}`);
    if (typeof schema.exclusiveMaximum === 'number' && value >= schema.exclusiveMaximum) errors.push(`${path}: not below ${schema.exclusiveMaximum}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) errors.push(`${path}: fewer than ${schema.minItems} items`);
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) errors.push(`${path}: more than ${schema.maxItems} items`);
    if (isNode(schema.items)) value.forEach((item, i) => errors.push(...schemaErrors(schema.items as Node, item, root, `${path}[${i}]`)));
  }
  if (isNode(value)) {
    const properties = isNode(schema.properties) ? schema.properties : {};
    for (const key of Array.isArray(schema.required) ? (schema.required as string[]) : []) if (!(key in value)) errors.push(`${path}: missing ${key}`);
    for (const [key, item] of Object.entries(value)) {
      if (isNode(schema.propertyNames)) errors.push(...schemaErrors(schema.propertyNames, key, root, `${path}.${key} (name)`));
      if (isNode(properties[key])) errors.push(...schemaErrors(properties[key] as Node, item, root, `${path}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${path}: unknown key ${key}`);
      else if (isNode(schema.additionalProperties)) errors.push(...schemaErrors(schema.additionalProperties, item, root, `${path}.${key}`));
    }
  }
  if (Array.isArray(schema.allOf)) for (const branch of schema.allOf as Node[]) errors.push(...schemaErrors(branch, value, root, path));
  if (Array.isArray(schema.anyOf)) {
    const results = (schema.anyOf as Node[]).map((b) => schemaErrors(b, value, root, path));
    if (!results.some((r) => r.length === 0)) errors.push(`${path}: no anyOf branch fits (${results.map((r) => r[0]).join('; ')})`);
  }
  if (Array.isArray(schema.oneOf)) {
    const results = (schema.oneOf as Node[]).map((b) => schemaErrors(b, value, root, path));
    const fitting = results.filter((r) => r.length === 0).length;
    if (fitting !== 1) errors.push(`${path}: ${fitting} oneOf branches fit (${results.map((r) => r[0]).join('; ')})`);
  }
  return errors;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isNode(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    default:
      return typeof value === type;
  }
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

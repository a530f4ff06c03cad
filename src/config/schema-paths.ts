/**
 * Questions about the config schema at one key path ("which keys are allowed here?"), answered
 * from the generated JSON Schema: a plain tree that names every key the zod schema accepts, so
 * the did-you-mean of an unknown key can never offer a key `validate` would refuse.
 */
import { configJsonSchema } from './json-schema.js';

export type JsonSchemaNode = { readonly [key: string]: unknown };

let cached: JsonSchemaNode | undefined;
function rootSchema(): JsonSchemaNode {
  cached ??= configJsonSchema();
  return cached;
}

/**
 * The object schemas that may describe the value at `path`. Where a union offers several (a
 * source is an Entra or an Okta source), the branches whose `const` keys agree with the config's
 * own values come first, so `type: okta` gets Okta's keys.
 */
export function objectSchemasAt(path: readonly PropertyKey[], data: unknown, root: JsonSchemaNode = rootSchema()): JsonSchemaNode[] {
  let nodes = expand(root, data, root);
  let value = data;
  for (const key of path) {
    value = child(value, key);
    const next: JsonSchemaNode[] = [];
    for (const node of nodes) {
      const sub = typeof key === 'number' ? asNode(node.items) : (asNode(asNode(node.properties)?.[String(key)]) ?? asNode(node.additionalProperties));
      if (sub) next.push(...expand(sub, value, root));
    }
    nodes = next;
  }
  return nodes.filter((n) => n.properties !== undefined);
}

/** The keys allowed in the mapping at `path`, in schema order. */
export function allowedKeysAt(path: readonly PropertyKey[], data: unknown, root?: JsonSchemaNode): string[] {
  const keys = new Set<string>();
  for (const node of objectSchemasAt(path, data, root)) for (const key of Object.keys(asNode(node.properties) ?? {})) keys.add(key);
  return [...keys];
}

/** A schema node with its $ref resolved and its unions flattened; branches matching `value`'s consts first. */
function expand(node: JsonSchemaNode, value: unknown, root: JsonSchemaNode): JsonSchemaNode[] {
  const resolved = typeof node.$ref === 'string' ? (resolveRef(node.$ref, root) ?? node) : node;
  const branches = [...asNodes(resolved.anyOf), ...asNodes(resolved.oneOf), ...asNodes(resolved.allOf)];
  if (branches.length === 0) return [resolved];
  const all = branches.flatMap((b) => expand(b, value, root));
  const agreeing = all.filter((b) => constsAgree(b, value));
  return agreeing.length > 0 ? agreeing : all;
}

function constsAgree(node: JsonSchemaNode, value: unknown): boolean {
  const properties = asNode(node.properties);
  if (!properties || typeof value !== 'object' || value === null) return true;
  return Object.entries(properties).every(([key, property]) => {
    const p = asNode(property);
    if (!p || !('const' in p)) return true;
    const actual = (value as Record<string, unknown>)[key];
    return actual === undefined || actual === p.const;
  });
}

function resolveRef(ref: string, root: JsonSchemaNode): JsonSchemaNode | undefined {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) node = asNode(node)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  return asNode(node);
}

function child(value: unknown, key: PropertyKey): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  return (value as Record<PropertyKey, unknown>)[key];
}

function asNode(value: unknown): JsonSchemaNode | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonSchemaNode) : undefined;
}

function asNodes(value: unknown): JsonSchemaNode[] {
  return Array.isArray(value) ? value.flatMap((v) => (asNode(v) ? [asNode(v) as JsonSchemaNode] : [])) : [];
}

/**
 * The config's JSON Schema, generated from the zod schema so it can never drift from what
 * `validate` accepts. Editors (VS Code with the YAML extension, JetBrains) use it for completion
 * and inline errors through the `# yaml-language-server: $schema=…` line in config files.
 * Descriptions the zod schema lacks come from descriptions.ts, keyed by property path.
 */
import { z } from 'zod';
import { PROPERTY_DESCRIPTIONS } from './descriptions.js';
import { configSchema } from './schema.js';

type Node = Record<string, unknown>;

export function configJsonSchema(): Record<string, unknown> {
  // io: 'input' describes what admins write (durations as "40m"), not the parsed values.
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Node;
  forEachProperty(schema, (path, property) => {
    const description = PROPERTY_DESCRIPTIONS[path];
    if (property.description === undefined && description !== undefined) property.description = description;
  });
  return {
    ...schema,
    $id: 'https://provisiond.dev/schema/provisiond.schema.json',
    title: 'provisiond configuration',
    description: 'One YAML file: state, schedule, sources (IdPs) and jobs (source → SCIM target with mappings).',
  };
}

/**
 * Calls `visit` with every property of the schema and its path as descriptions.ts keys it:
 * `jobs[].target.url`, `sources.*.type` (a union's branches share their parent's path).
 */
export function forEachProperty(node: Node, visit: (path: string, property: Node) => void, path = ''): void {
  const properties = asNode(node.properties);
  if (properties) {
    for (const [key, value] of Object.entries(properties)) {
      const property = asNode(value);
      if (!property) continue;
      const childPath = path === '' ? key : `${path}.${key}`;
      visit(childPath, property);
      forEachProperty(property, visit, childPath);
    }
  }
  const items = asNode(node.items);
  if (items) forEachProperty(items, visit, `${path}[]`);
  const additional = asNode(node.additionalProperties);
  if (additional) forEachProperty(additional, visit, `${path}.*`);
  for (const union of ['anyOf', 'oneOf', 'allOf']) {
    const branches = node[union];
    if (Array.isArray(branches)) for (const branch of branches) if (asNode(branch)) forEachProperty(branch as Node, visit, path);
  }
}

function asNode(value: unknown): Node | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Node) : undefined;
}

/**
 * The config's JSON Schema, generated from the zod schema so it can never drift from what
 * `validate` accepts. Editors (VS Code with the YAML extension, JetBrains) use it for completion
 * and inline errors through the `# yaml-language-server: $schema=…` line in config files.
 */
import { z } from 'zod';
import { configSchema } from './schema.js';

export function configJsonSchema(): Record<string, unknown> {
  // io: 'input' describes what admins write (durations as "40m"), not the parsed values.
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://provisiond.dev/schema/provisiond.schema.json',
    title: 'provisiond configuration',
    description: 'One YAML file: state, schedule, sources (IdPs) and jobs (source → SCIM target with mappings).',
  };
}

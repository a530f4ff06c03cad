/** Every example in config/ is a config an admin can start from: valid, and wired to the JSON Schema. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../src/config/json-schema.js';
import { parseConfig } from '../../src/config/load.js';

const CONFIG_DIR = join(import.meta.dirname, '..', '..', 'config');
const examples = readdirSync(CONFIG_DIR).filter((f) => f.endsWith('.yaml'));

/** Each ${VAR} the example references, set to a placeholder: examples hold no secrets of their own. */
function environmentFor(text: string): Record<string, string> {
  return Object.fromEntries([...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)\}/g)].map((m) => [m[1] as string, `placeholder-${m[1]}`]));
}

describe('config examples', () => {
  it('has one per known app', () => {
    expect(examples).toEqual(expect.arrayContaining(['example.yaml', 'flip.yaml', 'flagsmith.yaml', 'flow-connect.yaml', 'flosum.yaml', 'generic.yaml']));
  });

  it.each(examples)('%s validates and points editors at the schema', (file) => {
    const text = readFileSync(join(CONFIG_DIR, file), 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./provisiond.schema.json');
    const loaded = parseConfig(text, file, { env: environmentFor(text), readFile: () => '' });
    expect(loaded.jobs.length).toBeGreaterThan(0);
    // Secrets come from the environment, never from the file.
    for (const job of loaded.config.jobs) expect(job.target.token).toMatch(/^placeholder-/);
  });

  it('the committed JSON Schema is the one generated from the zod schema (regenerate: provisiond schema > config/provisiond.schema.json)', () => {
    const committed = JSON.parse(readFileSync(join(CONFIG_DIR, 'provisiond.schema.json'), 'utf8')) as unknown;
    expect(committed).toEqual(configJsonSchema());
  });
});

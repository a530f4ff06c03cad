/** The JSON Schema editors use: every key explained, and every example config valid against it. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configJsonSchema, forEachProperty } from '../../src/config/json-schema.js';
import { schemaErrors } from '../support/json-schema-check.js';

const CONFIG_DIR = join(import.meta.dirname, '..', '..', 'config');
const schema = configJsonSchema();

function propertyAt(path: string): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  forEachProperty(schema, (p, property) => {
    if (p === path) found.push(property);
  });
  return found;
}

describe('the config JSON Schema', () => {
  it('describes every property (add the missing ones to src/config/descriptions.ts)', () => {
    const missing = new Set<string>();
    let count = 0;
    forEachProperty(schema, (path, property) => {
      count++;
      if (typeof property.description !== 'string' || property.description.trim() === '') missing.add(path);
    });
    expect(count).toBeGreaterThan(90);
    expect([...missing]).toEqual([]);
  });

  it('gives durations and count-or-percent values a pattern', () => {
    for (const path of ['schedule.every', 'schedule.fullSyncEvery', 'server.shutdownTimeout', 'jobs[].target.timeout', 'jobs[].schedule.every', 'sources.*.incrementalOverlap']) {
      const [property] = propertyAt(path);
      expect(property?.pattern, path).toEqual(expect.any(String));
      const pattern = new RegExp(property?.pattern as string);
      expect(['40m', '24h', '30s', '1.5h', '7d', '500ms'].every((d) => pattern.test(d)), path).toBe(true);
      expect(['40 minutes', '40', 'm'].some((d) => pattern.test(d)), path).toBe(false);
    }
    const [maxDeletes] = propertyAt('jobs[].safety.maxDeletes');
    expect(schemaErrors(maxDeletes!, '5%')).toEqual([]);
    expect(schemaErrors(maxDeletes!, 50)).toEqual([]);
    expect(schemaErrors(maxDeletes!, '5 percent')).not.toEqual([]);
  });

  it.each(readdirSync(CONFIG_DIR).filter((f) => f.endsWith('.yaml')))('accepts config/%s', (file) => {
    expect(schemaErrors(schema, parse(readFileSync(join(CONFIG_DIR, file), 'utf8')))).toEqual([]);
  });

  it('refuses what validate refuses: an unknown key, a duration in words, a wrong type', () => {
    const config = parse(readFileSync(join(CONFIG_DIR, 'example.yaml'), 'utf8')) as { schedule: Record<string, unknown>; jobs: { target: Record<string, unknown> }[] };
    config.schedule.every = '40 minutes';
    config.jobs[0]!.target.concurency = 4;
    config.jobs[0]!.target.concurrency = 'four';
    const errors = schemaErrors(schema, config).join('\n');
    expect(errors).toContain('$.schedule.every: "40 minutes" does not match');
    expect(errors).toContain('$.jobs[0].target: unknown key concurency');
    expect(errors).toContain('$.jobs[0].target.concurrency: expected integer, got "four"');
  });
});

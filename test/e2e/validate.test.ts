/** `provisiond validate` as an admin runs it after editing the YAML. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2eEnvironment } from './harness.js';

let env: E2eEnvironment;
let good: string;

beforeAll(async () => {
  env = await E2eEnvironment.start();
  good = env.writeConfig();
});
afterAll(async () => env?.stop());

function variant(name: string, edit: (text: string) => string): string {
  const path = join(env.dir, name);
  writeFileSync(path, edit(readFileSync(good, 'utf8')));
  return path;
}

describe('provisiond validate', () => {
  it('accepts a valid config', async () => {
    const run = await env.runCli(['validate', '--config', good]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('valid (1 job(s): app)');
  });

  it('refuses a typo’d key, naming the file, line and key path, and exits 2', async () => {
    const path = variant('typo.yaml', (t) => t.replace('"mappings"', '"mapings"'));
    const run = await env.runCli(['validate', '--config', path]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/typo\.yaml:\d+: jobs\[0\]\.users\.mapings: unknown key "mapings"; did you mean "mappings"\?/);
    expect(run.stderr).toContain('provisiond will not start until the config is fixed');
  });

  it('refuses a missing required key', async () => {
    const path = variant('missing.yaml', (t) => t.replace(/"tenantId": "[^"]*",\n\s*/, ''));
    const run = await env.runCli(['validate', '--config', path]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/sources\.corp\.tenantId: required key is missing/);
  });

  it('refuses an unset ${ENV} reference, naming the variable and the key', async () => {
    const run = await env.runCli(['validate', '--config', good], { SCIM_TOKEN: '' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/jobs\[0\]\.target\.token: environment variable SCIM_TOKEN is not set/);
  });

  it('refuses to start --sync-now on a bad config and touches nothing', async () => {
    const path = variant('bad-expr.yaml', (t) => t.replace('"constant": "en-US"', '"expression": "Join(\\", \\", [givenName]"'));
    await env.clearScimRequests();
    const run = await env.runCli(['--sync-now', '--config', path]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/jobs\[0\]\.users\.mappings\[8\]\.expression: column \d+/);
    expect(await env.scimRequests()).toEqual([]);
    expect(env.graph.requests).toEqual([]);
  });

  it('names a missing config file and how to point at one', async () => {
    const run = await env.runCli(['validate', '--config', join(env.dir, 'nope.yaml')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/nope\.yaml: \(top level\): file not found; pass --config PATH or set PROVISIOND_CONFIG/);
  });
});

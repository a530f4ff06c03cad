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

  it('refuses a misspelt source attribute, with file, line, key path and a did-you-mean', async () => {
    const path = variant('attr.yaml', (t) => t.replace('"source": "jobTitle"', '"source": "jobtitel"'));
    const line = readFileSync(path, 'utf8').split('\n').findIndex((l) => l.includes('jobtitel')) + 1;
    const run = await env.runCli(['validate', '--config', path]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`attr.yaml:${line}: jobs[0].users.mappings[6].source: "jobtitel" is not a Microsoft Graph user property; did you mean "jobTitle"?`);
  });

  it('accepts a .NET scope pattern and refuses one that does not compile, naming its key', async () => {
    const withFilter = (name: string, value: string) =>
      variant(name, (t) => t.replace('"target": {', `"scope": { "filters": [{ "attribute": "department", "operator": "REGEX MATCH", "value": ${JSON.stringify(value)} }] },\n      "target": {`));
    expect((await env.runCli(['validate', '--config', withFilter('regex-ok.yaml', '(?i)^r')])).code).toBe(0);
    const bad = await env.runCli(['validate', '--config', withFilter('regex-bad.yaml', '(?i)^(r')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/regex-bad\.yaml:\d+: jobs\[0\]\.scope\.filters\[0\]\.value: invalid regular expression "\(\?i\)\^\(r": Unterminated group/);
  });

  it('reports a wrong type as a wrong type, with the value seen', async () => {
    const path = variant('type.yaml', (t) => t.replace('"concurrency": 4', '"concurrency": "four"'));
    const run = await env.runCli(['validate', '--config', path]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/type\.yaml:\d+: jobs\[0\]\.target\.concurrency: expected a number, got the string "four"\n/);
    expect(run.stderr).not.toContain('required key is missing');
  });

  it('reports an unknown key at its own line with a did-you-mean, and nothing else', async () => {
    const path = variant('unknown.yaml', (t) => t.replace('"maxRetries": 2', '"maxRetrys": 2'));
    const line = readFileSync(path, 'utf8').split('\n').findIndex((l) => l.includes('maxRetrys')) + 1;
    const run = await env.runCli(['validate', '--config', path]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `invalid config ${path}:\n  - ${path}:${line}: jobs[0].target.maxRetrys: unknown key "maxRetrys"; did you mean "maxRetries"?\nprovisiond will not start until the config is fixed.\n`,
    );
  });

  it('names a missing config file and how to point at one', async () => {
    const run = await env.runCli(['validate', '--config', join(env.dir, 'nope.yaml')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/nope\.yaml: \(top level\): file not found; pass --config PATH or set PROVISIOND_CONFIG/);
  });
});

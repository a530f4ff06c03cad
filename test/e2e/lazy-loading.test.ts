/**
 * Commands that never read a directory start without loading the IdP SDKs (they take most of a
 * second to load): the built CLI runs with a module hook that records every module it loads.
 * A --sync-now run is the control: the same recorder sees the SDKs there, so it can see them at all.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2eEnvironment, type CliResult } from './harness.js';

// ESM imports pass the resolve hook (it runs in the loader thread); CommonJS require()s inside
// packages do not, so the process also writes out require.cache when it exits.
const HOOKS = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.MODULE_RECORD, resolved.url + '\\n');
  return resolved;
}
`;
const REGISTER = `
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
register(new URL('./record-hooks.mjs', import.meta.url));
process.on('exit', () => appendFileSync(process.env.MODULE_RECORD, Object.keys(createRequire(import.meta.url).cache).join('\\n') + '\\n'));
`;

const SDK = /\/node_modules\/@(azure|microsoft|okta)\//;
const DAEMON_ONLY = /\/node_modules\/prom-client\//;

let env: E2eEnvironment;
let config: string;
let runIndex = 0;

beforeAll(async () => {
  env = await E2eEnvironment.start();
  env.graph.upsertUser({ userPrincipalName: 'ada@contoso.example', givenName: 'Ada', surname: 'Lovelace' });
  config = env.writeConfig();
  writeFileSync(join(env.dir, 'record-hooks.mjs'), HOOKS);
  writeFileSync(join(env.dir, 'record-register.mjs'), REGISTER);
});
afterAll(async () => env?.stop());

/** Runs the CLI with the recorder; returns its result and every module file it loaded. */
async function runRecorded(args: readonly string[]): Promise<{ run: CliResult; modules: string[] }> {
  const record = join(env.dir, `modules-${runIndex++}.txt`);
  writeFileSync(record, '');
  const run = await env.runCli(args, {
    NODE_OPTIONS: `--import ${pathToFileURL(join(env.dir, 'record-register.mjs')).href}`,
    MODULE_RECORD: record,
  });
  const modules = [...new Set(readFileSync(record, 'utf8').split('\n').filter(Boolean))];
  return { run, modules };
}

describe('start-up loads only what the command uses', () => {
  it('the recorder sees the SDKs when a cycle reads the directory', async () => {
    const { run, modules } = await runRecorded(['--sync-now', '--config', config]);
    expect(run.code).toBe(0);
    expect(modules.filter((m) => /\/node_modules\/@azure\/identity\//.test(m)).length).toBeGreaterThan(0);
    expect(modules.filter((m) => /\/node_modules\/@microsoft\/microsoft-graph-client\//.test(m)).length).toBeGreaterThan(0);
    // A one-shot cycle runs no daemon: no metrics registry.
    expect(modules.filter((m) => DAEMON_ONLY.test(m))).toEqual([]);
  });

  it.each([
    ['--help', ['--help'], 0, 'Usage: provisiond'],
    ['validate', ['validate', '--config', '{config}'], 0, 'valid (1 job(s): app)'],
    ['expr', ['expr', 'ToLower([givenName])', '--attrs', '{"givenName":"Ada"}'], 0, 'ada'],
    ['schema', ['schema'], 0, '"$schema"'],
    ['status', ['status', '--config', '{config}'], 0, 'job app'],
    ['a usage error', ['status', '--config', '{config}', '--runs', 'zero'], 2, ''],
  ])('%s loads no IdP SDK and no daemon module', async (_name, args, code, output) => {
    const { run, modules } = await runRecorded(args.map((a) => (a === '{config}' ? config : a)));
    expect(run.code).toBe(code);
    expect(run.stdout).toContain(output);
    expect(modules.some((m) => m.endsWith('/dist/main.js'))).toBe(true);
    expect(modules.filter((m) => SDK.test(m))).toEqual([]);
    expect(modules.filter((m) => DAEMON_ONLY.test(m))).toEqual([]);
  });
});

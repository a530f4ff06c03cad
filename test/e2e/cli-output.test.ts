/**
 * The CLI as its users meet it, through the built dist/main.js: the pretty form on a real
 * pseudo-terminal (util-linux `script`), `plan --json` / `--detailed-exitcode` / the closing
 * summary, the `--sync-now` summary with a failed object and a guarded deletion (and the release
 * command it prints, run as printed), `--version`, and every exit code the README documents.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, E2eEnvironment, ROOT, SECRETS } from './harness.js';

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
const ANSI = /\u001b\[[0-9;]*m/g;

let env: E2eEnvironment;
let config: string;
let release = '';
const ids: string[] = [];

beforeAll(async () => {
  env = await E2eEnvironment.start();
  for (let i = 0; i < 12; i++) {
    const name = `out-${String(i).padStart(2, '0')}`;
    ids.push(env.graph.upsertUser({ userPrincipalName: `${name}@contoso.example`, mail: `${name}@contoso.example`, givenName: name, surname: 'Output', department: 'Ops' }));
  }
  // Three users leave at once: above maxDeletes, within maxSourceDrop, so the guard (not the read check) holds them.
  config = env.writeConfig({ safety: { maxDeletes: 2, maxSourceDrop: '50%' } });
});
afterAll(async () => env?.stop());

/** The CLI on a pseudo-terminal, as an on-call engineer runs it: stdout and stderr are the terminal. */
function runOnTerminal(args: readonly string[]): Promise<{ code: number; output: string }> {
  const command = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    cwd: env.dir,
    env: { PATH: process.env.PATH ?? '', TERM: 'xterm', NODE_EXTRA_CA_CERTS: env.certPath, ...SECRETS },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, output: output.replace(/\r\n/g, '\n') }));
  });
}

/** The last stdout line, parsed: where `--sync-now` puts its summary in JSON mode. */
function summaryLine(stdout: string): Record<string, unknown> {
  const last = stdout.trimEnd().split('\n').at(-1) ?? '';
  return JSON.parse(last) as Record<string, unknown>;
}

describe('provisiond --version and usage errors', () => {
  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const run = await env.runCli(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${version}\n`);
  });

  it('exit 2 for commander’s own usage errors and for a bad config; 1 for every error under plan --detailed-exitcode', async () => {
    const unknown = await env.runCli(['--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("error: unknown option '--bogus'");

    const broken = join(env.dir, 'broken.yaml');
    writeFileSync(broken, 'jobs: [ { name: x } ]\n');
    const invalid = await env.runCli(['validate', '--config', broken]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('provisiond will not start until the config is fixed');
    const detailed = await env.runCli(['plan', '--detailed-exitcode', '--config', broken]);
    expect(detailed.code).toBe(1);
    expect(detailed.stderr).toContain('provisiond will not start until the config is fixed');
  });

  it('expr honours IsSoftDeleted given in --attrs', async () => {
    const deleted = await env.runCli(['expr', 'Switch([IsSoftDeleted], , "False", "True", "True", "False")', '--attrs', '{"IsSoftDeleted":true}']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toBe('False\n');
  });
});

describe('plan', () => {
  it.skipIf(!hasScript)('on a terminal: pretty, the first 10 of a kind, and the closing summary', async () => {
    const short = await runOnTerminal(['plan', '--config', config]);
    expect(short.code, short.output).toBe(0);
    const text = short.output.replace(ANSI, '');
    expect(text).toContain('Create (12)');
    expect(text).toContain('… and 2 more (--all lists them, --json gives them to a script)');
    expect(text).not.toContain('out-11@contoso.example');
    expect(text.trimEnd().split('\n').at(-1)).toBe('Plan: 12 to create, 0 to update, 0 to disable, 0 to delete, 0 membership changes');
  });

  it('--json prints exactly one JSON document with every operation as old → new; --detailed-exitcode says 2', async () => {
    const run = await env.runCli(['plan', '--json', '--detailed-exitcode', '--config', config]);
    expect(run.code, run.stderr).toBe(2);
    const plan = JSON.parse(run.stdout) as { complete: boolean; changes: boolean; summary: Record<string, number>; jobs: { operations: { kind: string; label: string; changes: { path: string; old: unknown; new: unknown }[] }[] }[] };
    expect(plan).toMatchObject({ complete: true, changes: true, summary: { create: 12, update: 0, disable: 0, delete: 0, membershipChanges: 0 } });
    const ada = plan.jobs[0]!.operations.find((o) => o.label === 'out-00@contoso.example');
    expect(ada?.kind).toBe('create');
    expect(ada?.changes).toContainEqual({ path: 'userName', old: null, new: 'out-00@contoso.example' });
  });
});

describe('--sync-now summary', () => {
  it('exit 1: names the object the app refused, with its status and error, in the last JSON line', async () => {
    await env.injectScimFault({ status: 400, scimType: 'invalidValue', count: 1, method: 'POST', path: '/Users', match: 'out-11@contoso.example' });
    const run = await env.runCli(['--sync-now', '--config', config]);
    await env.clearScimFaults();
    expect(run.code, run.stdout.slice(-3000)).toBe(1);
    const summary = summaryLine(run.stdout);
    expect(summary).toMatchObject({ level: 'error', msg: 'sync-now summary: a cycle failed', exitCode: 1 });
    const [job] = summary.jobs as { job: string; outcome: string; counts: Record<string, number>; failures: { sourceId: string; operation: string; status: number; error: string }[]; next: string[] }[];
    expect(job).toMatchObject({ job: 'app', outcome: 'failed', counts: { created: 11, failed: 1 } });
    expect(job!.failures).toHaveLength(1);
    expect(job!.failures[0]).toMatchObject({ operation: 'create', status: 400 });
    expect(job!.failures[0]!.sourceId).toBe(ids[11]);
    expect(job!.next.join(' ')).toContain(`provisiond --config ${config} status --job app`);
  });

  it('exit 3: what the guard held and the exact command that releases it — which works, pasted as printed', async () => {
    for (const id of ids.slice(0, 3)) env.graph.hardDeleteUser(id);
    const run = await env.runCli(['--sync-now', '--config', config]);
    expect(run.code, run.stdout.slice(-3000)).toBe(3);
    const summary = summaryLine(run.stdout);
    expect(summary).toMatchObject({ level: 'warn', exitCode: 3, exitMeaning: 'deprovisioning was held back by a safety guard' });
    const [job] = summary.jobs as { outcome: string; held: { verdict: string; count: number; objects: { sourceId: string }[]; release: string } }[];
    expect(job!.outcome).toBe('guarded');
    expect(job!.held).toMatchObject({ verdict: 'guarded', count: 3, release: `provisiond --config ${config} --sync-now --job app --allow-deletes` });
    expect(job!.held.objects.map((o) => o.sourceId).sort()).toEqual(ids.slice(0, 3).sort());
    release = job!.held.release;
  });

  it.skipIf(!hasScript)('on a terminal: readable log lines, then the summary as a block of text', async () => {
    const pretty = await runOnTerminal(['--sync-now', '--config', config]);
    expect(pretty.code).toBe(3);
    const text = pretty.output.replace(ANSI, '');
    expect(text).not.toContain('{"level"');
    expect(text).toMatch(/^\d\d:\d\d:\d\d WARN {2}app {2}cycle guarded {2}.*held=3/m);
    expect(text).toContain('  job app: GUARDED in ');
    expect(text).toContain('    held by the safety guard: 3 disable(s)/delete(s)');
    expect(text).toContain(`    release them once: provisiond --config ${config} --sync-now --job app --allow-deletes`);
    expect(text.trimEnd().split('\n').at(-1)).toBe('exit code 3: deprovisioning was held back by a safety guard');
    expect(pretty.output).toMatch(ANSI); // colour on a terminal
  });

  it('the release command, pasted as printed, lets the held deletions through; then plan --detailed-exitcode says 0', async () => {
    const [command, ...args] = release.split(' ');
    expect(command).toBe('provisiond');
    const released = await env.runCli(args);
    expect(released.code, released.stdout.slice(-3000)).toBe(0);
    const [done] = summaryLine(released.stdout).jobs as { outcome: string; counts: Record<string, number> }[];
    expect(done!.outcome).toBe('success');
    expect((done?.counts.disabled ?? 0) + (done?.counts.deleted ?? 0)).toBe(3);

    // Everything sent (the refused create went again in the guarded cycle): plan has nothing to do.
    const quiet = await env.runCli(['plan', '--detailed-exitcode', '--config', config]);
    expect(quiet.code, quiet.stdout).toBe(0);
    expect(quiet.stdout.trimEnd().split('\n').at(-1)).toBe('Plan: 0 to create, 0 to update, 0 to disable, 0 to delete, 0 membership changes');
  });
});

/**
 * What every end-to-end harness shares: the SCIM server in its own process (with its admin API
 * for assertions and faults), the built CLI run as a user would run it, and a temp directory.
 * harness.ts (Entra) and okta-harness.ts add their IdP fake on top.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { ScimFault, ScimRequestLogEntry, ScimResource } from '../../dev/scim-server.js';
import { DuplicateKeyError, parseLogOutput } from './log-lines.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'main.js');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON log lines (non-JSON lines are left out); a line that repeats a key fails the run. */
  readonly logs: Record<string, unknown>[];
}

export interface RunningCli {
  readonly result: Promise<CliResult>;
  /** The first log line that matches, as soon as the CLI prints it; rejects if it exits without one. */
  waitForLog(match: (record: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

export interface ScimApp {
  readonly process: ChildProcess;
  readonly url: string;
  readonly adminUrl: string;
}

export abstract class ScimTestEnvironment {
  protected constructor(
    readonly dir: string,
    private readonly app: ScimApp,
    /** What the CLI's environment always holds: secrets and trust anchors, as a deployment would set them. */
    private readonly cliEnvironment: Record<string, string>,
  ) {}

  protected static tempDir(prefix: string): string {
    return mkdtempSync(join(tmpdir(), prefix));
  }

  /** Starts dist-dev/dev/scim-server.js (or an app emulator: `seed-app.js`, `--app NAME`) and waits for the line with its URLs. */
  protected static async startScimApp(token: string, script = 'scim-server.js', args: readonly string[] = []): Promise<ScimApp> {
    const child = spawn(process.execPath, [join(ROOT, 'dist-dev', 'dev', script), '--port', '0', '--token', token, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const first = await new Promise<string>((resolveLine, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolveLine);
      child.once('exit', (code) => reject(new Error(`SCIM server exited with ${code}`)));
    });
    const { url, adminUrl } = JSON.parse(first) as { url: string; adminUrl: string };
    return { process: child, url, adminUrl };
  }

  get scimUrl(): string {
    return this.app.url;
  }

  get adminUrl(): string {
    return this.app.adminUrl;
  }

  runCli(args: readonly string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
    return this.startCli(args, extraEnv).result;
  }

  /** The CLI started, for a test that acts on its log lines while it runs. */
  startCli(args: readonly string[], extraEnv: Record<string, string> = {}): RunningCli {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: this.dir,
      env: { PATH: process.env.PATH ?? '', ...this.cliEnvironment, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const waiters: { match: (record: Record<string, unknown>) => boolean; resolve: (record: Record<string, unknown>) => void }[] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const { records } = parseLogOutput(stdout);
      for (const waiter of [...waiters]) {
        const found = records.find(waiter.match);
        if (found) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(found);
        }
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const result = new Promise<CliResult>((resolveRun, reject) => {
      child.once('error', reject);
      child.once('close', (code) => {
        // Every line, whatever the test asserts on: a repeated key is a bug in what ops would read.
        // (`plan` logs to stderr, to keep its stdout for the plan.)
        const { records, repeated } = parseLogOutput(stdout);
        const repeatedOnStderr = parseLogOutput(stderr).repeated;
        if (repeated.length + repeatedOnStderr.length > 0) reject(new DuplicateKeyError([...repeated, ...repeatedOnStderr]));
        else resolveRun({ code: code ?? -1, stdout, stderr, logs: records });
      });
    });
    return {
      result,
      waitForLog: (match) =>
        new Promise((resolveLine, reject) => {
          const found = parseLogOutput(stdout).records.find(match);
          if (found) return resolveLine(found);
          waiters.push({ match, resolve: resolveLine });
          // It ended without the line: fail now, with what it said.
          result.then(
            (run) => reject(new Error(`the CLI exited (${run.code}) without the log line; stdout: ${run.stdout.slice(-2000)} stderr: ${run.stderr}`)),
            reject,
          );
        }),
    };
  }

  async scimRequests(): Promise<ScimRequestLogEntry[]> {
    return (await (await fetch(`${this.adminUrl}/requests`)).json()) as ScimRequestLogEntry[];
  }

  async clearScimRequests(): Promise<void> {
    await fetch(`${this.adminUrl}/requests`, { method: 'DELETE' });
  }

  async scimUsers(): Promise<ScimResource[]> {
    return (await (await fetch(`${this.adminUrl}/users`)).json()) as ScimResource[];
  }

  async createScimUserByHand(resource: Record<string, unknown>): Promise<ScimResource> {
    const response = await fetch(`${this.adminUrl}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], ...resource }),
    });
    return (await response.json()) as ScimResource;
  }

  async deleteScimUserBehindOurBack(id: string): Promise<void> {
    await fetch(`${this.adminUrl}/users/${id}`, { method: 'DELETE' });
  }

  /** Makes the next matching SCIM requests fail (or be slow), as an app in trouble would. */
  async injectScimFault(fault: ScimFault): Promise<void> {
    await fetch(`${this.adminUrl}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault) });
  }

  async clearScimFaults(): Promise<void> {
    await fetch(`${this.adminUrl}/faults`, { method: 'DELETE' });
  }

  protected stopScimApp(): void {
    this.app.process.kill('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function writes(requests: readonly ScimRequestLogEntry[]): ScimRequestLogEntry[] {
  return requests.filter((r) => r.method !== 'GET');
}

/** The cycle summary log line ("cycle success", "cycle failed", …). */
export function cycleSummary(run: CliResult): Record<string, unknown> | undefined {
  return run.logs.find((l) => typeof l.msg === 'string' && l.msg.startsWith('cycle '));
}

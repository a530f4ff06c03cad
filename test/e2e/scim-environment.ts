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
import type { ScimFault, ScimRequestLogEntry, ScimResource } from '../../src/dev/scim-server.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'main.js');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON log lines (non-JSON lines are left out). */
  readonly logs: Record<string, unknown>[];
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

  /** Starts dist/dev/scim-server.js and waits for the line with its URLs. */
  protected static async startScimApp(token: string): Promise<ScimApp> {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'dev', 'scim-server.js'), '--port', '0', '--token', token], {
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
    return new Promise((resolveRun, reject) => {
      const child = spawn(process.execPath, [CLI, ...args], {
        cwd: this.dir,
        env: { PATH: process.env.PATH ?? '', ...this.cliEnvironment, ...extraEnv },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('error', reject);
      child.once('close', (code) => resolveRun({ code: code ?? -1, stdout, stderr, logs: stdout.split('\n').flatMap(parseJsonLine) }));
    });
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

function parseJsonLine(line: string): Record<string, unknown>[] {
  if (!line.startsWith('{')) return [];
  try {
    return [JSON.parse(line) as Record<string, unknown>];
  } catch {
    return [];
  }
}

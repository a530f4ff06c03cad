/**
 * End-to-end harness for Okta sources: the Okta fake (plain HTTP, in the test process), the SCIM
 * server (its own process), and the built CLI run as a user would run it, with secrets in its
 * environment. The Entra twin is harness.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startOktaFake, type OktaFake, type OktaFakeOptions } from '../../src/dev/okta-fake.js';
import type { ScimRequestLogEntry, ScimResource } from '../../src/dev/scim-server.js';
import { CLI, ROOT, type CliResult } from './harness.js';

export const OKTA_SECRETS = {
  OKTA_API_TOKEN: 'e2e-okta-api-token-4d8a2c',
  SCIM_TOKEN: 'e2e-scim-token-1f7d3b',
} as const;

/** The harness.ts job's mappings with Okta's attribute names in place of Graph's. */
export const OKTA_USER_MAPPINGS = [
  { target: 'userName', source: 'login', required: true },
  { target: 'externalId', source: 'id' },
  { target: 'name.givenName', source: 'firstName' },
  { target: 'name.familyName', source: 'lastName' },
  { target: 'displayName', source: 'displayName' },
  { target: 'emails[type eq "work"].value', source: 'email' },
  { target: 'title', source: 'title' },
  { target: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', source: 'department' },
  { target: 'preferredLanguage', constant: 'en-US' },
];

export interface OktaJobOptions {
  /** Keys merged into the job (scope, safety…). */
  readonly job?: Record<string, unknown>;
  /** Keys merged into the job's `users` (deprovision…). */
  readonly users?: Record<string, unknown>;
  /** Keys merged into the source (orgUrl, token, maxRetries…). */
  readonly source?: Record<string, unknown>;
}

export class OktaE2eEnvironment {
  private constructor(
    readonly dir: string,
    readonly okta: OktaFake,
    readonly scimUrl: string,
    readonly adminUrl: string,
    private readonly scimProcess: ChildProcess,
  ) {}

  static async start(options: Omit<OktaFakeOptions, 'tokens'> = {}): Promise<OktaE2eEnvironment> {
    const dir = mkdtempSync(join(tmpdir(), 'provisiond-okta-e2e-'));
    const okta = await startOktaFake({ ...options, tokens: [OKTA_SECRETS.OKTA_API_TOKEN] });
    const scim = spawn(process.execPath, [join(ROOT, 'dist', 'dev', 'scim-server.js'), '--port', '0', '--token', OKTA_SECRETS.SCIM_TOKEN], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const first = await new Promise<string>((resolveLine, reject) => {
      createInterface({ input: scim.stdout! }).once('line', resolveLine);
      scim.once('exit', (code) => reject(new Error(`SCIM server exited with ${code}`)));
    });
    const { url, adminUrl } = JSON.parse(first) as { url: string; adminUrl: string };
    return new OktaE2eEnvironment(dir, okta, url, adminUrl, scim);
  }

  /** Writes a config whose secrets are ${ENV} references, as admins are told to. */
  writeConfig(options: OktaJobOptions = {}, name = 'provisiond.yaml'): string {
    const config = {
      state: { path: join(this.dir, 'state.db') },
      log: { level: 'info' },
      sources: {
        corp: { type: 'okta', orgUrl: this.okta.orgUrl, token: '${OKTA_API_TOKEN}', maxRetries: 2, ...options.source },
      },
      jobs: [
        {
          name: 'app',
          source: 'corp',
          target: { url: this.scimUrl, token: '${SCIM_TOKEN}', concurrency: 4, maxRetries: 2 },
          users: { match: [{ target: 'userName', source: 'login' }], mappings: OKTA_USER_MAPPINGS, ...options.users },
          safety: { maxDeletes: 10 },
          ...options.job,
        },
      ],
    };
    const path = join(this.dir, name);
    writeFileSync(path, JSON.stringify(config, null, 2));
    return path;
  }

  runCli(args: readonly string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
    return new Promise((resolveRun, reject) => {
      const child = spawn(process.execPath, [CLI, ...args], {
        cwd: this.dir,
        env: { PATH: process.env.PATH ?? '', ...OKTA_SECRETS, ...extraEnv },
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

  async stop(): Promise<void> {
    this.scimProcess.kill('SIGTERM');
    await this.okta.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
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

/**
 * End-to-end harness: the Graph fake (HTTPS, in the test process), the SCIM server (its own
 * process), and the built CLI run as a user would run it, with secrets in its environment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { startGraphFake, type GraphFake } from '../../src/dev/graph-fake.js';
import type { ScimFault, ScimRequestLogEntry, ScimResource } from '../../src/dev/scim-server.js';
import { writeTestCertificate } from '../../src/dev/tls.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'main.js');

export const SECRETS = {
  ENTRA_CLIENT_SECRET: 'e2e-client-secret-5f1d9a',
  SCIM_TOKEN: 'e2e-scim-token-8c2b7e',
} as const;

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON log lines (non-JSON lines are left out). */
  readonly logs: Record<string, unknown>[];
}

export class E2eEnvironment {
  private constructor(
    readonly dir: string,
    readonly graph: GraphFake,
    readonly certPath: string,
    readonly scimUrl: string,
    readonly adminUrl: string,
    private readonly scimProcess: ChildProcess,
  ) {}

  static async start(): Promise<E2eEnvironment> {
    const dir = mkdtempSync(join(tmpdir(), 'provisiond-e2e-'));
    const tls = writeTestCertificate(dir);
    const graph = await startGraphFake({
      tls,
      tenantId: '11111111-2222-3333-4444-555555555555',
      clientId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      clientSecret: SECRETS.ENTRA_CLIENT_SECRET,
    });
    const scim = spawn(process.execPath, [join(ROOT, 'dist', 'dev', 'scim-server.js'), '--port', '0', '--token', SECRETS.SCIM_TOKEN], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const first = await new Promise<string>((resolveLine, reject) => {
      const lines = createInterface({ input: scim.stdout! });
      lines.once('line', resolveLine);
      scim.once('exit', (code) => reject(new Error(`SCIM server exited with ${code}`)));
    });
    const { url, adminUrl } = JSON.parse(first) as { url: string; adminUrl: string };
    return new E2eEnvironment(dir, graph, tls.certPath, url, adminUrl, scim);
  }

  /** Writes a config whose secrets are ${ENV} references, as admins are told to. */
  writeConfig(job: Record<string, unknown> = {}, name = 'provisiond.yaml', source: Record<string, unknown> = {}): string {
    const config = {
      // One snapshot per config file, so scenarios sharing the fakes do not share state.
      state: { path: join(this.dir, name === 'provisiond.yaml' ? 'state.db' : name.replace(/\.ya?ml$/, '.db')) },
      log: { level: 'info' },
      sources: {
        corp: {
          type: 'entra',
          tenantId: this.graph.tenantId,
          clientId: this.graph.clientId,
          clientSecret: '${ENTRA_CLIENT_SECRET}',
          graphUrl: this.graph.graphUrl,
          authorityHost: this.graph.authorityHost,
          maxRetries: 3,
          ...source,
        },
      },
      jobs: [
        {
          name: 'app',
          source: 'corp',
          target: { url: this.scimUrl, token: '${SCIM_TOKEN}', concurrency: 4, maxRetries: 2 },
          users: {
            match: [{ target: 'userName', source: 'userPrincipalName' }],
            mappings: [
              { target: 'userName', source: 'userPrincipalName', required: true },
              { target: 'externalId', source: 'objectId' },
              { target: 'name.givenName', source: 'givenName' },
              { target: 'name.familyName', source: 'surname' },
              { target: 'displayName', source: 'displayName' },
              { target: 'emails[type eq "work"].value', source: 'mail' },
              { target: 'title', source: 'jobTitle' },
              { target: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', source: 'department' },
              { target: 'preferredLanguage', constant: 'en-US' },
            ],
          },
          safety: { maxDeletes: 10 },
          ...job,
        },
      ],
    };
    const path = join(this.dir, name);
    // JSON is YAML: the file is what an admin would write, minus the comments.
    writeFileSync(path, JSON.stringify(config, null, 2));
    return path;
  }

  runCli(args: readonly string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
    return new Promise((resolveRun, reject) => {
      const child = spawn(process.execPath, [CLI, ...args], {
        cwd: this.dir,
        env: { PATH: process.env.PATH ?? '', NODE_EXTRA_CA_CERTS: this.certPath, ...SECRETS, ...extraEnv },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('error', reject);
      child.once('close', (code) =>
        resolveRun({ code: code ?? -1, stdout, stderr, logs: stdout.split('\n').flatMap((line) => parseJsonLine(line)) }),
      );
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

  async stop(): Promise<void> {
    this.scimProcess.kill('SIGTERM');
    await this.graph.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function writes(requests: readonly ScimRequestLogEntry[]): ScimRequestLogEntry[] {
  return requests.filter((r) => r.method !== 'GET');
}

function parseJsonLine(line: string): Record<string, unknown>[] {
  if (!line.startsWith('{')) return [];
  try {
    return [JSON.parse(line) as Record<string, unknown>];
  } catch {
    return [];
  }
}

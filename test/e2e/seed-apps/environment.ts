/**
 * The seed-app e2e environment: one Graph fake per file with the seed directory, and per app its
 * emulator process (dist-dev/dev/seed-app.js) and the example from config/ run as written — only
 * the secrets (environment variables the example names), the state path and the URLs (target.url,
 * the source's graphUrl and authorityHost) are set, through their documented keys.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { startGraphFake, type GraphFake } from '../../../dev/graph-fake.js';
import type { ScimResource } from '../../../dev/scim-server.js';
import { writeTestCertificate } from '../../../dev/tls.js';
import { ROOT, ScimTestEnvironment, writes, type CliResult, type ScimApp } from '../scim-environment.js';

const TENANT_ID = '11111111-2222-3333-4444-555555555555';
const CLIENT_ID = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const CLIENT_SECRET = 'seed-apps-client-secret-3e9a1c';

export class SeedDirectory {
  private constructor(
    readonly dir: string,
    readonly graph: GraphFake,
    readonly certPath: string,
  ) {}

  static async start(): Promise<SeedDirectory> {
    const dir = SeedApp.scratch();
    const tls = writeTestCertificate(dir);
    const graph = await startGraphFake({ tls, tenantId: TENANT_ID, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    return new SeedDirectory(dir, graph, tls.certPath);
  }

  /** What a deployment puts in the environment for the source: the ${ENTRA_…} the examples name. */
  get sourceEnvironment(): Record<string, string> {
    return { NODE_EXTRA_CA_CERTS: this.certPath, ENTRA_TENANT_ID: TENANT_ID, ENTRA_CLIENT_ID: CLIENT_ID, ENTRA_CLIENT_SECRET: CLIENT_SECRET };
  }

  async close(): Promise<void> {
    await this.graph.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface SyncResult {
  readonly run: CliResult;
  readonly requests: Awaited<ReturnType<ScimTestEnvironment['scimRequests']>>;
  readonly sent: ReturnType<typeof writes>;
}

export class SeedApp extends ScimTestEnvironment {
  private constructor(
    dir: string,
    app: ScimApp,
    environment: Record<string, string>,
    private readonly directory: SeedDirectory,
  ) {
    super(dir, app, environment);
  }

  static scratch(): string {
    return ScimTestEnvironment.tempDir('provisiond-seed-');
  }

  /** Starts the emulator `app`; `environment` holds the example's other ${VARS} (its token, an app id). */
  static async start(directory: SeedDirectory, app: string, environment: Record<string, string>): Promise<SeedApp> {
    const tokenVariable = Object.keys(environment).find((k) => /TOKEN|API_KEY/.test(k));
    if (!tokenVariable) throw new Error('the environment must hold the app token');
    const process = await ScimTestEnvironment.startScimApp(environment[tokenVariable] as string, 'seed-app.js', ['--app', app]);
    return new SeedApp(SeedApp.scratch(), process, { ...directory.sourceEnvironment, ...environment }, directory);
  }

  /**
   * config/<example> as written, with the state path and the URLs set; `edit` changes more, for a
   * test that is explicitly about a variant. Returns the path of the file written.
   */
  example(file: string, options: { state?: string; edit?: (doc: ReturnType<typeof parseDocument>) => void } = {}): string {
    const doc = parseDocument(readFileSync(join(ROOT, 'config', file), 'utf8'));
    doc.setIn(['state', 'path'], join(this.dir, options.state ?? 'state.db'));
    const sources = doc.get('sources') as { items: { key: { value: string } }[] };
    for (const { key } of sources.items) {
      doc.setIn(['sources', key.value, 'graphUrl'], this.directory.graph.graphUrl);
      doc.setIn(['sources', key.value, 'authorityHost'], this.directory.graph.authorityHost);
    }
    const jobs = doc.get('jobs') as { items: unknown[] };
    jobs.items.forEach((_job, index) => doc.setIn(['jobs', index, 'target', 'url'], this.scimUrl));
    options.edit?.(doc);
    const path = join(this.dir, `${options.state ?? 'state'}-${file}`);
    writeFileSync(path, doc.toString());
    return path;
  }

  async sync(config: string, ...args: string[]): Promise<SyncResult> {
    await this.clearScimRequests();
    const run = await this.runCli(['--sync-now', '--config', config, ...args]);
    const requests = await this.scimRequests();
    return { run, requests, sent: writes(requests) };
  }

  async groups(): Promise<ScimResource[]> {
    return (await (await fetch(`${this.adminUrl}/groups`)).json()) as ScimResource[];
  }

  async user(userName: string): Promise<ScimResource | undefined> {
    return (await this.scimUsers()).find((u) => String(u['userName']).toLowerCase() === userName.toLowerCase());
  }

  async createScimGroupByHand(resource: Record<string, unknown>): Promise<ScimResource> {
    const response = await fetch(`${this.adminUrl}/groups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], ...resource }),
    });
    return (await response.json()) as ScimResource;
  }

  stop(): void {
    this.stopScimApp();
  }
}

/** userNames of a group's members in the app. */
export async function memberNames(app: SeedApp, group: ScimResource | undefined): Promise<string[]> {
  const byId = new Map((await app.scimUsers()).map((u) => [u.id, String(u['userName'])]));
  const members = Array.isArray(group?.['members']) ? (group['members'] as { value: string }[]) : [];
  return members.map((m) => byId.get(m.value) ?? `unknown ${m.value}`).sort();
}

export function summary(run: CliResult): Record<string, unknown> | undefined {
  return run.logs.find((l) => typeof l.msg === 'string' && l.msg.startsWith('cycle '));
}

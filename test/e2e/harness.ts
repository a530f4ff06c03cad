/**
 * End-to-end harness for Entra sources: the Graph fake (HTTPS, in the test process) on top of the
 * shared SCIM server process and CLI runner (scim-environment.ts). The Okta twin is okta-harness.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startGraphFake, type GraphFake } from '../../dev/graph-fake.js';
import { writeTestCertificate } from '../../dev/tls.js';
import { ScimTestEnvironment, type ScimApp } from './scim-environment.js';

export { CLI, ROOT, cycleSummary, writes, type CliResult } from './scim-environment.js';

export const SECRETS = {
  ENTRA_CLIENT_SECRET: 'e2e-client-secret-5f1d9a',
  SCIM_TOKEN: 'e2e-scim-token-8c2b7e',
} as const;

export class E2eEnvironment extends ScimTestEnvironment {
  private constructor(
    dir: string,
    readonly graph: GraphFake,
    readonly certPath: string,
    app: ScimApp,
  ) {
    // The CLI trusts the fake's throwaway certificate the way a deployment trusts a private CA.
    super(dir, app, { NODE_EXTRA_CA_CERTS: certPath, ...SECRETS });
  }

  static async start(): Promise<E2eEnvironment> {
    const dir = ScimTestEnvironment.tempDir('provisiond-e2e-');
    const tls = writeTestCertificate(dir);
    const graph = await startGraphFake({
      tls,
      tenantId: '11111111-2222-3333-4444-555555555555',
      clientId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      clientSecret: SECRETS.ENTRA_CLIENT_SECRET,
    });
    return new E2eEnvironment(dir, graph, tls.certPath, await ScimTestEnvironment.startScimApp(SECRETS.SCIM_TOKEN));
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


  async stop(): Promise<void> {
    await this.graph.close();
    this.stopScimApp();
  }
}

/**
 * End-to-end harness for Okta sources: the Okta fake (plain HTTP, in the test process) on top of
 * the shared SCIM server process and CLI runner (scim-environment.ts). The Entra twin is harness.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startOktaFake, type OktaFake, type OktaFakeOptions } from '../../dev/okta-fake.js';
import { ScimTestEnvironment, type ScimApp } from './scim-environment.js';

export { cycleSummary } from './scim-environment.js';

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

export class OktaE2eEnvironment extends ScimTestEnvironment {
  private constructor(
    dir: string,
    readonly okta: OktaFake,
    app: ScimApp,
  ) {
    super(dir, app, { ...OKTA_SECRETS });
  }

  static async start(options: Omit<OktaFakeOptions, 'tokens'> = {}): Promise<OktaE2eEnvironment> {
    const dir = ScimTestEnvironment.tempDir('provisiond-okta-e2e-');
    const okta = await startOktaFake({ ...options, tokens: [OKTA_SECRETS.OKTA_API_TOKEN] });
    return new OktaE2eEnvironment(dir, okta, await ScimTestEnvironment.startScimApp(OKTA_SECRETS.SCIM_TOKEN));
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

  async stop(): Promise<void> {
    await this.okta.close();
    this.stopScimApp();
  }
}

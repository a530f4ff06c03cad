/** The `type: okta` source in the config file: defaults, and the errors an admin sees. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.js';
import { parseConfig } from '../../../src/config/load.js';

const context = { env: { OKTA_API_TOKEN: 'okta-secret-token-value', SCIM_TOKEN: 'scim-token-value' }, readFile: () => '' };

function config(source: string, scope = ''): string {
  return `
state: { path: /tmp/x.db }
sources:
  corp-okta:
${source
  .trim()
  .split('\n')
  .map((line) => `    ${line}`)
  .join('\n')}
jobs:
  - name: app
    source: corp-okta
${scope}
    target:
      url: https://app.example/scim/v2
      token: \${SCIM_TOKEN}
    users:
      match: [{ target: userName, source: login }]
      mappings:
        - { target: userName, source: login }
`;
}

function issuesOf(text: string): string {
  try {
    parseConfig(text, 'provisiond.yaml', context);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('okta source config', () => {
  it('takes an API token from the environment and fills in the defaults', () => {
    const loaded = parseConfig(config('type: okta\norgUrl: https://acme.okta.com\ntoken: ${OKTA_API_TOKEN}'), 'provisiond.yaml', context);
    expect(loaded.config.sources['corp-okta']).toEqual({
      type: 'okta',
      orgUrl: 'https://acme.okta.com',
      token: 'okta-secret-token-value',
      stagedUsers: 'enabled',
      pageSize: 200,
      maxRetries: 6,
      incrementalOverlap: 300_000,
    });
  });

  it('takes an OAuth service app and an app scope', () => {
    const loaded = parseConfig(
      config(
        'type: okta\norgUrl: https://acme.okta.com\nclientId: 0oa1service\nprivateKeyPath: /run/secrets/okta.pem\nkeyId: kid-1\nscopes: [okta.users.read]\nstagedUsers: disabled\nincrementalOverlap: 10m',
        '    scope: { app: 0oa1flip, groups: [Flip users] }',
      ),
      'provisiond.yaml',
      context,
    );
    expect(loaded.config.sources['corp-okta']).toMatchObject({ clientId: '0oa1service', privateKeyPath: '/run/secrets/okta.pem', scopes: ['okta.users.read'], stagedUsers: 'disabled', incrementalOverlap: 600_000 });
    expect(loaded.config.jobs[0]?.scope).toEqual({ app: '0oa1flip', groups: ['Flip users'], filters: [] });
  });

  it('wants exactly one way to authenticate', () => {
    expect(issuesOf(config('type: okta\norgUrl: https://acme.okta.com'))).toContain(
      'sources.corp-okta: set exactly one of "token" (API token) or "clientId" + "privateKeyPath" (OAuth service app)',
    );
    expect(issuesOf(config('type: okta\norgUrl: https://acme.okta.com\ntoken: ${OKTA_API_TOKEN}\nclientId: 0oa1'))).toContain('set exactly one of "token"');
    expect(issuesOf(config('type: okta\norgUrl: https://acme.okta.com\nclientId: 0oa1'))).toContain('OAuth needs both "clientId" and "privateKeyPath"; "privateKeyPath" is missing');
    expect(issuesOf(config('type: okta\norgUrl: https://acme.okta.com\ntoken: ${OKTA_API_TOKEN}\nkeyId: k'))).toContain('"keyId" and "scopes" apply only to OAuth');
  });

  it('refuses the Admin Console URL, a page size Okta does not serve, and typos', () => {
    expect(issuesOf(config('type: okta\norgUrl: https://acme-admin.okta.com\ntoken: ${OKTA_API_TOKEN}'))).toContain(
      'sources.corp-okta.orgUrl: this is the Admin Console URL; use the org URL without "-admin", e.g. https://acme.okta.com',
    );
    expect(issuesOf(config('type: okta\norgUrl: https://acme.okta.com\ntoken: ${OKTA_API_TOKEN}\npageSize: 500'))).toContain('sources.corp-okta.pageSize');
    expect(issuesOf(config('type: okta\norgUrl: https://acme.okta.com\ntoken: ${OKTA_API_TOKEN}\norgURL: x'))).toContain('unknown key "orgURL"');
  });

  it('never repeats the token in an error', () => {
    expect(issuesOf(config('type: okta\norgUrl: not a url\ntoken: ${OKTA_API_TOKEN}'))).not.toContain('okta-secret-token-value');
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/load.js';

const env = { ENTRA_SECRET: 'super-secret-value', SCIM_TOKEN: 'scim-token-value' };
const context = { env, readFile: (path: string) => (path === '/run/secrets/scim' ? 'file-token\n' : (() => { throw Object.assign(new Error('nope'), { code: 'ENOENT' }); })()) };

const valid = `
state: { path: /tmp/x.db }
sources:
  corp:
    type: entra
    tenantId: t
    clientId: c
    clientSecret: \${ENTRA_SECRET}
jobs:
  - name: app
    source: corp
    target:
      url: https://app.example/scim/v2
      token: \${SCIM_TOKEN}
    users:
      mappings:
        - { target: userName, source: userPrincipalName }
        - { target: name.givenName, source: givenName }
        - { target: 'emails[type eq "work"].value', source: mail }
        - { target: title, constant: Employee }
`;

function issuesOf(text: string): string {
  try {
    parseConfig(text, 'provisiond.yaml', context);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('loads a valid config with defaults and substituted secrets', () => {
    const { config, jobs } = parseConfig(valid, 'provisiond.yaml', context);
    expect(config.schedule.every).toBe(40 * 60_000);
    expect(config.jobs[0]?.target).toMatchObject({ token: 'scim-token-value', concurrency: 4, compat: 'scim' });
    expect(config.jobs[0]?.users.deprovision).toEqual({ outOfScope: 'disable', disabled: 'disable', softDeleted: 'disable', hardDeleted: 'delete' });
    expect(jobs[0]?.users.sourceAttributes).toEqual(['userPrincipalName', 'givenName', 'mail']);
  });

  it('reads ${file:…} secrets without their trailing newline', () => {
    const { config } = parseConfig(valid.replace('${SCIM_TOKEN}', '${file:/run/secrets/scim}'), 'p.yaml', context);
    expect(config.jobs[0]?.target.token).toBe('file-token');
  });

  it('names the key path and line of a typo’d key', () => {
    const message = issuesOf(valid.replace('users:\n      mappings:', 'users:\n      mapings:'));
    expect(message).toMatch(/provisiond\.yaml:\d+: jobs\[0\]\.users: unknown key "mapings"/);
    expect(message).toMatch(/jobs\[0\]\.users\.mappings: required key is missing/);
  });

  it('refuses onEmpty: clear with apply: on-create, naming the key and the fix', () => {
    const message = issuesOf(valid.replace('- { target: title, constant: Employee }', '- { target: title, source: jobTitle, apply: on-create, onEmpty: clear }'));
    expect(message).toMatch(/provisiond\.yaml:\d+: jobs\[0\]\.users\.mappings\[3\]\.onEmpty: onEmpty: clear needs updates, and apply: on-create sends none; use apply: always/);
  });

  it('names a missing required key', () => {
    expect(issuesOf(valid.replace('    tenantId: t\n', ''))).toMatch(/sources\.corp\.tenantId: required key is missing/);
  });

  it('names an unset environment variable without leaking other secrets', () => {
    const message = issuesOf(valid.replace('${SCIM_TOKEN}', '${FLIP_TOKEN}'));
    expect(message).toMatch(/jobs\[0\]\.target\.token: environment variable FLIP_TOKEN is not set/);
    expect(message).not.toContain('super-secret-value');
  });

  it('names a mapping whose target path is malformed, and an unknown source', () => {
    const message = issuesOf(valid.replace("target: 'emails[type eq \"work\"].value'", "target: 'emails[type = \"work\"].value'").replace('source: corp\n', 'source: crop\n'));
    expect(message).toMatch(/jobs\[0\]\.users\.mappings\[2\]\.target: .*value filter/);
    expect(message).toMatch(/jobs\[0\]\.source: no source named "crop".*known: corp/);
  });

  it('requires exactly one of source, constant or expression in a mapping', () => {
    expect(issuesOf(valid.replace('{ target: title, constant: Employee }', '{ target: title, constant: Employee, source: jobTitle }'))).toMatch(
      /jobs\[0\]\.users\.mappings\[3\]: a mapping takes only one of "source", "constant" or "expression"/,
    );
  });

  it('reports YAML syntax errors with their line', () => {
    expect(issuesOf('jobs: [\n  - name')).toMatch(/provisiond\.yaml:\d+: \(top level\): YAML syntax/);
  });
});

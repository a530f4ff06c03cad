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
  it('refuses app-role mappings without scope.app, or on a source without app roles, and names the fix', () => {
    const roles = valid.replace("- { target: title, constant: Employee }", "- { target: roles, expression: 'AssertiveAppRoleAssignmentsComplex([appRoleAssignments])' }");
    expect(issuesOf(roles)).toContain('the mappings read appRoleAssignments: set scope.app to the enterprise app');
    const scoped = roles.replace('    source: corp\n', '    source: corp\n    scope: { app: 7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2910 }\n');
    expect(parseConfig(scoped, 'provisiond.yaml', context).jobs[0]?.users.mappings.find((m) => m.target.text === 'roles')?.valueSet).toBe('replace');
    const okta = scoped.replace(/type: entra\n    tenantId: t\n    clientId: c\n    clientSecret: \$\{ENTRA_SECRET\}/, 'type: okta\n    orgUrl: https://x.okta.com\n    token: ${ENTRA_SECRET}');
    expect(issuesOf(okta)).toContain('appRoleAssignments are Entra app roles; okta sources have none');
  });

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

  it('reports a typo’d key at its own line with a did-you-mean, and not also as the missing key it was meant to be', () => {
    const message = issuesOf(valid.replace('users:\n      mappings:', 'users:\n      mapings:'));
    const line = valid.split('\n').findIndex((l) => l.trim() === 'mappings:') + 1;
    expect(message).toContain(`provisiond.yaml:${line}: jobs[0].users.mapings: unknown key "mapings"; did you mean "mappings"?`);
    expect(message).not.toMatch(/required key is missing/);
    expect(message.split('\n')).toHaveLength(2);
  });

  it('lists the keys allowed where an unknown key is nothing like any of them', () => {
    expect(issuesOf(valid.replace('      token: ${SCIM_TOKEN}', '      token: ${SCIM_TOKEN}\n      banana: 1'))).toMatch(
      /jobs\[0\]\.target\.banana: unknown key "banana"; the keys allowed here are "url", "token", "concurrency"/,
    );
  });

  it('offers the keys of the source type the config names', () => {
    const okta = valid.replace('    type: entra\n    tenantId: t\n    clientId: c\n    clientSecret: ${ENTRA_SECRET}', '    type: okta\n    orgUrl: https://acme.okta.com\n    tokn: x');
    expect(issuesOf(okta)).toMatch(/sources\.corp\.tokn: unknown key "tokn"; did you mean "token"\?/);
  });

  it('reports a wrong type as a wrong type with the value seen', () => {
    const message = issuesOf(valid.replace('      token: ${SCIM_TOKEN}', '      token: ${SCIM_TOKEN}\n      concurrency: four'));
    expect(message).toMatch(/:\d+: jobs\[0\]\.target\.concurrency: expected a number, got the string "four"/);
    expect(message).not.toMatch(/required key is missing/);
  });

  it('never repeats a secret’s value in a type error', () => {
    const message = issuesOf(valid.replace('clientSecret: ${ENTRA_SECRET}', 'clientSecret: 1234567890'));
    expect(message).toMatch(/sources\.corp\.clientSecret: expected a string, got a number/);
    expect(message).not.toContain('1234567890');
  });

  it('says what a union key takes, or what is wrong inside the branch that fits', () => {
    expect(issuesOf(valid.replace('    users:', '    groups: true\n    users:'))).toMatch(/jobs\[0\]\.groups: expected false or a mapping, got true/);
    expect(issuesOf(valid.replace('    users:', '    groups: { mapings: [] }\n    users:'))).toMatch(/jobs\[0\]\.groups\.mapings: unknown key "mapings"; did you mean "mappings"\?/);
    expect(issuesOf(valid.replace('    users:', '    safety: { maxDeletes: 5 percent }\n    users:'))).toMatch(
      /jobs\[0\]\.safety\.maxDeletes: expected a count such as 50 or a percentage such as "5%", got the string "5 percent"/,
    );
    expect(issuesOf(valid.replace('type: entra', 'type: entraa'))).toMatch(/sources\.corp\.type: expected "entra" or "okta", got the string "entraa"/);
  });

  it('refuses a duration that is not one, with the value seen', () => {
    expect(issuesOf(`schedule: { every: 40 minutes }\n${valid}`)).toMatch(/provisiond\.yaml:1: schedule\.every: expected a duration such as "30s", "40m", "24h" or "7d", got the string "40 minutes"/);
  });

  it('lists issues in file order', () => {
    const message = issuesOf(valid.replace('    tenantId: t', '    tenantId: t\n    pageSiz: 3').replace('      token: ${SCIM_TOKEN}', '      token: ${SCIM_TOKEN}\n      concurrency: four'));
    const lines = [...message.matchAll(/provisiond\.yaml:(\d+):/g)].map((m) => Number(m[1]));
    expect(lines).toHaveLength(2);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
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

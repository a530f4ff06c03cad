import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/load.js';

const context = { env: {}, readFile: () => '' };

function config(source: 'entra' | 'okta', job: string): string {
  const sourceBlock =
    source === 'entra'
      ? '    type: entra\n    tenantId: t\n    clientId: c\n    clientSecret: s'
      : '    type: okta\n    orgUrl: https://acme.okta.com\n    token: t';
  return `sources:\n  corp:\n${sourceBlock}\njobs:\n  - name: app\n    source: corp\n    target: { url: https://app.example/scim/v2, token: t }\n${job}`;
}

const usersWith = (...mappings: string[]) => `    users:\n      mappings:\n        - { target: userName, source: userPrincipalName }\n${mappings.map((m) => `        - ${m}\n`).join('')}`;

function errorsOf(text: string): string {
  try {
    parseConfig(text, 'p.yaml', context);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return '';
}

describe('source attribute names (Entra)', () => {
  it('refuses a misspelt Graph property with file, line, key path and a did-you-mean', () => {
    const text = config('entra', usersWith('{ target: title, source: jobtitel }'));
    const line = text.split('\n').findIndex((l) => l.includes('jobtitel')) + 1;
    expect(errorsOf(text)).toContain(`p.yaml:${line}: jobs[0].users.mappings[1].source: "jobtitel" is not a Microsoft Graph user property; did you mean "jobTitle"?`);
  });

  it('checks [attributes] inside expressions, scope filters, match rules and group mappings', () => {
    const text = config(
      'entra',
      '    scope: { filters: [{ attribute: departmnt, operator: EQUALS, value: R }] }\n' +
        usersWith(`{ target: displayName, expression: 'Join(" ", [givenNme], [surname])' }`).replace('    users:\n', '    users:\n      match: [{ target: userName, source: userPrincipleName }]\n') +
        '    groups:\n      mappings: [{ target: displayName, source: displayNam }]\n',
    );
    const message = errorsOf(text);
    expect(message).toContain('jobs[0].scope.filters[0].attribute: "departmnt" is not a Microsoft Graph user property; did you mean "department"?');
    expect(message).toContain('jobs[0].users.mappings[1].expression: [givenNme] is not a Microsoft Graph user property; did you mean [givenName]?');
    expect(message).toContain('jobs[0].users.match[0].source: "userPrincipleName" is not a Microsoft Graph user property; did you mean "userPrincipalName"?');
    expect(message).toContain('jobs[0].groups.mappings[0].source: "displayNam" is not a Microsoft Graph group property; did you mean "displayName"?');
  });

  it('accepts Graph properties in any case, the mapping-UI names, on-premises extension attributes and directory extensions', () => {
    const text = config(
      'entra',
      usersWith(
        '{ target: externalId, source: objectId }',
        '{ target: title, source: JobTitle }',
        '{ target: a, source: extensionAttribute15 }',
        '{ target: b, source: onPremisesExtensionAttributes.extensionAttribute3 }',
        '{ target: c, source: extension_0123456789abcdef0123456789abcdef_costCenter }',
        `{ target: active, expression: 'Not([IsSoftDeleted])' }`,
      ),
    );
    expect(errorsOf(text)).toBe('');
  });

  it('explains the on-premises extension attributes and the directory extension naming', () => {
    expect(errorsOf(config('entra', usersWith('{ target: a, source: extensionAttribute16 }')))).toContain('extensionAttribute1 to extensionAttribute15');
    expect(errorsOf(config('entra', usersWith('{ target: a, source: extension_costCenter }')))).toContain('extension_<appId without dashes>_<name>');
  });
});

describe('source attribute names (Okta)', () => {
  const okta = (mapping: string) => config('okta', usersWith(mapping).replace('source: userPrincipalName', 'source: login'));

  it('accepts the base profile and the user object fields', () => {
    const loaded = parseConfig(okta('{ target: title, source: employeeNumber }').replace('employeeNumber }', 'employeeNumber }\n        - { target: x, source: status }'), 'p.yaml', context);
    expect(loaded.warnings).toEqual([]);
  });

  it('warns about an attribute outside the base profile offline (it may be custom), with a did-you-mean where one fits', () => {
    const custom = parseConfig(okta('{ target: title, source: soccerTeam }'), 'p.yaml', context);
    expect(custom.warnings?.map((w) => `${w.line}: ${w.message}`)).toEqual([
      expect.stringMatching(/^\d+: "soccerTeam" is not in Okta's base user profile; if it is a custom attribute, `provisiond validate --online` checks it/),
    ]);
    const typo = parseConfig(okta('{ target: title, source: firstNme }'), 'p.yaml', context);
    expect(typo.warnings?.[0]?.message).toContain('did you mean "firstName"?');
  });

  it('refuses an attribute neither in the base profile nor in the org schema read online', () => {
    const options = { attributes: { oktaSchemas: new Map([['corp', { customUserAttributes: ['soccerTeam'] }]]) } };
    expect(parseConfig(okta('{ target: title, source: soccerTeam }'), 'p.yaml', context, options).warnings).toEqual([]);
    expect(() => parseConfig(okta('{ target: title, source: socerTeam }'), 'p.yaml', context, options)).toThrow(
      /jobs\[0\]\.users\.mappings\[1\]\.source: "socerTeam" is neither in Okta's base user profile nor a custom attribute of the org's user schema; did you mean "soccerTeam"\?/,
    );
  });
});

describe('scope filter patterns', () => {
  const withFilter = (value: string) => config('entra', `    scope: { filters: [{ attribute: department, operator: REGEX MATCH, value: ${JSON.stringify(value)} }] }\n${usersWith()}`);

  it('accepts .NET syntax the cycle translates', () => {
    expect(errorsOf(withFilter('(?i)^r'))).toBe('');
    expect(errorsOf(withFilter("^(?'team'[A-Z]+)\\z"))).toBe('');
  });

  it('refuses a pattern that does not compile, naming its key and line', () => {
    const text = withFilter('([a-z');
    const line = text.split('\n').findIndex((l) => l.includes('REGEX MATCH')) + 1;
    expect(errorsOf(text)).toContain(`p.yaml:${line}: jobs[0].scope.filters[0].value: invalid regular expression "([a-z": Unterminated character class`);
    expect(errorsOf(withFilter('(?>atomic)'))).toMatch(/scope\.filters\[0\]\.value: .*atomic groups/);
  });
});

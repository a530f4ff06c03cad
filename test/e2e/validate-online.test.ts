/**
 * `provisiond validate --online` against the loopback fakes: the Graph fake (with the real
 * @azure/identity and Graph SDK), the Okta fake (with the real Okta SDK) and the SCIM server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writes } from './scim-environment.js';
import { E2eEnvironment } from './harness.js';
import { OktaE2eEnvironment, OKTA_USER_MAPPINGS } from './okta-harness.js';

let entra: E2eEnvironment;
let okta: OktaE2eEnvironment;

beforeAll(async () => {
  [entra, okta] = await Promise.all([E2eEnvironment.start(), OktaE2eEnvironment.start()]);
  for (const name of ['ada', 'grace']) {
    entra.graph.upsertUser({ userPrincipalName: `${name}@contoso.example`, mail: `${name}@contoso.example`, givenName: name, surname: 'X', displayName: name, jobTitle: 'Engineer', department: 'R&D' });
  }
  okta.okta.createUser({ profile: { login: 'ada@contoso.example', email: 'ada@contoso.example', firstName: 'Ada', lastName: 'L', soccerTeam: 'Blue' } });
});
afterAll(async () => Promise.all([entra?.stop(), okta?.stop()]));

describe('provisiond validate --online', () => {
  it('signs in to Entra, reads one page, reports what the app supports and which mapped attributes its schemas lack, and writes nothing', async () => {
    const mappings = [
      { target: 'userName', source: 'userPrincipalName', required: true },
      { target: 'title', source: 'jobTitle' },
      { target: 'urn:ietf:params:scim:schemas:extension:acme:2.0:User:costCenter', source: 'department' },
    ];
    const path = entra.writeConfig({ users: { match: [{ target: 'userName', source: 'userPrincipalName' }], mappings } }, 'online-undeclared.yaml');
    await entra.clearScimRequests();
    entra.graph.requests.length = 0;

    const run = await entra.runCli(['validate', '--online', '--config', path]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('source corp (entra): signed in and read 2 user(s)');
    expect(run.stdout).toContain('supports: filter yes (up to 200 results), PATCH yes, bulk yes (up to 1000 operations), sort yes, ETag no; page size up to 200');
    expect(run.stdout).toContain('schemas: urn:ietf:params:scim:schemas:core:2.0:User');
    // Declared by the app: userName, title. Not declared: the acme extension (a warning: apps extend).
    expect(run.stdout.match(/warning/g)).toHaveLength(1);
    expect(run.stdout).toContain(
      `warning: ${path}: jobs[0].users.mappings[2].target: "urn:ietf:params:scim:schemas:extension:acme:2.0:User:costCenter" is not declared by the app's schemas`,
    );
    expect(run.stdout).toContain('online check passed; nothing was written');

    expect(writes(await entra.scimRequests())).toEqual([]);
    const graphCalls = entra.graph.requests.filter((r) => r.path.startsWith('/v1.0/'));
    expect(graphCalls.length).toBeGreaterThan(0);
    expect(graphCalls.every((r) => r.method === 'GET')).toBe(true);
    // The jobs' attributes are what was selected: Graph itself vouches for every name.
    expect(graphCalls[0]?.path).toMatch(/\$select=[^&]*jobTitle/);
  });

  it('fails (exit 1) naming the source that refuses to sign in and the target that refuses the token, without showing either secret', async () => {
    const path = entra.writeConfig({}, 'online-refused.yaml', { clientSecret: '${WRONG_SECRET}' });
    const run = await entra.runCli(['validate', '--online', '--config', path], { WRONG_SECRET: 'not-the-secret-4711', SCIM_TOKEN: 'wrong-token-0123456789' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/source corp \(entra\): FAILED: /);
    expect(run.stdout).toMatch(/job app: .*\n {2}FAILED: GET \/ServiceProviderConfig → 401: the target refused the credentials .*check target\.token/);
    expect(run.stdout).toContain('online check FAILED');
    expect(run.stdout + run.stderr).not.toMatch(/not-the-secret-4711|wrong-token-0123456789/);
  });

  it('reads the Okta org’s user schema: a custom attribute it has is valid, one it lacks is an error with a did-you-mean', async () => {
    const withCustom = (name: string, attribute: string) =>
      okta.writeConfig({ users: { mappings: [...OKTA_USER_MAPPINGS, { target: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization', source: attribute }] } }, name);
    // Offline, an attribute outside the base profile may be a custom one: a warning, exit 0.
    okta.okta.resetLog();
    const offline = await okta.runCli(['validate', '--config', withCustom('okta-offline.yaml', 'soccerTeam')]);
    expect(offline.code).toBe(0);
    expect(offline.stdout).toMatch(/\nwarning: .*okta-offline\.yaml:\d+: jobs\[0\]\.users\.mappings\[9\]\.source: "soccerTeam" is not in Okta's base user profile; if it is a custom attribute, `provisiond validate --online` checks it/);
    expect(okta.okta.requests).toEqual([]);

    const online = await okta.runCli(['validate', '--online', '--config', withCustom('okta-online.yaml', 'soccerTeam')]);
    expect(online.code).toBe(0);
    expect(online.stdout).toContain('source corp (okta): signed in and read 1 user(s)');
    expect(online.stdout).toContain('user schema: 1 custom attribute(s): soccerTeam');
    expect(online.stdout).not.toContain('warning');

    const typo = await okta.runCli(['validate', '--online', '--config', withCustom('okta-typo.yaml', 'socerTeam')]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(
      /okta-typo\.yaml:\d+: jobs\[0\]\.users\.mappings\[9\]\.source: "socerTeam" is neither in Okta's base user profile nor a custom attribute of the org's user schema; did you mean "soccerTeam"\?/,
    );
  });
});

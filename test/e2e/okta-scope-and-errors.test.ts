/**
 * Okta jobs scoped by app assignment, and Okta misconfigurations: a cycle that cannot read its
 * source fails, says which source and what to fix, and sends nothing to the target.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { writes } from './harness.js';
import { cycleSummary, OKTA_SECRETS, OktaE2eEnvironment } from './okta-harness.js';

let env: OktaE2eEnvironment;
const ids: Record<string, string> = {};
let app: string;
let appGroup: string;

beforeAll(async () => {
  env = await OktaE2eEnvironment.start();
  for (const name of ['ada', 'grace', 'ken']) ids[name] = env.okta.createUser({ profile: { login: `${name}@contoso.example`, email: `${name}@contoso.example`, firstName: name } });
  appGroup = env.okta.createGroup({ name: 'Flip users', members: [ids.grace as string] });
  app = env.okta.createApp({ label: 'Flip', users: [ids.ada as string], groups: [appGroup] });
});

afterAll(async () => {
  await env?.stop();
});

beforeEach(async () => {
  env.okta.clearFaults();
  await env.clearScimRequests();
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('Okta job scoped by app (scope.app)', () => {
  it('provisions the users assigned to the app directly or through a group, and disables one whose group assignment ends', async () => {
    const config = env.writeConfig({ job: { scope: { app } } });
    const first = await env.runCli(['--sync-now', '--config', config]);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect((await env.scimUsers()).map((u) => u.userName).sort()).toEqual(['ada@contoso.example', 'grace@contoso.example']);
    expect(cycleSummary(first)).toMatchObject({ counts: expect.objectContaining({ read: 3, inScope: 2, created: 2 }) });

    await env.clearScimRequests();
    env.okta.removeGroupMember(appGroup, ids.grace as string);
    const second = await env.runCli(['--sync-now', '--config', config]);
    expect(second.code, second.stdout).toBe(0);
    expect(writes(await env.scimRequests())).toEqual([expect.objectContaining({ method: 'PATCH', body: expect.objectContaining({ Operations: [{ op: 'replace', path: 'active', value: false }] }) })]);
  });
});

describe('Okta misconfiguration fails the cycle, names the source and the fix, and sends nothing', () => {
  async function expectFailedRead(config: string, ...expected: string[]): Promise<void> {
    const run = await env.runCli(['--sync-now', '--config', config]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const failure = run.logs.find((l) => l.msg === 'source read failed');
    expect(failure).toMatchObject({ source: 'corp' });
    for (const text of expected) expect(String(failure?.error)).toContain(text);
    expect(cycleSummary(run)).toMatchObject({ outcome: 'failed' });
    expect(await env.scimRequests()).toEqual([]);
    for (const secret of Object.values(OKTA_SECRETS)) expect(run.stdout + run.stderr).not.toContain(secret);
  }

  it('a revoked token (401 E0000011)', async () => {
    env.okta.revokeApiToken(OKTA_SECRETS.OKTA_API_TOKEN);
    try {
      await expectFailedRead(
        env.writeConfig({}, 'revoked.yaml'),
        // Whichever request comes first (the clock read for the change cursor, a listing) is the one refused.
        'failed: Okta answered 401 E0000011 Invalid token provided',
        'the API token in sources.corp.token is wrong, revoked or expired',
      );
    } finally {
      env.okta.addApiToken(OKTA_SECRETS.OKTA_API_TOKEN);
    }
  });

  it('a missing permission or scope (403 E0000006)', async () => {
    env.okta.forbid({ pathPrefix: '/api/v1/apps' });
    await expectFailedRead(
      env.writeConfig({ job: { scope: { app } } }, 'forbidden.yaml'),
      `source "corp": reading the assignments of app ${app} failed: Okta answered 403 E0000006 You do not have permission to perform the requested action`,
      'may not read apps',
    );
  });

  it('a bad orgUrl', async () => {
    const orgUrl = `http://127.0.0.1:${await closedPort()}`;
    await expectFailedRead(env.writeConfig({ source: { orgUrl, maxRetries: 0 } }, 'bad-org.yaml'), `cannot reach ${orgUrl} (ECONNREFUSED) — check sources.corp.orgUrl`);
  });

  it('an app id that does not exist', async () => {
    await expectFailedRead(env.writeConfig({ job: { scope: { app: '0oaDoesNotExist' } } }, 'no-app.yaml'), 'no app with id "0oaDoesNotExist"', 'jobs[].scope.app');
  });
});

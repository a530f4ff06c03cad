/** Entra jobs scoped by enterprise-app assignment (scope.app): the built CLI against the Graph fake and a SCIM server process. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2eEnvironment, writes } from './harness.js';
import { cycleSummary } from './okta-harness.js';

const APP_ID = '7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2910';
let env: E2eEnvironment;
let sp: string;
const users: Record<string, string> = {};
let flipUsers: string;

beforeAll(async () => {
  env = await E2eEnvironment.start();
  for (const name of ['direct', 'member', 'deep', 'bystander']) {
    users[name] = env.graph.upsertUser({ userPrincipalName: `${name}@apps.example`, mail: `${name}@apps.example`, displayName: name });
  }
  const berlin = env.graph.upsertGroup({ displayName: 'Flip users Berlin', members: [users.deep!] });
  flipUsers = env.graph.upsertGroup({ displayName: 'Flip users', members: [users.member!, berlin] });
  env.graph.upsertGroup({ displayName: 'Everyone else', members: [users.bystander!] });
  sp = env.graph.upsertServicePrincipal({ appId: APP_ID, displayName: 'Flip' });
  env.graph.assignToServicePrincipal(sp, users.direct!);
  env.graph.assignToServicePrincipal(sp, flipUsers);
});
afterAll(async () => env?.stop());

async function sync(config: string) {
  await env.clearScimRequests();
  const run = await env.runCli(['--sync-now', '--config', config]);
  return { run, sent: writes(await env.scimRequests()) };
}

const userNames = async () => (await env.scimUsers()).map((u) => u.userName).sort();

describe('Entra job scoped by app (scope.app)', () => {
  let config: string;

  it('provisions exactly the users assigned to the service principal, directly or through a group (nested too)', async () => {
    config = env.writeConfig({ scope: { app: sp } });
    const { run } = await sync(config);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(await userNames()).toEqual(['deep@apps.example', 'direct@apps.example', 'member@apps.example']);
    expect(cycleSummary(run)).toMatchObject({ outcome: 'success', counts: expect.objectContaining({ read: 4, inScope: 3, created: 3 }) });
  });

  it('disables a user whose assignment ends, and creates one newly assigned', async () => {
    env.graph.unassignFromServicePrincipal(sp, users.direct!);
    env.graph.assignToServicePrincipal(sp, users.bystander!);
    const { run, sent } = await sync(config);
    expect(run.code, run.stdout).toBe(0);
    const direct = (await env.scimUsers()).find((u) => u.userName === 'direct@apps.example');
    expect(sent.map((r) => `${r.method} ${r.path}`).sort()).toEqual([`PATCH /Users/${direct?.id}`, 'POST /Users']);
    expect(direct?.active).toBe(false);
    expect((await env.scimUsers()).find((u) => u.userName === 'bystander@apps.example')?.active).toBe(true);
  });

  it('takes the application (client) id as well, and provisions the app’s groups with groups: {}', async () => {
    const byAppId = env.writeConfig({ name: 'by-app-id', scope: { app: APP_ID }, groups: {} }, 'by-app-id.yaml');
    const { run, sent } = await sync(byAppId);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    // Same users as the job above: everything links, nothing is created twice.
    expect(sent.filter((r) => r.path.startsWith('/Users') && r.method === 'POST')).toEqual([]);
    const groups = (await (await fetch(`${env.adminUrl}/groups`)).json()) as { displayName: string; externalId?: string; members?: { value: string }[] }[];
    expect(groups.map((g) => [g.displayName, g.externalId])).toEqual([['Flip users', flipUsers]]);
    const ids = Object.fromEntries((await env.scimUsers()).map((u) => [u.userName, u.id]));
    expect(groups[0]?.members?.map((m) => m.value).sort()).toEqual([ids['deep@apps.example'], ids['member@apps.example']].sort());
  });

  it('fails the cycle and says what to fix for an app that does not exist', async () => {
    const missing = env.writeConfig({ name: 'missing-app', scope: { app: '00000000-1111-2222-3333-444444444444' } }, 'missing-app.yaml');
    const { run, sent } = await sync(missing);
    expect(run.code).toBe(1);
    expect(JSON.stringify(run.logs)).toContain('no enterprise app (service principal) has the object id or application id 00000000-1111-2222-3333-444444444444');
    expect(sent).toEqual([]);
  });
});

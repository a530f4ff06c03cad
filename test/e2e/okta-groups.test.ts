/** Okta groups end to end: a job with an Okta source and `groups: {}` provisions groups and memberships into the SCIM server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writes } from './harness.js';
import { cycleSummary, OktaE2eEnvironment } from './okta-harness.js';

let env: OktaE2eEnvironment;
let config: string;
const users: Record<string, string> = {};
let sales: string;
let engineering: string;

beforeAll(async () => {
  env = await OktaE2eEnvironment.start();
  for (const name of ['ann', 'bob', 'cat', 'dan']) {
    users[name] = env.okta.createUser({ profile: { login: `${name}@okta-groups.example`, email: `${name}@okta-groups.example`, firstName: name, lastName: 'Test' } });
  }
  sales = env.okta.createGroup({ name: 'Sales', description: 'Sells', members: [users.ann!, users.bob!] });
  engineering = env.okta.createGroup({ name: 'Engineering', members: [users.cat!] });
  // The default group mappings (displayName ← displayName, externalId ← id) work on Okta groups unchanged.
  config = env.writeConfig({ job: { scope: { groups: [sales, 'Engineering'] }, groups: {} } });
});
afterAll(async () => env?.stop());

async function sync(path = config) {
  await env.clearScimRequests();
  const run = await env.runCli(['--sync-now', '--config', path]);
  return { run, sent: writes(await env.scimRequests()) };
}

interface ScimGroup {
  id: string;
  displayName: string;
  externalId?: string;
  members?: { value: string }[];
}
const scimGroups = async () => (await (await fetch(`${env.adminUrl}/groups`)).json()) as ScimGroup[];
const scimGroup = async (displayName: string) => (await scimGroups()).find((g) => g.displayName === displayName);
const targetIdOf = async (name: string) => (await env.scimUsers()).find((u) => u.userName === `${name}@okta-groups.example`)?.id as string;
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

describe('Okta group provisioning', () => {
  it('creates the scoped groups (by id and by name) after their members, with the Okta group id as externalId', async () => {
    const { run, sent } = await sync();
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect((await env.scimUsers()).map((u) => u.userName).sort()).toEqual(['ann@okta-groups.example', 'bob@okta-groups.example', 'cat@okta-groups.example']);
    const order = sent.map((r) => `${r.method} ${r.path.split('/')[1]}`);
    expect(order.lastIndexOf('POST Users')).toBeLessThan(order.indexOf('POST Groups'));
    expect(await scimGroup('Sales')).toMatchObject({ externalId: sales });
    expect((await scimGroup('Sales'))?.members?.map((m) => m.value).sort()).toEqual([await targetIdOf('ann'), await targetIdOf('bob')].sort());
    expect(await scimGroup('Engineering')).toMatchObject({ externalId: engineering, members: [{ value: await targetIdOf('cat') }] });
    expect(cycleSummary(run)).toMatchObject({ outcome: 'success', counts: expect.objectContaining({ groupsRead: 2 }) });
  });

  it('sends nothing when nothing changed', async () => {
    const { run, sent } = await sync();
    expect(run.code, run.stdout).toBe(0);
    expect(sent).toEqual([]);
  });

  it('sends only the added and removed members', async () => {
    env.okta.addGroupMember(sales, users.dan!);
    env.okta.removeGroupMember(sales, users.ann!);
    const { run, sent } = await sync();
    expect(run.code, run.stdout).toBe(0);
    const salesId = (await scimGroup('Sales'))?.id;
    expect(sent.filter((r) => r.path === `/Groups/${salesId}`).map((r) => r.body)).toEqual([
      { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: await targetIdOf('dan') }] }] },
      { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${await targetIdOf('ann')}"]` }] },
    ]);
    // ann left every scoped group: out of scope, disabled; dan was created before being added.
    const annId = await targetIdOf('ann');
    expect(sent.find((r) => r.path === `/Users/${annId}`)?.body).toMatchObject({ Operations: [{ op: 'replace', path: 'active', value: false }] });
    expect(sent.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual(['/Users']);
  });

  it('renames a group named by id with one PATCH', async () => {
    env.okta.updateGroup(sales, { name: 'Sales EMEA' });
    const { sent } = await sync();
    expect(sent).toEqual([expect.objectContaining({ method: 'PATCH', body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'Sales EMEA' }] } })]);
  });

  it('a group named by name and renamed in Okta fails the read and deletes nothing', async () => {
    env.okta.updateGroup(engineering, { name: 'Platform' });
    const { run, sent } = await sync();
    expect(run.code).toBe(1);
    expect(JSON.stringify(run.logs)).toContain('no group named \\"Engineering\\"');
    expect(sent).toEqual([]);
    expect(await scimGroup('Engineering')).toBeDefined();
    env.okta.updateGroup(engineering, { name: 'Engineering' });
  });

  it('deletes a group (named by id) that was deleted in Okta', async () => {
    const target = await scimGroup('Sales EMEA');
    env.okta.deleteGroup(sales);
    const { run, sent } = await sync();
    expect(run.code, run.stdout).toBe(0);
    expect(sent).toContainEqual(expect.objectContaining({ method: 'DELETE', path: `/Groups/${target?.id}`, status: 204 }));
    expect(await scimGroup('Sales EMEA')).toBeUndefined();
  });
});

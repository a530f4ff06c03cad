/** Groups and memberships end to end: Entra groups provisioned into the SCIM server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cycleSummary, E2eEnvironment, writes } from './harness.js';

let env: E2eEnvironment;
let config: string;
const users: Record<string, string> = {};
let sales: string;
let engineering: string;
let nested: string;

beforeAll(async () => {
  env = await E2eEnvironment.start();
  for (const name of ['ann', 'bob', 'cat', 'dan', 'eve']) {
    users[name] = env.graph.upsertUser({ userPrincipalName: `${name}@groups.example`, mail: `${name}@groups.example`, displayName: name.toUpperCase(), department: 'groups' });
  }
  nested = env.graph.upsertGroup({ displayName: 'Sales Berlin', members: [users.eve!] });
  sales = env.graph.upsertGroup({ displayName: 'Sales', members: [users.ann!, users.bob!, nested] });
  engineering = env.graph.upsertGroup({ displayName: 'Engineering', members: [users.cat!] });
  config = env.writeConfig({
    scope: { groups: [sales, engineering] },
    groups: { batchSize: 2 },
    safety: { maxDeletes: 10 },
  });
});
afterAll(async () => env?.stop());

async function sync(path = config) {
  await env.clearScimRequests();
  const run = await env.runCli(['--sync-now', '--config', path]);
  return { run, sent: writes(await env.scimRequests()), all: await env.scimRequests() };
}

const scimGroup = async (displayName: string) => {
  const groups = (await (await fetch(`${env.adminUrl}/groups`)).json()) as { id: string; displayName: string; externalId?: string; members?: { value: string }[] }[];
  return groups.find((g) => g.displayName === displayName);
};
const targetIdOf = async (name: string) => (await env.scimUsers()).find((u) => u.userName === `${name}@groups.example`)?.id as string;

describe('group provisioning', () => {
  it('creates the scoped groups after their members, with members added in batches (nested members flattened)', async () => {
    const { run, sent } = await sync();
    expect(run.code, run.stdout).toBe(0);
    // dan is in no scoped group: not provisioned.
    expect((await env.scimUsers()).map((u) => u.userName).sort()).toEqual(['ann@groups.example', 'bob@groups.example', 'cat@groups.example', 'eve@groups.example']);
    const order = sent.map((r) => `${r.method} ${r.path.split('/')[1]}`);
    expect(order.lastIndexOf('POST Users')).toBeLessThan(order.indexOf('POST Groups'));
    const salesGroup = await scimGroup('Sales');
    expect(salesGroup).toMatchObject({ externalId: sales });
    expect(salesGroup?.members?.map((m) => m.value).sort()).toEqual([await targetIdOf('ann'), await targetIdOf('bob'), await targetIdOf('eve')].sort());
    // 3 members, batches of 2: two add requests for Sales.
    const salesPatches = sent.filter((r) => r.method === 'PATCH' && r.path === `/Groups/${salesGroup?.id}`);
    expect(salesPatches.map((r) => (r.body as { Operations: { op: string; value: unknown[] }[] }).Operations[0]?.value.length)).toEqual([2, 1]);
    expect(salesPatches[0]?.body).toMatchObject({ Operations: [{ op: 'add', path: 'members' }] });
    expect((await scimGroup('Engineering'))?.members?.map((m) => m.value)).toEqual([await targetIdOf('cat')]);
  });

  it('sends nothing when nothing changed', async () => {
    expect((await sync()).sent).toEqual([]);
  });

  it('sends only the added and removed members', async () => {
    env.graph.upsertGroup({ id: sales, displayName: 'Sales', members: [users.bob!, users.dan!, nested] });
    const { run, sent } = await sync();
    expect(run.code, run.stdout).toBe(0);
    const salesId = (await scimGroup('Sales'))?.id;
    const groupPatches = sent.filter((r) => r.path === `/Groups/${salesId}`).map((r) => r.body);
    expect(groupPatches).toEqual([
      { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: [{ value: await targetIdOf('dan') }] }] },
      { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'remove', path: `members[value eq "${await targetIdOf('ann')}"]` }] },
    ]);
    // ann left every scoped group: she is out of scope and disabled.
    const annId = await targetIdOf('ann');
    expect(sent.find((r) => r.path === `/Users/${annId}`)?.body).toMatchObject({ Operations: [{ op: 'replace', path: 'active', value: false }] });
  });

  it('renames a group with one PATCH', async () => {
    env.graph.upsertGroup({ id: engineering, displayName: 'Platform Engineering', members: [users.cat!] });
    const { sent } = await sync();
    expect(sent).toEqual([
      expect.objectContaining({ method: 'PATCH', body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'displayName', value: 'Platform Engineering' }] } }),
    ]);
  });

  it('plan shows membership changes and sends no write', async () => {
    env.graph.upsertGroup({ id: sales, displayName: 'Sales', members: [users.bob!, users.dan!, users.ann!, nested] });
    await env.clearScimRequests();
    const run = await env.runCli(['plan', '--config', config]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Membership \(\+1 −0 in 1 request\(s\)\)/);
    expect(run.stdout).toContain(`+ Sales: ${users.ann}`);
    expect(run.stdout).toMatch(/Enable \(1\)\n\s+ann@groups\.example/);
    expect(writes(await env.scimRequests())).toEqual([]);
  });

  it('deletes a group deleted in the IdP', async () => {
    const target = await scimGroup('Platform Engineering');
    env.graph.deleteGroup(engineering);
    const { run, sent } = await sync();
    expect(run.code, run.stdout).toBe(0);
    expect(sent).toContainEqual(expect.objectContaining({ method: 'DELETE', path: `/Groups/${target?.id}`, status: 204 }));
    expect(await scimGroup('Platform Engineering')).toBeUndefined();
  });

  it('with groups: false, sends no /Groups request at all', async () => {
    const noGroups = env.writeConfig({ name: 'users-only', scope: { groups: [sales] }, groups: false }, 'users-only.yaml');
    const { run, all } = await sync(noGroups);
    expect(run.code, run.stdout).toBe(0);
    expect(all.filter((r) => r.path.startsWith('/Groups'))).toEqual([]);
    expect(all.length).toBeGreaterThan(0);
  });

  it('counts membership changes in members: a refused request fails each member it carried (the metrics add like with like)', async () => {
    // cat (back from the deleted group) and fay (new) join Sales: one request of two members, refused once.
    const fay = env.graph.upsertUser({ userPrincipalName: 'fay@groups.example', mail: 'fay@groups.example', displayName: 'FAY', department: 'groups' });
    env.graph.upsertGroup({ id: sales, displayName: 'Sales', members: [users.bob!, users.dan!, users.ann!, users.cat!, fay, nested] });
    env.graph.patchUser(users.cat!, { jobTitle: 'Sales' });
    await env.injectScimFault({ status: 400, count: 1, method: 'PATCH', path: '/Groups', scimType: 'invalidValue' });
    const { run, sent } = await sync();
    expect(run.code, run.stdout).toBe(1);
    expect(sent.filter((r) => r.path.startsWith('/Groups')).map((r) => r.status)).toEqual([400]);
    expect(cycleSummary(run)?.counts).toMatchObject({ membersAdded: 0, membersFailed: 2, membershipFailed: 1, 'op.add-members.failed': 1 });
  });
});

/**
 * Incremental group reads end to end: a job that provisions its scope groups reads Graph's
 * /groups/delta (members@delta) after the first cycle, so a quiet cycle costs a handful of Graph
 * requests instead of every member list, and users who join or leave the scope groups are still
 * provisioned and deprovisioned.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cycleSummary, E2eEnvironment, writes } from './harness.js';

let env: E2eEnvironment;
let config: string;
const users: Record<string, string> = {};
let sales: string;
let engineering: string;
let berlin: string;

beforeAll(async () => {
  env = await E2eEnvironment.start();
  for (const name of ['ann', 'bob', 'cat', 'dan', 'eve', 'fay']) {
    users[name] = env.graph.upsertUser({ userPrincipalName: `${name}@delta.example`, mail: `${name}@delta.example`, displayName: name.toUpperCase(), department: 'delta' });
  }
  berlin = env.graph.upsertGroup({ displayName: 'Sales Berlin', members: [users.eve!] });
  sales = env.graph.upsertGroup({ displayName: 'Sales', members: [users.ann!, users.bob!, berlin] });
  engineering = env.graph.upsertGroup({ displayName: 'Engineering', members: [users.cat!] });
  // Groups the job does not provision: the change feed reads past them.
  for (let i = 0; i < 20; i++) env.graph.upsertGroup({ displayName: `Other ${i}`, members: [users.fay!] });
  config = env.writeConfig({ scope: { groups: [sales, engineering] }, groups: {}, safety: { maxDeletes: 10 } });
});
afterAll(async () => env?.stop());

async function sync(...args: string[]) {
  await env.clearScimRequests();
  env.graph.resetLog();
  const run = await env.runCli(args.length > 0 ? args : ['--sync-now', '--config', config]);
  const graphPaths = env.graph.requests.filter((r) => r.path.startsWith('/v1.0')).map((r) => decodeURIComponent(r.path));
  return {
    run,
    userMode: run.logs.find((l) => typeof l.mode === 'string')?.mode,
    groupMode: run.logs.find((l) => typeof l.groupMode === 'string')?.groupMode,
    stats: env.graph.stats(),
    graphPaths,
    sent: writes(await env.scimRequests()),
  };
}

const scimGroup = async (displayName: string) => {
  const groups = (await (await fetch(`${env.adminUrl}/groups`)).json()) as { id: string; displayName: string; members?: { value: string }[] }[];
  return groups.find((g) => g.displayName === displayName);
};
const scimUser = async (name: string) => (await env.scimUsers()).find((u) => u.userName === `${name}@delta.example`);
const targetIdOf = async (name: string) => (await scimUser(name))?.id as string;
const membersOf = async (displayName: string) => ((await scimGroup(displayName))?.members ?? []).map((m) => m.value).sort();
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

describe('incremental group reads', () => {
  it('the first cycle reads users and groups in full', async () => {
    const { run, userMode, groupMode, sent } = await sync();
    expect(run.code, run.stdout).toBe(0);
    expect([userMode, groupMode]).toEqual(['full', 'full']);
    expect((await env.scimUsers()).map((u) => u.userName).sort()).toEqual(['ann@delta.example', 'bob@delta.example', 'cat@delta.example', 'eve@delta.example']);
    expect(sent.filter((r) => r.method === 'POST' && r.path === '/Groups')).toHaveLength(2);
    expect(await membersOf('Sales')).toEqual([await targetIdOf('ann'), await targetIdOf('bob'), await targetIdOf('eve')].sort());
  });

  it('a quiet cycle reads both change feeds, a few Graph requests, and sends nothing', async () => {
    const { run, userMode, groupMode, stats, graphPaths, sent } = await sync();
    expect(run.code, run.stdout).toBe(0);
    expect([userMode, groupMode]).toEqual(['incremental', 'incremental']);
    expect(sent).toEqual([]);
    // One round of each delta; no member list, no group and no user is read one by one.
    expect(graphPaths.every((path) => path.includes('/users/delta') || path.includes('/groups/delta')), graphPaths.join('\n')).toBe(true);
    expect(stats.graphRequests).toBe(2);
    expect(cycleSummary(run)?.counts).toMatchObject({ groupsRead: 2, sourceRequests: stats.graphRequests });
  });

  it('a member added to a group is one add-members PATCH', async () => {
    env.graph.upsertGroup({ id: sales, displayName: 'Sales', members: [users.ann!, users.bob!, users.cat!, berlin] });
    const { run, groupMode, sent } = await sync();
    expect(run.code, run.stdout).toBe(0);
    expect(groupMode).toBe('incremental');
    const salesId = (await scimGroup('Sales'))?.id;
    expect(sent).toEqual([
      expect.objectContaining({ method: 'PATCH', path: `/Groups/${salesId}`, body: { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: await targetIdOf('cat') }] }] } }),
    ]);
  });

  it('a member removed from a group (still in scope through another) is one remove PATCH', async () => {
    const catId = await targetIdOf('cat');
    env.graph.upsertGroup({ id: sales, displayName: 'Sales', members: [users.ann!, users.bob!, berlin] });
    const { run, groupMode, sent } = await sync();
    expect(run.code, run.stdout).toBe(0);
    expect(groupMode).toBe('incremental');
    const salesId = (await scimGroup('Sales'))?.id;
    expect(sent).toEqual([expect.objectContaining({ method: 'PATCH', path: `/Groups/${salesId}`, body: { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${catId}"]` }] } })]);
  });

  it('a user who joins a scope group is created and added; one who leaves is disabled and removed', async () => {
    const annId = await targetIdOf('ann');
    env.graph.upsertGroup({ id: sales, displayName: 'Sales', members: [users.bob!, users.dan!, berlin] });
    const { run, userMode, groupMode, sent } = await sync();
    expect(run.code, run.stdout).toBe(0);
    expect([userMode, groupMode]).toEqual(['incremental', 'incremental']);
    expect(sent.filter((r) => r.method === 'POST').map((r) => (r.body as { userName?: string }).userName)).toEqual(['dan@delta.example']);
    expect(sent.find((r) => r.path === `/Users/${annId}`)?.body).toMatchObject({ Operations: [{ op: 'replace', path: 'active', value: false }] });
    expect((await scimUser('ann'))?.active).toBe(false);
    expect(await membersOf('Sales')).toEqual([await targetIdOf('bob'), await targetIdOf('dan'), await targetIdOf('eve')].sort());
  });

  it('a user who joins a nested group is in scope through it', async () => {
    env.graph.upsertGroup({ id: berlin, displayName: 'Sales Berlin', members: [users.eve!, users.fay!] });
    const { run, groupMode, sent } = await sync();
    expect(run.code, run.stdout).toBe(0);
    expect(groupMode).toBe('incremental');
    expect(sent.filter((r) => r.method === 'POST').map((r) => (r.body as { userName?: string }).userName)).toEqual(['fay@delta.example']);
    expect(await membersOf('Sales')).toContain(await targetIdOf('fay'));
  });

  it('plan applies the changes in memory only: the next cycle still sends them', async () => {
    env.graph.upsertGroup({ id: engineering, displayName: 'Engineering', members: [users.cat!, users.bob!] });
    const plan = await sync('plan', '--config', config);
    expect(plan.run.code, plan.run.stderr).toBe(0);
    expect(plan.run.stdout).toContain(`+ Engineering: ${users.bob}`);
    expect(plan.sent).toEqual([]);
    const { run, sent } = await sync();
    expect(run.code, run.stdout).toBe(0);
    const engineeringId = (await scimGroup('Engineering'))?.id;
    expect(sent).toEqual([
      expect.objectContaining({ method: 'PATCH', path: `/Groups/${engineeringId}`, body: { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: await targetIdOf('bob') }] }] } }),
    ]);
  });

  it('--full reads every group and member list again, and finds nothing to send', async () => {
    const { run, userMode, groupMode, graphPaths, sent } = await sync('--sync-now', '--full', '--config', config);
    expect(run.code, run.stdout).toBe(0);
    expect([userMode, groupMode]).toEqual(['full', 'full']);
    expect(graphPaths.some((path) => path.includes(`/groups/${sales}/transitiveMembers`))).toBe(true);
    expect(sent).toEqual([]);
  });

  it('an expired delta token falls back to a full read in the same cycle', async () => {
    env.graph.expireDeltaTokens();
    env.graph.upsertGroup({ id: engineering, displayName: 'Engineering', members: [users.cat!] });
    const { run, groupMode, sent } = await sync();
    expect(run.code, run.stdout).toBe(0);
    expect(groupMode).toBe('full');
    expect(run.logs.some((l) => typeof l.msg === 'string' && l.msg.includes('change cursor no longer valid'))).toBe(true);
    const engineeringId = (await scimGroup('Engineering'))?.id;
    expect(sent).toEqual([
      expect.objectContaining({ method: 'PATCH', path: `/Groups/${engineeringId}`, body: { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${await targetIdOf('bob')}"]` }] } }),
    ]);
    // And the next cycle is incremental again.
    const next = await sync();
    expect(next.groupMode).toBe('incremental');
    expect(next.sent).toEqual([]);
  });
});

describe('incremental reads for a job scoped by groups it does not provision (groups: false)', () => {
  let scopeOnly: string;
  let support: string;
  beforeAll(() => {
    for (const name of ['gus', 'hal', 'ivy']) {
      users[name] = env.graph.upsertUser({ userPrincipalName: `${name}@delta.example`, mail: `${name}@delta.example`, displayName: name.toUpperCase(), department: 'support' });
    }
    support = env.graph.upsertGroup({ displayName: 'Support', members: [users.gus!, users.hal!] });
    scopeOnly = env.writeConfig({ name: 'scope-only', scope: { groups: ['Support'] }, groups: false }, 'scope-only.yaml');
  });
  const syncScopeOnly = () => sync('--sync-now', '--config', scopeOnly);

  it('reads in full first, then follows the scope group with the change feeds at a few requests', async () => {
    const first = await syncScopeOnly();
    expect(first.run.code, first.run.stdout).toBe(0);
    expect(first.sent.filter((r) => r.method === 'POST').map((r) => (r.body as { userName?: string }).userName).sort()).toEqual(['gus@delta.example', 'hal@delta.example']);
    const quiet = await syncScopeOnly();
    expect(quiet.run.code, quiet.run.stdout).toBe(0);
    expect([quiet.userMode, quiet.groupMode]).toEqual(['incremental', 'incremental']);
    expect(quiet.sent).toEqual([]);
    // The scope group named by display name is looked up once; then one round of each delta.
    expect(quiet.graphPaths.filter((path) => !path.includes('/delta')), quiet.graphPaths.join('\n')).toEqual([expect.stringContaining("displayName eq 'Support'")]);
    expect(quiet.stats.graphRequests).toBe(3);
    expect(quiet.sent.filter((r) => r.path.startsWith('/Groups'))).toEqual([]);
  });

  it('creates a user who joins the scope group and disables one who leaves it', async () => {
    const halId = (await scimUser('hal'))?.id;
    env.graph.upsertGroup({ id: support, displayName: 'Support', members: [users.gus!, users.ivy!] });
    const { run, userMode, groupMode, sent } = await syncScopeOnly();
    expect(run.code, run.stdout).toBe(0);
    expect([userMode, groupMode]).toEqual(['incremental', 'incremental']);
    expect(sent.filter((r) => r.method === 'POST').map((r) => (r.body as { userName?: string }).userName)).toEqual(['ivy@delta.example']);
    expect(sent.find((r) => r.path === `/Users/${halId}`)?.body).toMatchObject({ Operations: [{ op: 'replace', path: 'active', value: false }] });
    expect(sent).toHaveLength(2);
  });
});

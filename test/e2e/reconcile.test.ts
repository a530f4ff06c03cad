/**
 * `provisiond reconcile` end to end: the built CLI against the Graph fake and the SCIM server,
 * after changes made in the app behind provisiond's back.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2eEnvironment, SECRETS, writes } from './harness.js';

interface Report {
  outcome: string;
  appRead: string;
  notes: string[];
  ignored: string[];
  errors: string[];
  counts: Record<string, number>;
  drifted: { kind: string; sourceId: string; targetId: string; label: string; attributes: { path: string; app: unknown; desired: unknown }[] }[];
  missingInApp: { kind: string; sourceId: string; targetId: string; label: string }[];
  unmanaged: { targetId: string; label: string; matchesSourceUser: boolean; sourceId?: string; matchedBy?: string }[];
  membership: { label: string; added: { targetId: string; sourceId?: string }[]; removed: { targetId: string }[] }[];
  pendingCreate: { sourceId: string; label: string }[];
  repair?: Record<string, number>;
}

let env: E2eEnvironment;
let config: string;
const ids: Record<string, string> = {};
let salesId: string;

const upn = (name: string) => `${name}@reconcile.example`;
const appUser = async (name: string) => (await env.scimUsers()).find((u) => String(u.userName).toLowerCase() === upn(name));
const appGroup = async (displayName: string) => {
  const groups = (await (await fetch(`${env.adminUrl}/groups`)).json()) as { id: string; displayName: string; members?: { value: string }[] }[];
  return groups.find((g) => g.displayName === displayName);
};

async function reconcile(args: string[] = [], path = config) {
  const run = await env.runCli(['reconcile', '--job', 'app', '--json', '--config', path, ...args]);
  let report: Report | undefined;
  try {
    report = JSON.parse(run.stdout) as Report;
  } catch {
    report = undefined;
  }
  return { run, report };
}

beforeAll(async () => {
  env = await E2eEnvironment.start();
  for (const name of ['ann', 'bob', 'cat']) {
    ids[name] = env.graph.upsertUser({ userPrincipalName: upn(name), mail: upn(name), givenName: name, surname: 'Test', displayName: name.toUpperCase(), jobTitle: 'Engineer', department: 'R&D' });
  }
  salesId = env.graph.upsertGroup({ displayName: 'Sales', members: [ids.ann!, ids.cat!] });
  config = env.writeConfig({ groups: { from: 'all' } });
  const sync = await env.runCli(['--sync-now', '--config', config]);
  expect(sync.code, sync.stdout).toBe(0);
});
afterAll(async () => env?.stop());

describe('provisiond reconcile', () => {
  it('right after a sync, reports everything in sync (exit 0 with --detailed-exitcode)', async () => {
    await env.clearScimRequests();
    const { run, report } = await reconcile(['--detailed-exitcode']);
    expect(run.code, run.stderr).toBe(0);
    expect(report).toMatchObject({ outcome: 'in-sync', appRead: 'listed', drifted: [], missingInApp: [], unmanaged: [], membership: [], pendingCreate: [] });
    expect(report?.counts).toMatchObject({ appUsers: 3, inSync: 4, appGroups: 1 });
    // Reads only, and asks for only what the mappings and match rules use; this app cannot project
    // an extension attribute (a 400), so whole users are read instead, and the report says so.
    const requests = await env.scimRequests();
    expect(writes(requests)).toEqual([]);
    const listings = requests.filter((r) => r.path.startsWith('/Users?'));
    expect(listings[0]).toMatchObject({ status: 400, path: expect.stringMatching(/attributes=id,userName,externalId,active,name,displayName,emails,title,urn/) });
    expect(listings[1]).toMatchObject({ status: 200, path: expect.not.stringContaining('attributes=') });
    expect(report?.notes.join(' ')).toMatch(/the app refused attributes=.* \(HTTP 400\), so whole resources were read/);
  });

  it('reports exactly what changed in the app: a drifted attribute, a deleted user, two unmanaged accounts and a stranger in a group (exit 2)', async () => {
    const ann = (await appUser('ann'))!;
    const bob = (await appUser('bob'))!;
    // In the app's own UI: ann's title edited, bob deleted, two accounts created, one of them added to Sales.
    await fetch(`${env.adminUrl}/users/${ann.id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Hacker' }) });
    await env.deleteScimUserBehindOurBack(String(bob.id));
    const local = await env.createScimUserByHand({ userName: 'local@reconcile.example', active: true });
    // dan joins the directory; an account with his name already exists in the app, which provisiond never linked.
    ids.dan = env.graph.upsertUser({ userPrincipalName: upn('dan'), mail: upn('dan'), givenName: 'dan', surname: 'Test', displayName: 'DAN', jobTitle: 'Engineer', department: 'R&D' });
    const dan = await env.createScimUserByHand({ userName: 'DAN@reconcile.example', active: true });
    const sales = (await appGroup('Sales'))!;
    const patch = await fetch(`${env.scimUrl}/Groups/${sales.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${SECRETS.SCIM_TOKEN}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: [{ value: local.id }] }] }),
    });
    expect(patch.status).toBeLessThan(300);
    await env.clearScimRequests();

    const { run, report } = await reconcile(['--detailed-exitcode']);
    expect(run.code, run.stderr).toBe(2);
    expect(report?.outcome).toBe('drift');
    expect(report?.drifted).toEqual([{ kind: 'user', sourceId: ids.ann, targetId: ann.id, label: upn('ann'), attributes: [{ path: 'title', app: 'Hacker', desired: 'Engineer' }] }]);
    expect(report?.missingInApp).toEqual([{ kind: 'user', sourceId: ids.bob, targetId: bob.id, label: upn('bob') }]);
    expect(report?.unmanaged.map((u) => ({ targetId: u.targetId, matchesSourceUser: u.matchesSourceUser, sourceId: u.sourceId })).sort((a, b) => a.targetId.localeCompare(b.targetId))).toEqual(
      [
        { targetId: local.id, matchesSourceUser: false, sourceId: undefined },
        { targetId: dan.id, matchesSourceUser: true, sourceId: ids.dan },
      ].sort((a, b) => String(a.targetId).localeCompare(String(b.targetId))),
    );
    expect(report?.membership).toEqual([{ kind: 'group', sourceId: salesId, targetId: sales.id, label: 'Sales', added: [{ targetId: local.id }], removed: [] }]);
    expect(report?.pendingCreate).toEqual([]);
    expect(writes(await env.scimRequests())).toEqual([]);

  });

  it('--repair restores the attribute, re-creates the missing user, removes the stranger from the group, and leaves both unmanaged accounts alone', async () => {
    const local = (await env.scimUsers()).find((u) => u.userName === 'local@reconcile.example')!;
    const dan = (await appUser('dan'))!;
    await env.clearScimRequests();
    // The human table this time: the same findings, then what the repair did.
    const run = await env.runCli(['reconcile', '--job', 'app', '--repair', '--config', config]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/drifted\s+user\s+ann@reconcile\.example\s+\S+\s+title: app "Hacker", desired "Engineer"/);
    expect(run.stdout).toMatch(/missing\s+user\s+bob@reconcile\.example\s+\S+\s+gone from the app/);
    expect(run.stdout).toMatch(/members\s+group\s+Sales\s+\S+\s+added in the app: /);
    expect(run.stdout).toMatch(/unmanaged\s+user\s+DAN@reconcile\.example\s+\S+\s+matches source user dan@reconcile\.example by userName/);
    expect(run.stdout).toContain('Summary: 1 in sync, 1 drifted, 1 missing in the app, 1 group(s) with membership drift, 2 unmanaged (1 matching a source user), 0 pending create');
    expect(run.stdout).toContain('Repair: 1 updated, 1 re-created, 0 re-linked, 0 adopted, 0 member(s) added, 1 removed, 0 group(s) re-created, 0 failed');
    const sent = writes(await env.scimRequests());
    expect(sent.filter((r) => r.path.includes(String(local.id)) || r.path.includes(String(dan.id)))).toEqual([]);
    expect((await appUser('ann'))?.title).toBe('Engineer');
    expect(await appUser('bob')).toMatchObject({ title: 'Engineer', externalId: ids.bob });
    expect((await appGroup('Sales'))?.members?.map((m) => m.value).sort()).toEqual([(await appUser('ann'))!.id, (await appUser('cat'))!.id].sort());
    expect(await env.scimUsers()).toEqual(expect.arrayContaining([expect.objectContaining({ id: local.id }), expect.objectContaining({ id: dan.id, userName: 'DAN@reconcile.example' })]));
  });

  it('--adopt links the account the in-scope source user matches, and a last reconcile is in sync (exit 0)', async () => {
    const dan = (await appUser('dan'))!;
    const { run, report } = await reconcile(['--adopt']);
    expect(run.code, run.stderr).toBe(0);
    expect(report?.repair).toMatchObject({ adopted: 1, failed: 0 });
    expect(await appUser('dan')).toMatchObject({ id: dan.id, externalId: ids.dan, title: 'Engineer' });

    const last = await reconcile(['--detailed-exitcode']);
    expect(last.run.code, last.run.stdout).toBe(0);
    expect(last.report).toMatchObject({ outcome: 'in-sync', drifted: [], missingInApp: [], membership: [], pendingCreate: [] });
    // The account nobody matches is still there, still reported, still untouched.
    expect(last.report?.unmanaged).toEqual([expect.objectContaining({ label: 'local@reconcile.example', matchesSourceUser: false })]);
  });

  it('an app that cannot list is read by id: drift and missing users are still reported, and the report says unmanaged accounts cannot be discovered', async () => {
    const cat = (await appUser('cat'))!;
    await fetch(`${env.adminUrl}/users/${cat.id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Intern' }) });
    await env.injectScimFault({ status: 501, method: 'GET', path: '/Users', match: 'startIndex', count: 100 });
    try {
      const { run, report } = await reconcile(['--detailed-exitcode']);
      expect(run.code, run.stderr).toBe(2);
      expect(report?.appRead).toBe('by-id');
      expect(report?.notes.join(' ')).toMatch(/accounts provisiond does not manage cannot be discovered/);
      expect(report?.unmanaged).toEqual([]);
      expect(report?.drifted).toEqual([expect.objectContaining({ label: upn('cat'), attributes: [{ path: 'title', app: 'Intern', desired: 'Engineer' }] })]);
    } finally {
      await env.clearScimFaults();
    }
  });

  it('reconcile.ignore leaves an attribute out, and says so', async () => {
    // The same job and snapshot, with cat's title (changed in the app above) ignored.
    const text = JSON.parse(readFileSync(config, 'utf8')) as { jobs: Record<string, unknown>[] };
    text.jobs[0]!.reconcile = { ignore: ['title'] };
    const ignoring = join(env.dir, 'ignoring.yaml');
    writeFileSync(ignoring, JSON.stringify(text));
    const { run, report } = await reconcile(['--detailed-exitcode'], ignoring);
    expect(run.code, run.stdout).toBe(0);
    expect(report?.ignored).toEqual(['title']);
    expect(report?.notes).toContain('not compared (jobs[].reconcile.ignore): title');
    expect(report?.drifted).toEqual([]);
  });

  it('a malformed page is a failed read: exit 1, and nothing is repaired', async () => {
    await env.injectScimFault({ method: 'GET', path: '/Users', match: 'startIndex', answer: { status: 200, body: '{"Resources": "nope"}', contentType: 'application/scim+json' }, count: 5 });
    await env.clearScimRequests();
    try {
      const { run, report } = await reconcile(['--repair', '--detailed-exitcode']);
      expect(run.code).toBe(1);
      expect(report?.outcome).toBe('failed');
      expect(report?.errors.join(' ')).toMatch(/Resources/);
      expect(writes(await env.scimRequests())).toEqual([]);
    } finally {
      await env.clearScimFaults();
    }
  });

  it('a bad config exits 1 with --detailed-exitcode, never 2', async () => {
    const run = await env.runCli(['reconcile', '--job', 'nope', '--detailed-exitcode', '--config', config]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no job named "nope"/);
  });
});

/** The Graph fake's enterprise apps (servicePrincipals, appRoleAssignedTo) and delta-token expiry, over plain HTTPS. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGraphFake, type GraphFake } from '../../dev/graph-fake.js';
import { createTestCertificate } from '../../dev/tls.js';
import { clientCredentialsToken, httpsJson, type JsonResponse } from './support/https.js';

const TENANT = 'contoso-tenant-id';
const CLIENT = 'client-app-id';
const SECRET = 's3cret';
const APP_ID = '9a1b2c3d-0000-4000-8000-00000000f11b';

const tls = createTestCertificate();
let fake: GraphFake;
let token: string;

function graph(path: string, headers: Record<string, string> = {}): Promise<JsonResponse> {
  const url = path.startsWith('https://') ? path : `${fake.graphUrl}${path}`;
  return httpsJson(url, { ca: tls.cert, headers: { authorization: `Bearer ${token}`, ...headers } });
}

function admin(path: string, method = 'GET', body?: unknown): Promise<JsonResponse> {
  return httpsJson(`${fake.authorityHost}/_admin/${path}`, {
    ca: tls.cert,
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function listAll(path: string): Promise<{ items: Record<string, unknown>[]; pages: number }> {
  const items: Record<string, unknown>[] = [];
  let pages = 0;
  for (let next: string | undefined = path; next; pages++) {
    const res = await graph(next);
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    items.push(...(res.json['value'] as Record<string, unknown>[]));
    next = res.json['@odata.nextLink'] as string | undefined;
  }
  return { items, pages };
}

beforeAll(async () => {
  fake = await startGraphFake({ tls, tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET });
  const res = await clientCredentialsToken(fake.authorityHost, TENANT, { grant_type: 'client_credentials', client_id: CLIENT, client_secret: SECRET, scope: 'https://graph.microsoft.com/.default' }, tls.cert);
  token = String(res.json['access_token']);
});

afterAll(async () => {
  await fake.close();
});

describe('service principals and appRoleAssignedTo', () => {
  let sp: string;
  const users: string[] = [];
  let group: string;

  beforeAll(() => {
    for (let i = 0; i < 3; i++) users.push(fake.upsertUser({ userPrincipalName: `assignee${i}@contoso.example`, displayName: `Assignee ${i}` }));
    group = fake.upsertGroup({ displayName: 'Flip users', members: [users[2] as string] });
    sp = fake.upsertServicePrincipal({
      appId: APP_ID,
      displayName: 'Flip',
      appRoles: [{ id: '11111111-0000-0000-0000-00000000000a', value: 'Admin', displayName: 'Administrator' }],
    });
    for (const principal of [users[0], users[1], group]) fake.assignToServicePrincipal(sp, principal as string);
  });

  it('serves a service principal by object id and by appId (the alternate key), and 404s unknown ones', async () => {
    expect((await graph(`/servicePrincipals/${sp}`)).json).toMatchObject({ id: sp, appId: APP_ID, displayName: 'Flip' });
    expect((await graph(`/servicePrincipals(appId='${APP_ID}')?$select=id`)).json).toMatchObject({ id: sp });
    expect((await graph(`/servicePrincipals/${APP_ID}`)).json).toMatchObject({ error: { code: 'Request_ResourceNotFound' } });
    expect((await graph(`/servicePrincipals(appId='${sp}')`)).status).toBe(404);
    expect((await listAll(`/servicePrincipals?$filter=appId eq '${APP_ID}'`)).items.map((s) => s['id'])).toEqual([sp]);
  });

  it('lists users and groups assigned to the app with Graph’s appRoleAssignment shape, paged by $top', async () => {
    const { items, pages } = await listAll(`/servicePrincipals/${sp}/appRoleAssignedTo?$top=2`);
    expect(pages).toBe(2);
    expect(items.map((a) => [a['principalId'], a['principalType']])).toEqual([
      [users[0], 'User'],
      [users[1], 'User'],
      [group, 'Group'],
    ]);
    expect(items[2]).toEqual({
      id: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      deletedDateTime: null,
      appRoleId: '00000000-0000-0000-0000-000000000000',
      createdDateTime: expect.stringMatching(/Z$/),
      principalDisplayName: 'Flip users',
      principalId: group,
      principalType: 'Group',
      resourceDisplayName: 'Flip',
      resourceId: sp,
    });
    const viaAppId = await listAll(`/servicePrincipals(appId='${APP_ID}')/appRoleAssignedTo?$select=principalId,principalType`);
    expect(viaAppId.items[0]).toEqual({ id: items[0]?.['id'], principalId: users[0], principalType: 'User' });
  });

  it('hides a soft-deleted user’s assignment until restore, and drops a purged one', async () => {
    const assigned = async () => (await listAll(`/servicePrincipals/${sp}/appRoleAssignedTo`)).items.map((a) => a['principalId']);
    fake.softDeleteUser(users[1] as string);
    expect(await assigned()).toEqual([users[0], group]);
    fake.restoreUser(users[1] as string);
    expect(await assigned()).toEqual([users[0], users[1], group]);
    const temp = fake.upsertUser({ userPrincipalName: 'temp@contoso.example' });
    fake.assignToServicePrincipal(sp, temp);
    fake.hardDeleteUser(temp);
    expect(await assigned()).toEqual([users[0], users[1], group]);
    expect(() => fake.assignToServicePrincipal(sp, 'no-such-principal')).toThrow(/no user or group/);
    // A second role is a second assignment; the same role again is none.
    const role = '11111111-0000-0000-0000-00000000000a';
    const first = fake.assignToServicePrincipal(sp, users[0] as string, role);
    expect(fake.assignToServicePrincipal(sp, users[0] as string, role)).toBe(first);
    expect(await assigned()).toEqual([users[0], users[1], group, users[0]]);
    fake.unassignFromServicePrincipal(sp, users[0] as string);
    expect(await assigned()).toEqual([users[1], group]);
    fake.assignToServicePrincipal(sp, users[0] as string);
  });

  it('serves the app’s appRoles, refuses a role the app does not define, and removes one role of a principal', async () => {
    expect((await graph(`/servicePrincipals/${sp}?$select=id,appRoles`)).json).toEqual({
      '@odata.context': expect.any(String),
      id: sp,
      appRoles: [
        {
          id: '11111111-0000-0000-0000-00000000000a',
          value: 'Admin',
          displayName: 'Administrator',
          description: 'Administrator',
          allowedMemberTypes: ['User'],
          isEnabled: true,
          origin: 'Application',
        },
      ],
    });
    expect(() => fake.assignToServicePrincipal(sp, users[1] as string, '22222222-0000-0000-0000-00000000000b')).toThrow(/not an enabled user role/);
    const roleOf = async (principal: string) =>
      (await listAll(`/servicePrincipals/${sp}/appRoleAssignedTo?$select=principalId,appRoleId`)).items.filter((a) => a['principalId'] === principal).map((a) => a['appRoleId']);
    fake.assignToServicePrincipal(sp, users[1] as string, '11111111-0000-0000-0000-00000000000a');
    expect(await roleOf(users[1] as string)).toEqual(['00000000-0000-0000-0000-000000000000', '11111111-0000-0000-0000-00000000000a']);
    expect((await admin(`servicePrincipals/${sp}/unassign`, 'POST', { principalId: users[1], appRoleId: '11111111-0000-0000-0000-00000000000a' })).status).toBe(204);
    expect(await roleOf(users[1] as string)).toEqual(['00000000-0000-0000-0000-000000000000']);
    // A role dropped from the app leaves its assignments in place, as in Entra: they no longer resolve.
    fake.assignToServicePrincipal(sp, users[1] as string, '11111111-0000-0000-0000-00000000000a');
    fake.upsertServicePrincipal({ id: sp, displayName: 'Flip', appRoles: [] });
    expect(await roleOf(users[1] as string)).toContain('11111111-0000-0000-0000-00000000000a');
    fake.unassignFromServicePrincipal(sp, users[1] as string, '11111111-0000-0000-0000-00000000000a');
    fake.upsertServicePrincipal({ id: sp, displayName: 'Flip', appRoles: [{ id: '11111111-0000-0000-0000-00000000000a', value: 'Admin', displayName: 'Administrator' }] });
  });

  it('is driven over the admin API too', async () => {
    const created = await admin('servicePrincipals', 'POST', { displayName: 'Flagsmith' });
    const id = String(created.json['id']);
    expect((await admin(`servicePrincipals/${id}/assign`, 'POST', { principalId: users[0] })).status).toBe(200);
    expect((await admin('servicePrincipals')).json).toEqual(expect.arrayContaining([expect.objectContaining({ id, displayName: 'Flagsmith', assignedTo: [users[0]] })]));
    expect((await admin(`servicePrincipals/${id}/unassign`, 'POST', { principalId: users[0] })).status).toBe(204);
    expect((await listAll(`/servicePrincipals/${id}/appRoleAssignedTo`)).items).toEqual([]);
    expect((await admin(`servicePrincipals/${id}`, 'DELETE')).status).toBe(204);
    expect((await graph(`/servicePrincipals/${id}`)).status).toBe(404);
  });
});

describe('delta tokens: "from now on" and expiry', () => {
  it('$deltatoken=latest answers only a deltaLink, which then reports what changed after it', async () => {
    const user = fake.upsertUser({ userPrincipalName: 'latest@contoso.example', displayName: 'Before' });
    const start = await graph('/users/delta?$select=id,displayName,accountEnabled&$deltatoken=latest');
    expect(start.json['value']).toEqual([]);
    expect(start.json['@odata.nextLink']).toBeUndefined();
    const deltaLink = String(start.json['@odata.deltaLink']);
    fake.patchUser(user, { displayName: 'After' });
    const changes = await graph(deltaLink);
    // All selected properties come back, not just the changed one.
    expect(changes.json['value']).toEqual([{ id: user, displayName: 'After', accountEnabled: true }]);
  });

  it('expireDeltaTokens() makes every earlier delta and skip token answer 410 SyncStateNotFound; new rounds work', async () => {
    for (let i = 0; i < 3; i++) fake.upsertUser({ userPrincipalName: `expiring${i}@contoso.example` });
    // Delta takes no $top: its page size is a preference.
    const round = await graph('/users/delta?$select=id', { prefer: 'odata.maxpagesize=1' });
    const nextLink = String(round.json['@odata.nextLink']);
    expect(nextLink).toContain('$skiptoken=');
    const latest = String((await graph('/users/delta?$select=id&$deltatoken=latest')).json['@odata.deltaLink']);
    fake.expireDeltaTokens();
    for (const link of [latest, nextLink]) {
      const expired = await graph(link);
      expect(expired.status).toBe(410);
      expect(expired.json).toMatchObject({ error: { code: 'SyncStateNotFound' } });
    }
    const fresh = await graph('/users/delta?$select=id&$deltatoken=latest');
    expect((await graph(String(fresh.json['@odata.deltaLink']))).status).toBe(200);
    fake.clearFaults();
    expect((await graph(latest)).status).toBe(410);
  });

  it('takes the status and code to answer with, also over the admin API', async () => {
    const link = String((await graph('/users/delta?$deltatoken=latest')).json['@odata.deltaLink']);
    expect((await admin('expireDeltaTokens', 'POST', { status: 400, code: 'resyncRequired' })).status).toBe(204);
    const expired = await graph(link);
    expect(expired.status).toBe(400);
    expect(expired.json).toMatchObject({ error: { code: 'resyncRequired' } });
  });
});

describe('users delta with $expand=manager', () => {
  it('reports the manager as manager@delta on the first round, then only when it changes, a removed one marked @removed', async () => {
    const boss = fake.upsertUser({ userPrincipalName: 'delta-boss@contoso.example' });
    const report = fake.upsertUser({ userPrincipalName: 'delta-report@contoso.example', manager: boss });
    const first = await listAll('/users/delta?$select=userPrincipalName&$expand=manager($select=id)');
    const entry = (items: Record<string, unknown>[]) => items.find((u) => u['id'] === report);
    expect(entry(first.items)?.['manager@delta']).toEqual([{ '@odata.type': '#microsoft.graph.user', id: boss }]);
    expect(entry(first.items)).not.toHaveProperty('manager');
    let deltaLink = await deltaLinkOf('/users/delta?$select=userPrincipalName&$expand=manager($select=id)');

    fake.patchUser(report, { userPrincipalName: 'delta-report2@contoso.example' });
    let round = await listAll(deltaLink);
    expect(entry(round.items)).toMatchObject({ userPrincipalName: 'delta-report2@contoso.example' });
    expect(entry(round.items)).not.toHaveProperty('manager@delta');

    deltaLink = await deltaLinkOf(deltaLink);
    fake.patchUser(report, { manager: null });
    round = await listAll(deltaLink);
    expect(entry(round.items)?.['manager@delta']).toEqual([{ '@odata.type': '#microsoft.graph.user', id: boss, '@removed': { reason: 'deleted' } }]);
  });
});

/** Follows a delta request to its deltaLink (the state after everything so far). */
async function deltaLinkOf(path: string): Promise<string> {
  for (let next: string | undefined = path; next; ) {
    const res = await graph(next);
    const link = res.json['@odata.deltaLink'] as string | undefined;
    if (link) return link;
    next = res.json['@odata.nextLink'] as string | undefined;
  }
  throw new Error('no deltaLink');
}

/** EntraSource app-assignment scope (resolveAppAssignments, resolveAppGroups) with the real SDKs against the Graph fake. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGraphFake, type GraphFake } from '../../../dev/graph-fake.js';
import { writeTestCertificate } from '../../../dev/tls.js';
import { EntraHost, SECRET, graphPathsOf } from './entra-host.js';

const APP_ID = '4c3b2a10-5e6f-4a1b-9c8d-7e6f5a4b3c2d';
let dir: string;
let fake: GraphFake;
let host: EntraHost;
let sp: string;
const users: Record<string, string> = {};
let flipUsers: string;
let nested: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'entra-apps-'));
  const tls = writeTestCertificate(dir);
  fake = await startGraphFake({ tls, tenantId: '11111111-2222-3333-4444-555555555555', clientId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', clientSecret: SECRET });
  for (const name of ['direct', 'member', 'deep', 'bystander', 'both']) users[name] = fake.upsertUser({ userPrincipalName: `${name}@contoso.example` });
  nested = fake.upsertGroup({ displayName: 'Flip users (Berlin)', members: [users.deep!] });
  flipUsers = fake.upsertGroup({ displayName: 'Flip users', members: [users.member!, users.both!, nested] });
  fake.upsertGroup({ displayName: 'Not assigned', members: [users.bystander!] });
  sp = fake.upsertServicePrincipal({ appId: APP_ID, displayName: 'Flip', appRoles: [{ id: '11111111-0000-0000-0000-00000000000a', value: 'Admin', displayName: 'Admin' }] });
  for (const principal of [users.direct!, users.both!, flipUsers]) fake.assignToServicePrincipal(sp, principal);
  host = EntraHost.start(fake, tls.certPath);
});

afterAll(async () => {
  await host?.close();
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => fake.resetLog());

const graphPaths = () => graphPathsOf(fake);

describe('EntraSource.resolveAppAssignments', () => {
  it('takes the service principal’s object id: direct assignees plus the user members of assigned groups, nested included', async () => {
    const assigned = await host.value('resolveAppAssignments', [sp]);
    expect(assigned.sort()).toEqual([users.direct, users.member, users.both, users.deep].sort());
    expect(graphPaths()).toEqual([
      `/servicePrincipals/${sp}?$select=id`,
      `/servicePrincipals/${sp}/appRoleAssignedTo?$select=principalId,principalType&$top=999`,
      `/groups/${flipUsers}/transitiveMembers/microsoft.graph.user?$select=id&$top=999`,
    ]);
  });

  it('takes the application (client) id through the appId alternate key', async () => {
    expect((await host.value('resolveAppAssignments', [APP_ID])).sort()).toEqual([users.direct, users.member, users.both, users.deep].sort());
    expect(graphPaths().slice(0, 3)).toEqual([
      `/servicePrincipals/${APP_ID}?$select=id`,
      `/servicePrincipals(appId='${APP_ID}')?$select=id`,
      `/servicePrincipals/${sp}/appRoleAssignedTo?$select=principalId,principalType&$top=999`,
    ]);
  });

  it('follows nextLinks through more than 999 assignments', async () => {
    const big = fake.upsertServicePrincipal({ displayName: 'Big app' });
    const many: string[] = [];
    for (let i = 0; i < 1001; i++) {
      const id = fake.upsertUser({ userPrincipalName: `many${i}@contoso.example` });
      fake.assignToServicePrincipal(big, id);
      many.push(id);
    }
    const assigned = await host.value('resolveAppAssignments', [big]);
    expect(assigned).toHaveLength(1001);
    expect(new Set(assigned)).toEqual(new Set(many));
    expect(graphPaths().filter((p) => p.includes('/appRoleAssignedTo'))).toHaveLength(2);
  });

  it('says what to fix for an app that does not exist, or a ref that is no id at all', async () => {
    const unknown = '00000000-1111-2222-3333-444444444444';
    expect(await host.failure('resolveAppAssignments', [unknown])).toMatchObject({
      name: 'SourceReadError',
      status: 404,
      message: `source "corp": no enterprise app (service principal) has the object id or application id ${unknown}; check jobs[].scope.app (Entra admin center → Enterprise applications)`,
    });
    fake.resetLog();
    expect((await host.failure('resolveAppAssignments', ['flip'])).message).toBe(
      'source "corp": jobs[].scope.app "flip" is not an id; use the enterprise app\'s object id or its application (client) id (Entra admin center → Enterprise applications)',
    );
    expect(graphPaths()).toEqual([]);
  });

  it('rides out a 503 on the assignment listing (the source’s retry middleware)', async () => {
    fake.throttle({ next: 1, retryAfterSeconds: 0, status: 503 });
    expect(await host.value('resolveAppGroups', [sp])).toEqual([flipUsers]);
    expect(fake.requests.filter((r) => r.path.startsWith('/v1.0/')).map((r) => r.status)).toEqual([503, 200, 200]);
  });
});

describe('EntraSource.resolveAppGroups', () => {
  it('lists each assigned group once, whatever roles it holds', async () => {
    fake.assignToServicePrincipal(sp, flipUsers, '11111111-0000-0000-0000-00000000000a');
    expect(await host.value('resolveAppGroups', [APP_ID])).toEqual([flipUsers]);
    const listed = fake.requests.find((r) => r.path.includes('/appRoleAssignedTo'));
    expect(listed?.status).toBe(200);
  });
});

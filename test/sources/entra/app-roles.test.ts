/** EntraSource.readAppRoleAssignments: the users' app roles, with the real SDKs against the Graph fake. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGraphFake, type GraphFake } from '../../../dev/graph-fake.js';
import { writeTestCertificate } from '../../../dev/tls.js';
import { EntraHost, SECRET, graphPathsOf } from './entra-host.js';

const ADMIN = { id: '1a000000-0000-4000-8000-00000000000a', value: 'Admin', displayName: 'Administrator' };
const READER = { id: '2b000000-0000-4000-8000-00000000000b', value: 'Reader', displayName: 'Reader' };
const AUDITOR = { id: '3c000000-0000-4000-8000-00000000000c', value: null, displayName: 'Auditor' };
const RETIRED = { id: '4d000000-0000-4000-8000-00000000000d', value: 'Retired', displayName: 'Retired' };
const role = (r: { id: string; value: string | null; displayName: string }) => ({ id: r.id, value: r.value, displayName: r.displayName });

let dir: string;
let fake: GraphFake;
let host: EntraHost;
let sp: string;
const users: Record<string, string> = {};
let readers: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'entra-roles-'));
  const tls = writeTestCertificate(dir);
  fake = await startGraphFake({ tls, tenantId: '11111111-2222-3333-4444-555555555555', clientId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', clientSecret: SECRET });
  for (const name of ['admin', 'member', 'deep', 'plain', 'auditor', 'retired']) users[name] = fake.upsertUser({ userPrincipalName: `${name}@contoso.example` });
  const nested = fake.upsertGroup({ displayName: 'Readers (Berlin)', members: [users.deep!] });
  readers = fake.upsertGroup({ displayName: 'Readers', members: [users.member!, users.admin!, nested] });
  sp = fake.upsertServicePrincipal({ displayName: 'Flip', appRoles: [ADMIN, READER, AUDITOR, RETIRED] });
  fake.assignToServicePrincipal(sp, users.admin!, ADMIN.id);
  fake.assignToServicePrincipal(sp, readers, READER.id);
  fake.assignToServicePrincipal(sp, users.plain!); // default access: assigned, no role
  fake.assignToServicePrincipal(sp, users.auditor!, AUDITOR.id);
  fake.assignToServicePrincipal(sp, users.retired!, RETIRED.id);
  fake.assignToServicePrincipal(sp, users.retired!);
  // The role is dropped from the app after it was assigned: the assignment stays, and no longer resolves.
  fake.upsertServicePrincipal({ id: sp, displayName: 'Flip', appRoles: [ADMIN, READER, AUDITOR] });
  host = EntraHost.start(fake, tls.certPath);
});

afterAll(async () => {
  await host?.close();
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => fake.resetLog());

describe('EntraSource.readAppRoleAssignments', () => {
  it('gives each assigned user the roles of its own assignments and of its groups’ (nested too), default access being no role', async () => {
    const read = await host.value('readAppRoleAssignments', [sp]);
    expect(read.users.sort()).toEqual(Object.values(users).sort());
    const sorted = (roles: { id: string }[] | undefined) => [...(roles ?? [])].sort((a, b) => a.id.localeCompare(b.id));
    expect(sorted(read.roles[users.admin!])).toEqual([role(ADMIN), role(READER)]);
    expect(read.roles[users.member!]).toEqual([role(READER)]);
    expect(read.roles[users.deep!]).toEqual([role(READER)]);
    expect(read.roles[users.auditor!]).toEqual([role(AUDITOR)]);
    expect(read.roles[users.plain!]).toBeUndefined();
    expect(read.roles[users.retired!]).toBeUndefined();
    // One listing of the assignments with their role ids, then the roles the app defines (read after, so a new role is there).
    expect(graphPathsOf(fake)).toEqual([
      `/servicePrincipals/${sp}?$select=id`,
      `/servicePrincipals/${sp}/appRoleAssignedTo?$select=principalId,principalType,appRoleId&$top=999`,
      `/groups/${readers}/transitiveMembers/microsoft.graph.user?$select=id&$top=999`,
      `/servicePrincipals/${sp}?$select=id,appRoles`,
    ]);
  });

  it('follows nextLinks through more than 999 assignments, and a role granted on the last page counts', async () => {
    const big = fake.upsertServicePrincipal({ displayName: 'Big app', appRoles: [ADMIN] });
    let last = '';
    for (let i = 0; i < 1000; i++) fake.assignToServicePrincipal(big, (last = fake.upsertUser({ userPrincipalName: `bulk${i}@contoso.example` })));
    fake.assignToServicePrincipal(big, last, ADMIN.id);
    const read = await host.value('readAppRoleAssignments', [big]);
    expect(read.users).toHaveLength(1000);
    expect(Object.keys(read.roles)).toEqual([last]);
    expect(graphPathsOf(fake).filter((p) => p.includes('/appRoleAssignedTo'))).toHaveLength(2);
  });

  it('fails the read, never drops a role, when an assignment page cannot be believed', async () => {
    for (const fault of ['nullItem', 'html'] as const) {
      fake.malformPage(1, { listing: 'assignments', fault });
      expect(await host.failure('readAppRoleAssignments', [sp], { maxRetries: 1 })).toMatchObject({ name: 'SourceReadError' });
      fake.clearFaults();
    }
    expect((await host.value('readAppRoleAssignments', [sp])).roles[users.admin!]).toHaveLength(2);
  });
});

/**
 * EntraSource groups at scale with the real SDKs against the Graph fake: member lists read through
 * JSON batching ($batch, 20 a call), a throttled sub-request retried, and incremental group reads
 * over /groups/delta with members@delta.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGraphFake, type GraphFake } from '../../../dev/graph-fake.js';
import { writeTestCertificate } from '../../../dev/tls.js';
import type { GroupChanges, SourceGroup } from '../../../src/sources/source.js';
import { EntraHost, SECRET, graphPathsOf } from './entra-host.js';

const TEAMS = 200;
const MEMBERS = 20;
const ATTRIBUTES = ['displayName', 'description'];
let dir: string;
let fake: GraphFake;
let host: EntraHost;
const teams: string[] = [];
const teamMembers = new Map<string, string[]>();
let extra: string;
let department: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'entra-groups-'));
  const tls = writeTestCertificate(dir);
  fake = await startGraphFake({ tls, tenantId: '11111111-2222-3333-4444-555555555555', clientId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', clientSecret: SECRET });
  for (let t = 0; t < TEAMS; t++) {
    const members = Array.from({ length: MEMBERS }, (_, m) => fake.upsertUser({ displayName: `user ${t}.${m}` }));
    const id = fake.upsertGroup({ displayName: `Team ${t}`, description: `team number ${t}`, members });
    teams.push(id);
    teamMembers.set(id, members);
  }
  extra = fake.upsertUser({ displayName: 'outside any team' });
  // Team 0 is nested in Department: Department's members are Team 0's users and its own.
  department = fake.upsertGroup({ displayName: 'Department', members: [teams[0]!, extra] });
  host = EntraHost.start(fake, tls.certPath);
});

afterAll(async () => {
  await host?.close();
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  fake.resetLog();
  fake.clearFaults();
});

const team = (t: number): string => teams[t] as string;
const membersOf = (t: number): string[] => teamMembers.get(team(t)) as string[];

/** Member-list reads the fake answered, in a batch or alone. */
function memberListReads() {
  return fake.requests.filter((r) => r.path.includes('/transitiveMembers/'));
}

/** The user members of a group in the fake now, nested groups flattened. */
function usersIn(groupId: string, seen = new Set<string>()): Set<string> {
  const groups = new Map(fake.groups().map((g) => [g.id as string, g.members]));
  const users = new Set<string>();
  for (const member of groups.get(groupId) ?? []) {
    if (!groups.has(member)) users.add(member);
    else if (!seen.has(member)) {
      seen.add(member);
      for (const user of usersIn(member, seen)) users.add(user);
    }
  }
  return users;
}

function byId(groups: readonly SourceGroup[]): Map<string, SourceGroup> {
  return new Map(groups.map((g) => [g.id, g]));
}

describe('EntraSource.readGroups at scale', () => {
  it("'all' reads 201 groups' members in 11 batch calls of up to 20, not 201 requests, nested groups flattened", async () => {
    const { pages, rejected } = await host.value('readGroupPages', ['all', ATTRIBUTES]);
    expect(rejected).toEqual([]);
    expect(pages.map((p) => p.length)).toEqual([TEAMS + 1]);
    const groups = byId(pages.flat());
    for (let t = 0; t < TEAMS; t++) {
      expect(groups.get(team(t))?.memberIds).toEqual(membersOf(t));
      expect(groups.get(team(t))?.attributes).toEqual({ objectId: team(t), id: team(t), displayName: `Team ${t}`, description: `team number ${t}` });
    }
    expect(new Set(groups.get(department)?.memberIds)).toEqual(new Set([...membersOf(0), extra]));
    // One listing page, then ⌈201/20⌉ calls: ten batches of 20, and the one left over as a plain GET (a batch of one only adds an envelope).
    expect(fake.stats()).toMatchObject({ graphRequests: 1 + 11, batchCalls: 10, subRequests: TEAMS });
    expect(memberListReads()).toHaveLength(TEAMS + 1);
    const subPaths = fake.requests.filter((r) => r.inBatch).map((r) => decodeURIComponent(r.path));
    expect(subPaths).toContain(`/v1.0/groups/${team(7)}/transitiveMembers/microsoft.graph.user?$select=id&$top=999`);
  });

  it('retries a throttled sub-request after its Retry-After, without failing or re-sending its neighbours', async () => {
    const before = await host.value('stats', []);
    // The listing is Graph request 1; sub-requests are 2, 3, …: the 4th sub-request of the first batch is throttled once.
    fake.throttle({ every: 5, next: 1, retryAfterSeconds: 1 });
    const { pages } = await host.value('readGroupPages', ['all', ATTRIBUTES]);
    const groups = byId(pages.flat());
    for (let t = 0; t < TEAMS; t++) expect(groups.get(team(t))?.memberIds).toEqual(membersOf(t));

    const throttled = fake.requests.filter((r) => r.status === 429);
    expect(throttled).toHaveLength(1);
    expect(throttled[0]?.inBatch).toBe(true);
    const sameRead = fake.requests.filter((r) => r.path === throttled[0]?.path);
    expect(sameRead.map((r) => r.status)).toEqual([429, 200]);
    // Each member list answered once with 200: nothing else was sent twice.
    expect(memberListReads().filter((r) => r.status === 200)).toHaveLength(TEAMS + 1);
    expect(memberListReads()).toHaveLength(TEAMS + 2);
    const after = await host.value('stats', []);
    expect(after.retries - before.retries).toBe(1);
    expect(after.throttledMs - before.throttledMs).toBe(1000);
  });

  it('reads groups named by id in batches too, leaving out a deleted one; a display name is looked up', async () => {
    const gone = '0f0f0f0f-0000-4000-8000-000000000000';
    const refs = [...teams.slice(10, 40), 'Department', gone];
    const { pages } = await host.value('readGroupPages', [{ refs }, ATTRIBUTES]);
    const groups = pages.flat();
    expect(groups.map((g) => g.id)).toEqual([...teams.slice(10, 40), department]);
    expect(groups[0]?.memberIds).toEqual(membersOf(10));
    expect(groups[0]?.attributes).toEqual({ objectId: team(10), id: team(10), displayName: 'Team 10', description: 'team number 10' });
    // The name lookup, ⌈32/20⌉ batches of group objects, ⌈31/20⌉ batches of member lists.
    expect(fake.stats()).toMatchObject({ graphRequests: 1 + 2 + 2, batchCalls: 4 });
    expect(fake.requests.find((r) => r.path.includes(gone))?.status).toBe(404);
  });

  it('follows a member list past 999 members through nextLinks inside batches', async () => {
    const crowd = Array.from({ length: 1001 }, (_, i) => fake.upsertUser({ displayName: `crowd ${i}` }));
    const big = fake.upsertGroup({ displayName: 'Everyone in the crowd', members: crowd });
    const small = fake.upsertGroup({ displayName: 'A few', members: crowd.slice(0, 3) });
    const { pages } = await host.value('readGroupPages', [{ refs: [big, small] }, ATTRIBUTES]);
    const groups = byId(pages.flat());
    expect(groups.get(big)?.memberIds).toEqual(crowd);
    expect(groups.get(small)?.memberIds).toEqual(crowd.slice(0, 3));
    expect(graphPathsOf(fake).filter((p) => p.startsWith(`/groups/${big}/transitiveMembers`))).toEqual([
      `/groups/${big}/transitiveMembers/microsoft.graph.user?$select=id&$top=999`,
      expect.stringMatching(/\$skiptoken=/),
    ]);
    fake.deleteGroup(big);
    fake.deleteGroup(small);
  });

  it('checks each sub-response: a null member is reported, a page that is not JSON fails the read', async () => {
    fake.malformPage(1, { listing: 'members', fault: 'nullItem', times: 1 });
    const { pages, rejected } = await host.value('readGroupPages', ['all', ATTRIBUTES]);
    expect(rejected).toEqual([{ label: expect.stringMatching(/^members of group "[0-9a-f-]+" page 1, item 1$/), error: 'not a JSON object (null)' }]);
    const groups = byId(pages.flat());
    for (let t = 0; t < TEAMS; t++) expect(groups.get(team(t))?.memberIds).toEqual(membersOf(t));
    expect(fake.requests.find((r) => r.inBatch)).toBeDefined();

    fake.malformPage(1, { listing: 'members', fault: 'html' });
    const failure = await host.failure('readGroupPages', ['all', ATTRIBUTES]);
    expect(failure.name).toBe('SourceReadError');
    expect(failure.message).toMatch(/reading members of group "[0-9a-f-]+" \(page 1\) failed: Graph answered 200 with a malformed page/);
  });

  it('resolveGroupMembers reads one group with a plain GET, flattened', async () => {
    expect(new Set(await host.value('resolveGroupMembers', ['Department']))).toEqual(new Set([...membersOf(0), extra]));
    expect(fake.stats()).toMatchObject({ batchCalls: 0, graphRequests: 2 });
    expect(await host.failure('resolveGroupMembers', ['0f0f0f0f-0000-4000-8000-000000000000'])).toMatchObject({ name: 'SourceReadError', status: 404 });
  });
});

function merged(pages: readonly GroupChanges[]) {
  return {
    changed: pages.flatMap((p) => p.changed),
    members: pages.flatMap((p) => p.members),
    deleted: pages.flatMap((p) => p.deleted),
  };
}

/** Replaces the group's members in the fake, keeping its other properties. */
function setMembers(id: string, change: (members: string[]) => string[], props: Record<string, unknown> = {}): void {
  const group = fake.groups().find((g) => g.id === id);
  if (!group) throw new Error(`no group ${id}`);
  const { members, ...rest } = group;
  fake.upsertGroup({ ...rest, ...props, displayName: String(props.displayName ?? rest.displayName), members: change(members) });
}

describe('EntraSource.readGroupChanges (/groups/delta with members@delta)', () => {
  it('reads a quiet round in one request, and reports exactly the changes made between two reads', async () => {
    const cursor = await host.value('groupChangeCursor', ['all', ATTRIBUTES]);
    expect(graphPathsOf(fake)).toEqual(['/groups/delta?$select=id,displayName,description,members&$deltatoken=latest']);
    fake.resetLog();
    const quiet = await host.value('readGroupChanges', ['all', ATTRIBUTES, cursor]);
    expect(merged(quiet.pages)).toEqual({ changed: [], members: [], deleted: [] });
    expect(fake.stats().graphRequests).toBe(1);

    const joiner = fake.upsertUser({ displayName: 'joiner' });
    const leaver = membersOf(2)[5] as string;
    const nestedJoiner = fake.upsertUser({ displayName: 'joins Team 0, so Department too' });
    setMembers(team(1), (m) => [...m, joiner]);
    setMembers(team(2), (m) => m.filter((id) => id !== leaver));
    setMembers(team(3), (m) => m, { displayName: 'Team 3 (renamed)' });
    fake.deleteGroup(team(4));
    setMembers(team(0), (m) => [...m, nestedJoiner]);
    // A nested group joins Team 6: its members join Team 6 as well, so Team 6 is read again in full.
    setMembers(team(6), (m) => [...m, team(7)]);
    const created = fake.upsertGroup({ displayName: 'New team', members: [joiner, extra] });
    fake.resetLog();

    const round = await host.value('readGroupChanges', ['all', ATTRIBUTES, quiet.nextCursor]);
    const { changed, members, deleted } = merged(round.pages);
    expect(changed.map((g) => g.id).sort()).toEqual([team(0), team(1), team(2), team(3), team(6), created].sort());
    expect(changed.find((g) => g.id === team(3))?.attributes).toEqual({ objectId: team(3), id: team(3), displayName: 'Team 3 (renamed)', description: 'team number 3' });
    expect(deleted).toEqual([team(4)]);
    const byGroup = new Map(members.map((m) => [m.groupId, m]));
    expect(byGroup.get(team(1))).toEqual({ groupId: team(1), added: [joiner], removed: [] });
    expect(byGroup.get(team(2))).toEqual({ groupId: team(2), added: [], removed: [leaver] });
    expect(byGroup.get(team(0))).toEqual({ groupId: team(0), added: [nestedJoiner], removed: [] });
    // Department holds Team 0: Graph reports nothing on Department, the source adds what Team 0 gained.
    expect(byGroup.get(department)).toEqual({ groupId: department, added: [nestedJoiner], removed: [] });
    expect(byGroup.get(created)).toEqual({ groupId: created, added: [joiner, extra], removed: [] });
    expect(byGroup.get(team(6))).toEqual({ groupId: team(6), added: [], removed: [], memberIds: [...membersOf(6), ...membersOf(7)] });
    expect([...byGroup.keys()].sort()).toEqual([team(0), team(1), team(2), team(6), department, created].sort());
    // No unchanged group's member list was read: only Team 6's, in full.
    const memberReads = graphPathsOf(fake).filter((p) => p.includes('/transitiveMembers/'));
    expect(memberReads).toEqual([`/groups/${team(6)}/transitiveMembers/microsoft.graph.user?$select=id&$top=999`]);
    expect(fake.stats().graphRequests).toBeLessThanOrEqual(4);

    const after = await host.value('readGroupChanges', ['all', ATTRIBUTES, round.nextCursor]);
    expect(merged(after.pages)).toEqual({ changed: [], members: [], deleted: [] });
  });

  it('reports only the selected groups, and a removal from a group holding nested groups as its full list', async () => {
    const cursor = await host.value('groupChangeCursor', [{ refs: [department, team(8)] }, ATTRIBUTES]);
    const leaver = membersOf(0)[0] as string;
    setMembers(team(0), (m) => m.filter((id) => id !== leaver));
    setMembers(team(9), (m) => m.slice(1));
    setMembers(department, (m) => [...m, team(8)]);
    setMembers(team(8), (m) => m.slice(2));
    const round = await host.value('readGroupChanges', [{ refs: [department, team(8)] }, ATTRIBUTES, cursor]);
    const { changed, members, deleted } = merged(round.pages);
    expect(changed.map((g) => g.id).sort()).toEqual([department, team(8)].sort());
    expect(deleted).toEqual([]);
    const byGroup = new Map(members.map((m) => [m.groupId, m]));
    expect([...byGroup.keys()].sort()).toEqual([department, team(8)].sort());
    expect(byGroup.get(team(8))).toEqual({ groupId: team(8), added: [], removed: membersOf(8).slice(0, 2) });
    const departmentNow = fake.groups().find((g) => g.id === department);
    expect(departmentNow?.members).toContain(team(8));
    expect(usersIn(department).has(leaver)).toBe(false);
    expect(new Set(byGroup.get(department)?.memberIds)).toEqual(usersIn(department));
  });

  it('answers an expired delta token, or a cursor taken for other attributes, with CursorExpiredError', async () => {
    const cursor = await host.value('groupChangeCursor', ['all', ATTRIBUTES]);
    expect(await host.failure('readGroupChanges', ['all', ['displayName', 'mail'], cursor])).toMatchObject({
      name: 'CursorExpiredError',
      message: expect.stringContaining('the group attributes read have changed'),
    });
    expect(await host.failure('readGroupChanges', ['all', ATTRIBUTES, 'https://graph.example/v1.0/users/delta?$deltatoken=x#select=id'])).toMatchObject({ name: 'CursorExpiredError' });
    fake.expireDeltaTokens();
    expect(await host.failure('readGroupChanges', ['all', ATTRIBUTES, cursor])).toMatchObject({
      name: 'CursorExpiredError',
      message: 'source "corp": change cursor no longer valid (Graph answered 410 SyncStateNotFound); a full read follows',
    });
  });
});

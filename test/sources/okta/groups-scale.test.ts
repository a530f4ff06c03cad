/** OktaSource reading many groups' members at once, through its throttling executor, with the real SDK against the fake. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startOktaFake, type OktaFake } from '../../../dev/okta-fake.js';
import { OktaSource } from '../../../src/sources/okta/okta-source.js';
import type { GroupSelection, SourceGroup } from '../../../src/sources/source.js';
import { oktaConfig, TOKEN } from './fixtures.js';

const GROUPS = 200;
const MEMBERS = 20;
let fake: OktaFake;
const groups: string[] = [];
const members = new Map<string, string[]>();

beforeAll(async () => {
  fake = await startOktaFake({ tokens: [TOKEN] });
  for (let g = 0; g < GROUPS; g++) {
    const ids = Array.from({ length: MEMBERS }, (_, m) => fake.createUser({ profile: { login: `u${g}.${m}@example.com` } }));
    const id = fake.createGroup({ name: `Team ${g}`, members: ids });
    groups.push(id);
    members.set(id, ids);
  }
});

afterAll(async () => {
  await fake?.close();
});

beforeEach(() => {
  fake.clearFaults();
  fake.setLatency(0);
  fake.resetLog();
});

async function read(source: OktaSource, selection: GroupSelection): Promise<{ groups: SourceGroup[]; pages: number[] }> {
  const read: SourceGroup[] = [];
  const pages: number[] = [];
  for await (const page of source.readGroups(selection, { attributes: [] })) {
    read.push(...page);
    pages.push(page.length);
  }
  return { groups: read, pages };
}

const memberListings = () => fake.requests.filter((r) => /^\/api\/v1\/groups\/00g\w+\/users/.test(r.path));

describe('OktaSource.readGroups with many groups', () => {
  it('reads the members of a page of groups several at once (at most 6), one listing per group, in listing order', async () => {
    // Answers take a while, as from a distant org, so requests overlap when they are sent together.
    fake.setLatency(15);
    const source = new OktaSource('corp', oktaConfig(fake, { pageSize: 100 }));
    const result = await read(source, 'all');
    expect(result.pages).toEqual([100, 100]);
    expect(result.groups.map((g) => g.id)).toEqual(groups);
    for (const group of result.groups) expect(group.memberIds).toEqual(members.get(group.id));
    expect(memberListings()).toHaveLength(GROUPS);
    const stats = fake.stats();
    expect(stats.maxInFlight).toBeGreaterThan(1);
    expect(stats.maxInFlight).toBeLessThanOrEqual(6);
    expect(stats.apiRequests).toBeLessThanOrEqual(GROUPS + 3);
  });

  it('waits out 429s on member listings read at once, and still reads every member', async () => {
    fake.throttle({ every: 40, next: 2, resetSeconds: 1 });
    const source = new OktaSource('corp', oktaConfig(fake));
    const result = await read(source, { refs: groups.slice(0, 120) });
    expect(result.groups.map((g) => g.id)).toEqual(groups.slice(0, 120));
    for (const group of result.groups) expect(group.memberIds).toEqual(members.get(group.id));
    // A 429 spends the bucket until its reset, as Okta's does: listings already in flight are refused too
    // (at most the 5 others each time), and each is waited out and sent again.
    const throttled = fake.requests.filter((r) => r.status === 429).length;
    expect(throttled).toBeGreaterThanOrEqual(2);
    expect(throttled).toBeLessThanOrEqual(2 * 6);
    expect(source.stats().retries).toBe(throttled);
    expect(source.stats().throttledMs).toBeGreaterThan(0);
  });

  it('fails the read when one member listing fails for good, naming the group', async () => {
    fake.forbid({ pathPrefix: `/api/v1/groups/${groups[3]}/users` });
    const error = await read(new OktaSource('corp', oktaConfig(fake)), { refs: groups.slice(0, 10) }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^source "corp": reading members of group "Team 3" failed: Okta answered 403/);
  });

  it('resolveAppAssignments reads the assigned groups’ members at once', async () => {
    fake.setLatency(15);
    const app = fake.createApp({ label: 'Flip', groups: groups.slice(0, 30) });
    fake.resetLog();
    const assigned = await new OktaSource('corp', oktaConfig(fake)).resolveAppAssignments(app);
    expect(assigned).toEqual(new Set(groups.slice(0, 30).flatMap((g) => members.get(g) ?? [])));
    expect(fake.stats().maxInFlight).toBeGreaterThan(1);
  });
});

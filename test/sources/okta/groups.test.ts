/** Okta groups (readGroups) and app group assignments (resolveAppGroups) with the real SDK against the fake. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startOktaFake, type OktaFake } from '../../../dev/okta-fake.js';
import { groupAttributes } from '../../../src/sources/okta/groups.js';
import { OktaSource } from '../../../src/sources/okta/okta-source.js';
import { SourceReadError, type GroupSelection, type SourceGroup } from '../../../src/sources/source.js';
import { oktaConfig, TOKEN } from './fixtures.js';

let fake: OktaFake;
const users: string[] = [];
let engineers: string;
let adGroup: string;
let everyone: string;
let empty: string;

beforeAll(async () => {
  fake = await startOktaFake({ tokens: [TOKEN] });
  for (let i = 0; i < 5; i++) users.push(fake.createUser({ profile: { login: `member${i}@example.com` } }));
  engineers = fake.createGroup({ name: 'Engineers', description: 'Builds things', members: users.slice(0, 5) });
  adGroup = fake.createGroup({ name: 'CN=Sales', type: 'APP_GROUP', members: [users[0] as string] });
  everyone = fake.createGroup({ name: 'Everyone', type: 'BUILT_IN', members: users });
  empty = fake.createGroup({ name: 'Nobody yet' });
  fake.createGroup({ name: 'Twins' });
  fake.createGroup({ name: 'Twins' });
});

afterAll(async () => {
  await fake?.close();
});

beforeEach(() => {
  fake.resetLog();
  fake.clearFaults();
});

async function read(source: OktaSource, selection: GroupSelection): Promise<{ groups: SourceGroup[]; pages: number[] }> {
  const groups: SourceGroup[] = [];
  const pages: number[] = [];
  for await (const page of source.readGroups(selection, { attributes: [] })) {
    groups.push(...page);
    pages.push(page.length);
  }
  return { groups, pages };
}

const paths = () => fake.requests.map((r) => decodeURIComponent(r.path.replace(/\+/g, ' ')));

describe('OktaSource.readGroups', () => {
  it("'all' reads OKTA_GROUP and APP_GROUP groups with their members, and leaves out the built-in Everyone", async () => {
    const source = new OktaSource('corp', oktaConfig(fake, { pageSize: 2 }));
    const { groups, pages } = await read(source, 'all');
    const twins = groups.filter((g) => g.attributes.name === 'Twins');
    expect(groups.map((g) => g.id)).toEqual([engineers, adGroup, empty, ...twins.map((g) => g.id)]);
    expect(groups.map((g) => g.id)).not.toContain(everyone);
    expect(pages).toEqual([2, 2, 1]);
    expect(groups.find((g) => g.id === engineers)?.memberIds).toEqual(users);
    expect(groups.find((g) => g.id === empty)?.memberIds).toEqual([]);
    // Members are paged like every listing: 5 members in pages of 2.
    expect(paths().filter((p) => p.startsWith(`/api/v1/groups/${engineers}/users`))).toHaveLength(3);
    expect(paths()[0]).toBe('/api/v1/groups?filter=type eq "OKTA_GROUP" or type eq "APP_GROUP"&limit=2');
  });

  it('flattens the group like a user, with displayName as the alias of profile.name', async () => {
    const { groups } = await read(new OktaSource('corp', oktaConfig(fake)), { refs: [engineers, adGroup] });
    const [group, imported] = groups;
    expect(group?.attributes).toEqual({
      id: engineers,
      type: 'OKTA_GROUP',
      name: 'Engineers',
      displayName: 'Engineers',
      description: 'Builds things',
      created: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/),
      lastUpdated: expect.stringMatching(/Z$/),
      lastMembershipUpdated: expect.stringMatching(/Z$/),
    });
    expect(imported?.attributes).toMatchObject({ id: adGroup, type: 'APP_GROUP', displayName: 'CN=Sales', description: null });
    // Imported groups carry their directory's profile attributes (dn, samAccountName…) under their own names.
    expect(groupAttributes({ id: '00gX', type: 'APP_GROUP', profile: { name: 'Sales', samAccountName: 'sales', dn: 'CN=Sales,DC=corp' } })).toMatchObject({
      displayName: 'Sales',
      samAccountName: 'sales',
      dn: 'CN=Sales,DC=corp',
    });
  });

  it('takes refs by id or exact name, and skips an id Okta no longer has (the group was deleted)', async () => {
    const source = new OktaSource('corp', oktaConfig(fake));
    const { groups } = await read(source, { refs: ['Engineers', '00g0000000000000gone', empty] });
    expect(groups.map((g) => g.id)).toEqual([engineers, empty]);
    expect(paths()).toContain('/api/v1/groups/00g0000000000000gone');
  });

  it('fails on a name that matches no group or several, and on the built-in Everyone group', async () => {
    const source = new OktaSource('corp', oktaConfig(fake));
    const failure = (refs: string[]) => read(source, { refs }).catch((e: unknown) => e);
    // A renamed group is not "deleted": the job must not delete the app's group because its name changed.
    const renamed = await failure(['Enginers']);
    expect(renamed).toBeInstanceOf(SourceReadError);
    expect((renamed as Error).message).toBe('source "corp": no group named "Enginers"; check jobs[].scope.groups (names are exact, or use the group\'s id, 00g…)');
    expect(((await failure(['Twins'])) as Error).message).toContain('2 groups are named "Twins"');
    expect(((await failure([everyone])) as Error).message).toContain(`group "${everyone}" is of type BUILT_IN; only OKTA_GROUP and APP_GROUP groups are provisioned`);
  });

  it('reads a renamed group by id under its new name', async () => {
    const renamed = fake.createGroup({ name: 'Old name', members: [users[1] as string] });
    fake.updateGroup(renamed, { name: 'New name' });
    const { groups } = await read(new OktaSource('corp', oktaConfig(fake)), { refs: [renamed] });
    expect(groups[0]).toMatchObject({ id: renamed, attributes: { displayName: 'New name', name: 'New name' }, memberIds: [users[1]] });
    fake.deleteGroup(renamed);
  });

  it('waits out a 429 on a member listing through the throttling executor', async () => {
    fake.throttle({ next: 1, resetSeconds: 1 });
    const source = new OktaSource('corp', oktaConfig(fake));
    const { groups } = await read(source, { refs: [adGroup] });
    expect(groups[0]?.memberIds).toEqual([users[0]]);
    expect(fake.requests.map((r) => r.status)).toEqual([429, 200, 200]);
    expect(source.stats()).toMatchObject({ requests: 3, retries: 1 });
    expect(source.stats().throttledMs).toBeGreaterThan(0);
  });

  it('says what to fix when groups may not be read (403)', async () => {
    fake.forbid({ pathPrefix: '/api/v1/groups' });
    const error = await read(new OktaSource('corp', oktaConfig(fake)), 'all').catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^source "corp": reading groups \(page 1\) failed: Okta answered 403 E0000006 .*may not read groups/);
  });
});

describe('OktaSource.resolveAppGroups', () => {
  it('lists the ids of the groups assigned to the app', async () => {
    const app = fake.createApp({ label: 'Flip', users: [users[2] as string], groups: [adGroup, engineers] });
    const source = new OktaSource('corp', oktaConfig(fake));
    expect([...(await source.resolveAppGroups(app))].sort()).toEqual([engineers, adGroup].sort());
    expect(fake.requests.map((r) => r.path.split('?')[0])).toEqual([`/api/v1/apps/${app}/groups`]);
  });

  it('names the app and what to put in jobs[].scope.app when the app does not exist', async () => {
    await expect(new OktaSource('corp', oktaConfig(fake)).resolveAppGroups('0oaNOPE')).rejects.toThrow('source "corp": no app with id "0oaNOPE"');
  });
});

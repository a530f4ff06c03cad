/** The Okta adapter with the real @okta/okta-sdk-nodejs against the loopback Okta fake. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startOktaFake, type OktaFake } from '../../../dev/okta-fake.js';
import { OktaSource } from '../../../src/sources/okta/okta-source.js';
import { SourceReadError } from '../../../src/sources/source.js';
import { oktaConfig, QUERY, readAll, TOKEN } from './fixtures.js';

let fake: OktaFake;
const ids: Record<string, string> = {};

beforeAll(async () => {
  fake = await startOktaFake({ tokens: [TOKEN] });
  const user = (status: Parameters<OktaFake['setUserStatus']>[1], login: string, profile: Record<string, unknown> = {}) =>
    // Created an hour ago, so the read's closing "changed during the read" listing finds none of them.
    fake.createUser({ status, created: new Date(Date.now() - 3_600_000), profile: { login, email: login, firstName: login.split('@')[0], lastName: 'Test', ...profile } });
  ids.ada = user('ACTIVE', 'ada@example.com', {
    firstName: 'Ada',
    lastName: 'Lovelace',
    mobilePhone: '+44 20 7946 0000',
    title: 'Analyst',
    department: 'R&D',
    city: 'London',
    countryCode: 'GB',
    employeeNumber: 'E001',
    costCenter: 'CC-7',
    badges: ['engine', 'notes'],
    clearance: 3,
    remote: true,
  });
  ids.grace = user('SUSPENDED', 'grace@example.com');
  ids.ken = user('DEPROVISIONED', 'ken@example.com');
  ids.staged = user('STAGED', 'staged@example.com');
  ids.provisioned = user('PROVISIONED', 'provisioned@example.com');
  ids.locked = user('LOCKED_OUT', 'locked@example.com');
  ids.expired = user('PASSWORD_EXPIRED', 'expired@example.com');
  ids.recovery = user('RECOVERY', 'recovery@example.com');
});

afterAll(async () => {
  await fake?.close();
});

beforeEach(() => {
  fake.resetLog();
  fake.clearFaults();
});

describe('OktaSource.readUsers', () => {
  it('reads every user once, in every status, under Okta’s attribute names', async () => {
    const users = await readAll(new OktaSource('corp', oktaConfig(fake)).readUsers(QUERY));
    expect(users.map((u) => u.id).sort()).toEqual(Object.values(ids).sort());
    const ada = users.find((u) => u.id === ids.ada);
    expect(ada?.attributes).toMatchObject({
      id: ids.ada,
      status: 'ACTIVE',
      login: 'ada@example.com',
      email: 'ada@example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
      mobilePhone: '+44 20 7946 0000',
      title: 'Analyst',
      department: 'R&D',
      city: 'London',
      countryCode: 'GB',
      employeeNumber: 'E001',
      costCenter: 'CC-7',
      badges: ['engine', 'notes'],
      clearance: 3,
      remote: true,
    });
    expect(ada?.attributes.lastUpdated).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // Profile attributes Okta knows but this user lacks are not sent as undefined.
    expect(Object.values(ada?.attributes ?? {})).not.toContain(undefined);
  });

  it('maps status to lifecycle: SUSPENDED disabled, DEPROVISIONED soft-deleted, STAGED/PROVISIONED enabled by default', async () => {
    const users = await readAll(new OktaSource('corp', oktaConfig(fake)).readUsers(QUERY));
    const state = (key: string) => {
      const u = users.find((x) => x.id === ids[key]);
      return { enabled: u?.enabled, deleted: u?.deleted };
    };
    for (const key of ['ada', 'locked', 'expired', 'recovery', 'staged', 'provisioned']) expect(state(key), key).toEqual({ enabled: true, deleted: false });
    expect(state('grace')).toEqual({ enabled: false, deleted: false });
    expect(state('ken')).toEqual({ enabled: false, deleted: true });
  });

  it('stagedUsers: disabled turns STAGED and PROVISIONED users into disabled ones', async () => {
    const users = await readAll(new OktaSource('corp', oktaConfig(fake, { stagedUsers: 'disabled' })).readUsers(QUERY));
    expect(users.find((u) => u.id === ids.staged)?.enabled).toBe(false);
    expect(users.find((u) => u.id === ids.provisioned)?.enabled).toBe(false);
    expect(users.find((u) => u.id === ids.ada)?.enabled).toBe(true);
  });

  it('lists DEPROVISIONED users with a status filter, since the plain list leaves them out', async () => {
    await readAll(new OktaSource('corp', oktaConfig(fake)).readUsers(QUERY));
    const paths = fake.requests.map((r) => decodeURIComponent(r.path.replace(/\+/g, ' ')));
    expect(paths[0]).toBe('/api/v1/users?limit=200');
    expect(paths[1]).toBe('/api/v1/users?filter=status eq "DEPROVISIONED"&limit=200');
    expect(paths[2]).toMatch(/^\/api\/v1\/users\?filter=lastUpdated gt "\d{4}-[^"]+Z"&limit=200$/);
    expect(paths).toHaveLength(3);
    expect(fake.requests.every((r) => r.auth === 'ssws' && r.status === 200)).toBe(true);
  });

  it('follows Link rel="next" page by page and yields pages of pageSize', async () => {
    const source = new OktaSource('corp', oktaConfig(fake, { pageSize: 3 }));
    const pages: number[] = [];
    for await (const page of source.readUsers(QUERY)) pages.push(page.length);
    // 7 users not deactivated in pages of 3, then the deactivated one.
    expect(pages).toEqual([3, 3, 1, 1]);
    const plain = fake.requests.filter((r) => !r.path.includes('filter='));
    expect(plain.map((r) => r.path)).toEqual([
      '/api/v1/users?limit=3',
      expect.stringMatching(/^\/api\/v1\/users\?limit=3&after=00u\w{17}$/),
      expect.stringMatching(/^\/api\/v1\/users\?limit=3&after=00u\w{17}$/),
    ]);
    expect(source.stats()).toEqual({ requests: 5, retries: 0, throttledMs: 0 });
  });

  it('still reads a user reactivated between the plain and the DEPROVISIONED listing', async () => {
    const comeback = fake.createUser({ status: 'DEPROVISIONED', profile: { login: 'comeback@example.com' } });
    try {
      const seen: string[] = [];
      let reactivated = false;
      for await (const page of new OktaSource('corp', oktaConfig(fake, { pageSize: 200 })).readUsers(QUERY)) {
        seen.push(...page.map((u) => `${u.id}:${String(u.attributes.status)}`));
        if (!reactivated) {
          // The plain listing is done (one page); the user was DEPROVISIONED then, and is ACTIVE before the second listing.
          fake.activateUser(comeback);
          reactivated = true;
        }
      }
      expect(seen.filter((s) => s.startsWith(comeback))).toEqual([`${comeback}:ACTIVE`]);
      expect(new Set(seen.map((s) => s.split(':')[0])).size).toBe(seen.length);
    } finally {
      fake.deleteUser(comeback);
    }
  });
});

describe('OktaSource.readUser', () => {
  it('finds a user by id or login, and answers undefined for none', async () => {
    const source = new OktaSource('corp', oktaConfig(fake));
    expect((await source.readUser(ids.ada as string, QUERY))?.attributes.login).toBe('ada@example.com');
    expect((await source.readUser('Ada@Example.com', QUERY))?.id).toBe(ids.ada);
    expect((await source.readUser(ids.ken as string, QUERY))?.deleted).toBe(true);
    expect(await source.readUser('nobody@example.com', QUERY)).toBeUndefined();
    // Okta's login shortname (the part before the @) finds the user too.
    expect((await source.readUser('ada', QUERY))?.id).toBe(ids.ada);
  });

  it('groupsOfUser lists the user’s groups; an unknown user is a 404', async () => {
    const source = new OktaSource('corp', oktaConfig(fake));
    const team = fake.createGroup({ name: 'Readers of one user', members: [ids.ada as string] });
    const other = fake.createGroup({ name: 'Without ada', members: [ids.grace as string] });
    const groups = await source.groupsOfUser(ids.ada as string);
    expect(groups.has(team)).toBe(true);
    expect(groups.has(other)).toBe(false);
    await expect(source.groupsOfUser('00unobody')).rejects.toMatchObject({ name: 'SourceReadError', status: 404 });
  });

  it('never serves a stale user from the SDK cache (a daemon reads the same user for weeks)', async () => {
    const source = new OktaSource('corp', oktaConfig(fake));
    const id = fake.createUser({ profile: { login: 'cache@example.com', title: 'Before' } });
    expect((await source.readUser(id, QUERY))?.attributes.title).toBe('Before');
    fake.updateUser(id, { title: 'After' });
    expect((await source.readUser(id, QUERY))?.attributes.title).toBe('After');
    fake.deleteUser(id);
  });
});

describe('OktaSource.resolveGroupMembers', () => {
  let engineers: string;
  beforeAll(() => {
    engineers = fake.createGroup({ name: 'Engineers', members: [ids.ada as string, ids.grace as string] });
    fake.createGroup({ name: 'Twins' });
    fake.createGroup({ name: 'Twins' });
  });

  it('takes a group id or its exact name', async () => {
    const source = new OktaSource('corp', oktaConfig(fake, { pageSize: 1 }));
    expect([...(await source.resolveGroupMembers(engineers))].sort()).toEqual([ids.ada, ids.grace].sort());
    expect([...(await source.resolveGroupMembers('Engineers'))].sort()).toEqual([ids.ada, ids.grace].sort());
  });

  it('says what to fix for an unknown, ambiguous or missing group', async () => {
    const source = new OktaSource('corp', oktaConfig(fake));
    await expect(source.resolveGroupMembers('engineers')).rejects.toThrow('source "corp": no group named "engineers"; check jobs[].scope.groups');
    await expect(source.resolveGroupMembers('Twins')).rejects.toThrow('2 groups are named "Twins"; use the group\'s id (00g…)');
    await expect(source.resolveGroupMembers('00g0000000000000000x')).rejects.toThrow(/no group with id 00g0000000000000000x/);
  });
});

describe('OktaSource.resolveAppAssignments', () => {
  it('unions users assigned directly and the members of assigned groups', async () => {
    const viaGroup = fake.createUser({ profile: { login: 'via-group@example.com' } });
    const bystander = fake.createUser({ profile: { login: 'bystander@example.com' } });
    const group = fake.createGroup({ name: 'App users', members: [viaGroup] });
    const app = fake.createApp({ label: 'Flip', users: [ids.ada as string], groups: [group] });
    const source = new OktaSource('corp', oktaConfig(fake));
    const assigned = await source.resolveAppAssignments(app);
    expect([...assigned].sort()).toEqual([ids.ada, viaGroup].sort());
    expect(assigned.has(bystander)).toBe(false);
    expect(fake.requests.map((r) => r.path.split('?')[0])).toEqual([`/api/v1/apps/${app}/users`, `/api/v1/apps/${app}/groups`, `/api/v1/groups/${group}/users`]);
  });

  it('names the app and what to put in jobs[].scope.app when the app does not exist', async () => {
    const error = await new OktaSource('corp', oktaConfig(fake)).resolveAppAssignments('0oaNOPE').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceReadError);
    expect((error as SourceReadError).message).toBe(
      `source "corp": no app with id "0oaNOPE" in ${fake.orgUrl}; jobs[].scope.app takes the app's id (0oa…, in the app's Admin Console URL)`,
    );
  });
});

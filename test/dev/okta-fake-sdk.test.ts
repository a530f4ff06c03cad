/**
 * The real @okta/okta-sdk-nodejs against the fake, in process (plain HTTP on loopback needs no
 * certificate): the SDK's own paging, models and lifecycle calls.
 */
import { Client } from '@okta/okta-sdk-nodejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateOktaUsers, startOktaFake, type OktaFake } from '../../dev/okta-fake.js';

const TOKEN = 'sdk-test-token';
let fake: OktaFake;
let client: Client;

beforeAll(async () => {
  fake = await startOktaFake({ tokens: [TOKEN] });
  for (const user of generateOktaUsers(450)) fake.createUser(user);
  client = new Client({ orgUrl: fake.orgUrl, token: TOKEN, cacheMiddleware: null });
});

afterAll(async () => {
  await fake?.close();
});

describe('Okta fake with the real Okta SDK', () => {
  it('accepts an http://127.0.0.1 orgUrl, gets Authorization: SSWS, and pages with for await through Link rel="next"', async () => {
    fake.resetLog();
    const logins: string[] = [];
    for await (const user of await client.userApi.listUsers({ limit: 200 })) if (user) logins.push(String(user.profile?.login));
    expect(logins).toHaveLength(450);
    expect(new Set(logins).size).toBe(450);
    expect(fake.requests.map((r) => [r.auth, r.status])).toEqual([
      ['ssws', 200],
      ['ssws', 200],
      ['ssws', 200],
    ]);
  });

  it('turns timestamps into Dates and keeps custom profile attributes', async () => {
    const id = fake.createUser({ profile: { login: 'sdk@example.com', badge: 42 } });
    const user = await client.userApi.getUser({ userId: id });
    expect(user.lastUpdated).toBeInstanceOf(Date);
    expect(user.profile?.login).toBe('sdk@example.com');
    expect((user.profile as Record<string, unknown>).badge).toBe(42);
  });

  it('drives the lifecycle (suspend, unsuspend, deactivate, delete) as Okta would', async () => {
    const id = fake.createUser({ profile: { login: 'lifecycle@example.com' } });
    await client.userApi.suspendUser({ userId: id });
    expect(fake.user(id)?.status).toBe('SUSPENDED');
    await client.userApi.unsuspendUser({ userId: id });
    await client.userApi.deactivateUser({ userId: id });
    expect(fake.user(id)?.status).toBe('DEPROVISIONED');
    await client.userApi.deleteUser({ userId: id });
    expect(fake.user(id)).toBeUndefined();
  });

  it('reads group members and app assignments through the SDK’s collections', async () => {
    const [a, b] = [fake.createUser({ profile: { login: 'ga@example.com' } }), fake.createUser({ profile: { login: 'gb@example.com' } })] as [string, string];
    const group = fake.createGroup({ name: 'SDK group', members: [a, b] });
    const app = fake.createApp({ label: 'SDK app', users: [a], groups: [group] });
    const members: string[] = [];
    for await (const user of await client.groupApi.listGroupUsers({ groupId: group, limit: 1 })) if (user?.id) members.push(user.id);
    expect(members).toEqual([a, b]);
    const assigned: string[] = [];
    for await (const appUser of await client.applicationApi.listApplicationUsers({ appId: app })) if (appUser) assigned.push(`${appUser.id}:${String(appUser.scope)}`);
    expect(assigned).toEqual([`${a}:USER`, `${b}:GROUP`]);
    const groups: string[] = [];
    for await (const assignment of await client.applicationApi.listApplicationGroupAssignments({ appId: app })) if (assignment?.id) groups.push(assignment.id);
    expect(groups).toEqual([group]);
  });
});

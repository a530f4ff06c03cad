/**
 * OktaSource believes nothing Okta (or whatever answers in its place) says without checking it:
 * a listing page that is not a JSON array of objects fails the read after retries, objects without
 * an id are reported rather than used, and refused credentials end the read at once.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startOktaFake, type MalformedListing, type OktaFake } from '../../../dev/okta-fake.js';
import { OktaSource } from '../../../src/sources/okta/okta-source.js';
import { SourceReadError, type RejectedObject, type SourceGroup, type SourceUser, type UserChanges } from '../../../src/sources/source.js';
import { oktaConfig, readAll, TOKEN } from './fixtures.js';

const LOGINS = ['ada', 'grace', 'ken', 'linus', 'barbara'].map((name) => `${name}@example.com`);
const LONG_AGO = '2020-01-01T00:00:00.000Z';
let fake: OktaFake;
const ids: Record<string, string> = {};
let engineers: string;

beforeAll(async () => {
  fake = await startOktaFake({ tokens: [TOKEN] });
  // Backdated, so the read's closing "changed during the read" listing finds nobody and each user is read once.
  for (const login of LOGINS) ids[login] = fake.createUser({ profile: { login }, created: LONG_AGO, lastUpdated: LONG_AGO });
  engineers = fake.createGroup({ name: 'Engineers', members: [ids['ada@example.com']!, ids['grace@example.com']!] });
  fake.createGroup({ name: 'Designers', members: [ids['ken@example.com']!] });
});

afterAll(async () => {
  await fake?.close();
});

beforeEach(() => {
  fake.clearFaults();
  fake.resetLog();
});

/** Pages of 2: five users are pages 1..3. */
const source = () => new OktaSource('corp-okta', oktaConfig(fake, { pageSize: 2, maxRetries: 1 }));

async function failureOf(promise: Promise<unknown>): Promise<SourceReadError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SourceReadError);
  expect((error as Error).message).not.toContain(TOKEN);
  return error as SourceReadError;
}

async function reporting<T>(read: (onRejected: (rejected: RejectedObject) => void) => Promise<T>): Promise<{ value: T; rejected: RejectedObject[] }> {
  const rejected: RejectedObject[] = [];
  const value = await read((object) => rejected.push(object));
  return { value, rejected };
}

async function all<T>(pages: AsyncIterable<readonly T[]>): Promise<T[]> {
  const items: T[] = [];
  for await (const page of pages) items.push(...page);
  return items;
}

async function pagesOf(pages: AsyncIterable<UserChanges>): Promise<UserChanges[]> {
  const read: UserChanges[] = [];
  for await (const page of pages) read.push(page);
  return read;
}

/** The /api/v1/users requests the fake received, as sent. */
const userListings = () => fake.requests.filter((r) => r.path.startsWith('/api/v1/users?'));
const logins = (users: readonly SourceUser[]) => users.map((u) => u.attributes.login);

describe('a listing page that is not a JSON array of objects fails the read (after retries), never ends it', () => {
  it.each<[MalformedListing, string]>([
    ['html', 'Okta answered 200 with a body that is not JSON (text/html; a proxy'],
    ['emptyObject', 'Okta answered 200 with a listing page that is not a JSON array (an object)'],
    ['nullItem', 'Okta answered 200 with a listing page whose item 1 is not a JSON object (null)'],
  ])('users page 2 answering %s', async (fault, message) => {
    fake.malformPage({ page: 2, fault });
    const users = source();
    const failure = await failureOf(readAll(users.readUsers({ attributes: [] })));
    expect(failure.message).toMatch(/^source "corp-okta": reading users \(page 2\) failed: /);
    expect(failure.message).toContain(`${message}`);
    expect(failure.message).toContain('(2 attempts); nothing of this read is used — check that sources.corp-okta.orgUrl');
    // Page 1, then page 2 twice (maxRetries: 1); nothing after.
    expect(userListings()).toHaveLength(3);
    expect(users.stats().retries).toBe(1);
  });

  it('a malformed page that recovers on the retry reads every user', async () => {
    fake.malformPage({ page: 2, fault: 'html', times: 1 });
    const before = fake.stats().malformedPages;
    expect(logins(await readAll(source().readUsers({ attributes: [] })))).toEqual(LOGINS);
    expect(fake.stats().malformedPages - before).toBe(1);
  });

  it('the groups listing answering {} fails the group read', async () => {
    fake.malformPage({ path: '/api/v1/groups', fault: 'emptyObject' });
    const failure = await failureOf(all(source().readGroups('all', { attributes: [] })));
    expect(failure.message).toMatch(/^source "corp-okta": reading groups \(page 1\) failed: Okta answered 200 with a listing page that is not a JSON array/);
  });

  it('a member listing answering HTML fails scope resolution', async () => {
    fake.malformPage({ path: `/api/v1/groups/${engineers}/users`, fault: 'html' });
    const failure = await failureOf(source().resolveGroupMembers(engineers));
    expect(failure.message).toMatch(/^source "corp-okta": reading members of group "00g\w+" failed: Okta answered 200 with a body that is not JSON/);
  });

  it('the incremental read’s listing answering {} fails it', async () => {
    const users = source();
    const cursor = await users.changeCursor({ attributes: [] });
    fake.malformPage({ fault: 'emptyObject' });
    const read = users.readUserChanges({ attributes: [] }, cursor);
    const failure = await failureOf(pagesOf(read.pages));
    expect(failure.message).toMatch(/reading changed users \(page 1\) failed: Okta answered 200 with a listing page that is not a JSON array/);
  });
});

describe('objects without an id are reported, and the rest of the page is used', () => {
  it('a user without an id is reported by login; the others arrive', async () => {
    fake.malformPage({ page: 2, fault: 'userWithoutId' });
    const { value, rejected } = await reporting((onRejected) => readAll(source().readUsers({ attributes: [], onRejected })));
    expect(logins(value)).toEqual(LOGINS.filter((login) => login !== 'ken@example.com'));
    expect(rejected).toEqual([{ label: 'ken@example.com', error: 'id: no string id' }]);
  });

  it('without anyone to report to, a user without an id fails the read rather than vanish', async () => {
    fake.malformPage({ page: 1, fault: 'userWithoutId' });
    const failure = await failureOf(readAll(source().readUsers({ attributes: [] })));
    expect(failure.message).toContain('ada@example.com: id: no string id; the read is incomplete');
  });

  it('in the incremental read', async () => {
    const users = source();
    const cursor = await users.changeCursor({ attributes: [] });
    fake.updateUser(ids['grace@example.com']!, { title: 'Admiral' });
    fake.updateUser(ids['linus@example.com']!, { title: 'Maintainer' });
    fake.malformPage({ fault: 'userWithoutId' });
    const { value, rejected } = await reporting((onRejected) => pagesOf(users.readUserChanges({ attributes: [], onRejected }, cursor).pages));
    expect(value.flatMap((page) => logins(page.changed))).toEqual(['linus@example.com']);
    expect(rejected).toEqual([{ label: 'grace@example.com', error: 'id: no string id' }]);
  });

  it('a group without an id is reported by name, a member without one by login', async () => {
    fake.malformPage({ path: '/api/v1/groups', fault: 'userWithoutId' });
    fake.malformPage({ path: `/api/v1/groups/${engineers}/users`, fault: 'userWithoutId' });
    const { value, rejected } = await reporting((onRejected) => all<SourceGroup>(source().readGroups('all', { attributes: [], onRejected })));
    // Engineers (listed first) lost its id; Designers arrives with its member.
    expect(value.map((g) => g.attributes.displayName)).toEqual(['Designers']);
    expect(value[0]!.memberIds).toEqual([ids['ken@example.com']]);
    expect(rejected).toEqual([{ label: 'Engineers', error: 'id: no string id' }]);

    const members = await reporting((onRejected) => source().resolveGroupMembers(engineers, { onRejected }));
    expect([...members.value]).toEqual([ids['grace@example.com']]);
    expect(members.rejected).toEqual([{ label: 'ada@example.com', error: 'id: no string id' }]);
  });
});

describe('refused credentials end the read at once', () => {
  it('403 is not retried', async () => {
    fake.forbid({ pathPrefix: '/api/v1/users' });
    const failure = await failureOf(readAll(source().readUsers({ attributes: [] })));
    expect(failure.status).toBe(403);
    expect(userListings()).toHaveLength(1);
  });

  it('401 is not retried and names sources.<name>.token', async () => {
    fake.addApiToken('revoked-token-81d2');
    fake.revokeApiToken('revoked-token-81d2');
    const failure = await failureOf(readAll(new OktaSource('corp-okta', oktaConfig(fake, { token: 'revoked-token-81d2', maxRetries: 3 })).readUsers({ attributes: [] })));
    expect(failure.status).toBe(401);
    expect(failure.message).toContain('the API token in sources.corp-okta.token is wrong, revoked or expired');
    expect(failure.message).not.toContain('revoked-token-81d2');
    expect(userListings()).toHaveLength(1);
  });
});

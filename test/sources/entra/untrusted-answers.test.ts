/**
 * EntraSource believes nothing Graph (or whatever answers in its place) says without checking it:
 * malformed pages fail the read after retries, links to other origins are never followed, and
 * objects without an id are reported rather than used. Real SDKs against the Graph fake.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGraphFake, type GraphFake, type MalformedPage } from '../../../dev/graph-fake.js';
import { writeTestCertificate } from '../../../dev/tls.js';
import { EntraHost, SECRET, graphPathsOf } from './entra-host.js';

const ATTRIBUTES = ['displayName'];
const NAMES = ['ada', 'grace', 'ken', 'linus', 'barbara'];
let dir: string;
let fake: GraphFake;
let host: EntraHost;
let elsewhere: Server;
let elsewhereOrigin: string;
/** What the server on the other port received: a request there would carry the Graph token. */
const elsewhereRequests: { path: string; authorization: string | undefined }[] = [];
const ids: Record<string, string> = {};
let engineers: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'entra-trust-'));
  const tls = writeTestCertificate(dir);
  // Pages of 2: five users are pages 1..3, so a fault on page 2 is in the middle of the read.
  fake = await startGraphFake({ tls, tenantId: '11111111-2222-3333-4444-555555555555', clientId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', clientSecret: SECRET, pageSize: 2 });
  for (const name of NAMES) ids[name] = fake.upsertUser({ userPrincipalName: `${name}@contoso.example`, displayName: name });
  ids.gone = fake.upsertUser({ userPrincipalName: 'gone@contoso.example', displayName: 'gone' });
  fake.softDeleteUser(ids.gone);
  engineers = fake.upsertGroup({ displayName: 'Engineers', members: [ids.ada!, ids.grace!, ids.ken!] });
  fake.upsertGroup({ displayName: 'Designers', members: [ids.linus!] });
  // Same host, same certificate, another port: TLS would succeed, so only the source's own check keeps the token away.
  elsewhere = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    elsewhereRequests.push({ path: req.url ?? '', authorization: req.headers.authorization });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ value: [] }));
  });
  await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
  elsewhereOrigin = `https://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
  host = EntraHost.start(fake, tls.certPath, { maxRetries: 1, pageSize: 2 });
});

afterAll(async () => {
  await host?.close();
  await fake?.close();
  await new Promise((resolve) => elsewhere?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  fake.clearFaults();
  fake.resetLog();
  elsewhereRequests.length = 0;
});

/** How often the first page of /users was asked for. */
function firstUsersPageRequests(): number {
  return graphPathsOf(fake).filter((path) => path.startsWith('/users?') && !path.includes('$skiptoken')).length;
}

describe('reading ahead', () => {
  it('asks for the next users page while the engine still works on this one, and no further', async () => {
    const first = await host.value('readFirstUsersPage', [ATTRIBUTES]);
    expect(first.map((u) => u.id)).toEqual([ids.ada, ids.grace]);
    const usersPages = () => graphPathsOf(fake).filter((path) => path.startsWith('/users?'));
    // Page 2 is on its way although nobody has asked the read for it; page 3 waits for page 2 to be taken.
    await expect.poll(usersPages, { timeout: 60_000 }).toHaveLength(2);
    expect(usersPages()[1]).toContain('$skiptoken');
    expect(graphPathsOf(fake).some((path) => path.startsWith('/directory/deletedItems'))).toBe(false);
  });
});

describe('a page that is not a Graph page fails the read (after retries), never ends it', () => {
  it.each<[MalformedPage, RegExp]>([
    ['html', /Graph answered 200 with a body that is not JSON \(text\/html/],
    ['emptyObject', /Graph answered 200 with JSON that is not what was asked for: value: "value" is not an array/],
    ['valueObject', /Graph answered 200 with JSON that is not what was asked for: value: "value" is not an array/],
  ])('users page 2 answering %s', async (fault, message) => {
    fake.malformPage(2, { fault });
    const before = await host.value('stats', []);
    const error = await host.failure('readUsers', [ATTRIBUTES]);
    expect(error.name).toBe('SourceReadError');
    expect(error.message).toMatch(/^source "corp": reading users \(page 2\) failed: /);
    expect(error.message).toMatch(message);
    expect(error.message).toContain('2 attempts');
    // Asked once and retried once (maxRetries: 1); page 3 and the deleted users were never read.
    expect(fake.stats().malformedPages).toBeGreaterThanOrEqual(2);
    expect(graphPathsOf(fake).some((path) => path.startsWith('/directory/deletedItems'))).toBe(false);
    const after = await host.value('stats', []);
    expect(after.retries - before.retries).toBe(1);
  });

  it('a malformed page that recovers on the retry reads every user', async () => {
    fake.malformPage(2, { fault: 'html', times: 1 });
    const malformedBefore = fake.stats().malformedPages;
    const users = await host.value('readUsers', [ATTRIBUTES]);
    expect(users.filter((u) => !u.deleted).map((u) => u.id)).toEqual(NAMES.map((n) => ids[n]));
    expect(users.filter((u) => u.deleted).map((u) => u.id)).toEqual([ids.gone]);
    expect(fake.stats().malformedPages - malformedBefore).toBe(1);
  });

  it('the deleted users’ listing answering HTML fails the read', async () => {
    fake.malformPage(1, { listing: 'deletedUsers', fault: 'html' });
    const error = await host.failure('readUsers', [ATTRIBUTES]);
    expect(error.name).toBe('SourceReadError');
    expect(error.message).toMatch(/reading deleted users \(page 1\) failed: Graph answered 200 with a body that is not JSON/);
  });

  it.each<MalformedPage>(['html', 'emptyObject', 'valueObject'])('a delta page answering %s fails the incremental read', async (fault) => {
    const cursor = await host.value('changeCursor', [ATTRIBUTES]);
    for (const name of NAMES) fake.patchUser(ids[name]!, { displayName: `${name} (changed)` });
    fake.malformPage(2, { listing: 'delta', fault });
    const error = await host.failure('readUserChanges', [ATTRIBUTES, cursor]);
    expect(error.name).toBe('SourceReadError');
    expect(error.message).toMatch(/reading user changes \(page 2\) failed: Graph answered 200 with/);
    for (const name of NAMES) fake.patchUser(ids[name]!, { displayName: name });
  });

  it('the answer that starts the change feed is checked too', async () => {
    fake.malformPage(1, { listing: 'delta', fault: 'emptyObject' });
    const error = await host.failure('changeCursor', [ATTRIBUTES]);
    expect(error.name).toBe('SourceReadError');
    expect(error.message).toMatch(/starting the user change feed \(page 1\) failed: Graph answered 200 with JSON that is not/);
  });

  it('a groups page answering {} fails the group read', async () => {
    fake.malformPage(1, { listing: 'groups', fault: 'emptyObject' });
    const error = await host.failure('readGroups', ['all', ATTRIBUTES]);
    expect(error.name).toBe('SourceReadError');
    expect(error.message).toMatch(/reading groups \(page 1\) failed: Graph answered 200 with JSON/);
  });

  it('a members page answering HTML fails scope resolution', async () => {
    fake.malformPage(1, { listing: 'members', fault: 'html' });
    const error = await host.failure('resolveGroupMembers', [engineers]);
    expect(error.name).toBe('SourceReadError');
    expect(error.message).toMatch(/reading members of group "[^"]+" \(page 1\) failed: Graph answered 200 with a body that is not JSON/);
  });
});

describe('links are followed only on the configured Graph origin', () => {
  it('a nextLink to another port is refused before any request goes there', async () => {
    fake.malformPage(1, { fault: 'foreignNextLink', origin: elsewhereOrigin });
    const error = await host.failure('readUsers', [ATTRIBUTES]);
    expect(error.name).toBe('SourceReadError');
    expect(error.message).toContain(`points at ${elsewhereOrigin}, not at the configured Graph endpoint (${new URL(fake.graphUrl).origin}`);
    expect(elsewhereRequests).toEqual([]);
  });

  it('a delta nextLink to another origin is refused too', async () => {
    const cursor = await host.value('changeCursor', [ATTRIBUTES]);
    fake.patchUser(ids.ada!, { displayName: 'Ada L.' });
    fake.malformPage(1, { listing: 'delta', fault: 'foreignNextLink', origin: elsewhereOrigin });
    const error = await host.failure('readUserChanges', [ATTRIBUTES, cursor]);
    expect(error.name).toBe('SourceReadError');
    expect(error.message).toMatch(/reading user changes \(page 1\): Graph's @odata.nextLink points at https:\/\/127\.0\.0\.1:\d+, not at/);
    expect(elsewhereRequests).toEqual([]);
    fake.patchUser(ids.ada!, { displayName: 'ada' });
  });

  it('a members nextLink to another origin is refused', async () => {
    fake.malformPage(1, { listing: 'members', fault: 'foreignNextLink', origin: elsewhereOrigin });
    const error = await host.failure('resolveGroupMembers', [engineers]);
    expect(error.name).toBe('SourceReadError');
    expect(elsewhereRequests).toEqual([]);
  });
});

describe('objects that cannot be believed are reported, and the rest of the page is used', () => {
  it('a null in a users page is reported by its place', async () => {
    fake.malformPage(2, { fault: 'nullItem' });
    const { value: users, rejected } = await host.value('readUsersReporting', [ATTRIBUTES]);
    expect(users.filter((u) => !u.deleted).map((u) => u.id)).toEqual(NAMES.map((n) => ids[n]));
    expect(rejected).toEqual([{ label: 'users page 2, item 1', error: 'not a JSON object (null)' }]);
  });

  it('a user without an id is reported by its sign-in name; the others arrive', async () => {
    fake.malformPage(2, { fault: 'userWithoutId' });
    const { value: users, rejected } = await host.value('readUsersReporting', [ATTRIBUTES]);
    // Page 2 holds ken and linus; ken lost his id.
    expect(users.filter((u) => !u.deleted).map((u) => u.id)).toEqual(['ada', 'grace', 'linus', 'barbara'].map((n) => ids[n]));
    expect(rejected).toEqual([{ label: 'ken@contoso.example', error: 'id: no string id' }]);
  });

  it('without anyone to report to, a user without an id fails the read rather than vanish', async () => {
    fake.malformPage(1, { fault: 'userWithoutId' });
    const error = await host.failure('readUsers', [ATTRIBUTES]);
    expect(error.name).toBe('SourceReadError');
    expect(error.message).toContain('ada@contoso.example: id: no string id');
  });

  it('a deleted user without an id is reported', async () => {
    fake.malformPage(1, { listing: 'deletedUsers', fault: 'userWithoutId' });
    const { value: users, rejected } = await host.value('readUsersReporting', [ATTRIBUTES]);
    expect(users.filter((u) => u.deleted)).toEqual([]);
    expect(users).toHaveLength(5);
    expect(rejected).toEqual([{ label: 'gone@contoso.example', error: 'id: no string id' }]);
  });

  it('in the change feed: a null and a user without an id are reported, the other changes arrive', async () => {
    const cursor = await host.value('changeCursor', [ATTRIBUTES]);
    for (const name of ['ada', 'grace', 'ken']) fake.patchUser(ids[name]!, { displayName: `${name} (changed)` });
    fake.malformPage(1, { listing: 'delta', fault: 'userWithoutId', times: 1 });
    fake.malformPage(2, { listing: 'delta', fault: 'nullItem', times: 1 });
    const { value, rejected } = await host.value('readUserChangesReporting', [ATTRIBUTES, cursor]);
    expect(value.pages.flatMap((p) => p.changed).map((u) => u.id)).toEqual([ids.grace, ids.ken]);
    expect(rejected).toEqual([
      { label: 'ada@contoso.example', error: 'id: no string id' },
      { label: 'user changes page 2, item 1', error: 'not a JSON object (null)' },
    ]);
    expect(value.nextCursor).toContain('$deltatoken=');
    for (const name of ['ada', 'grace', 'ken']) fake.patchUser(ids[name]!, { displayName: name });
  });

  it('a group without an id is reported by its name; a member entry without one is reported too', async () => {
    fake.malformPage(1, { listing: 'groups', fault: 'userWithoutId' });
    fake.malformPage(1, { listing: 'members', fault: 'nullItem', times: 1 });
    const { value: groups, rejected } = await host.value('readGroupsReporting', ['all', ATTRIBUTES]);
    // Groups are listed in creation order: Engineers lost its id, Designers arrives with its members.
    expect(groups.map((g) => g.attributes.displayName)).toEqual(['Designers']);
    expect(groups[0]!.memberIds).toEqual([ids.linus]);
    expect(rejected).toEqual([
      { label: 'Engineers', error: 'id: no string id' },
      { label: expect.stringMatching(/^members of group "[0-9a-f-]+" page 1, item 1$/), error: 'not a JSON object (null)' },
    ]);
  });
});

describe('single objects', () => {
  it('readUser checks the user it is given, and a 404 is no such user', async () => {
    const found = await host.value('readUserReporting', ['grace@contoso.example', ATTRIBUTES]);
    expect(found).toEqual({ value: expect.objectContaining({ id: ids.grace, enabled: true, deleted: false }), rejected: [] });
    expect((await host.value('readUserReporting', ['nobody@contoso.example', ATTRIBUTES])).value).toBeNull();
  });

  it('readUser finds a soft-deleted user by its id in deletedItems, as deleted (its renamed UPN finds nothing)', async () => {
    const found = await host.value('readUserReporting', [ids.gone!, ATTRIBUTES]);
    expect(found).toEqual({ value: expect.objectContaining({ id: ids.gone, deleted: true }), rejected: [] });
    expect((await host.value('readUserReporting', ['gone@contoso.example', ATTRIBUTES])).value).toBeNull();
  });

  it('groupsOfUser reads the user’s groups (transitiveMemberOf), and a user Graph does not have is a 404', async () => {
    expect(await host.value('groupsOfUser', [ids.ada!])).toEqual([engineers]);
    expect(await host.value('groupsOfUser', [ids.barbara!])).toEqual([]);
    expect(await host.failure('groupsOfUser', [ids.gone!])).toMatchObject({ name: 'SourceReadError', status: 404 });
  });
});

describe('refused credentials end the read at once, naming what to fix', () => {
  it('403 is not retried and names the app’s client id key and the permissions', async () => {
    fake.failPage(1, { status: 403 });
    const error = await host.failure('readUsers', [ATTRIBUTES]);
    expect(error).toMatchObject({ name: 'SourceReadError', status: 403 });
    expect(error.message).toMatch(/^source "corp": reading users \(page 1\) failed: Graph answered 403 .* grant the app in sources\.corp\.clientId the User\.Read\.All and GroupMember\.Read\.All application permissions/);
    expect(firstUsersPageRequests()).toBe(1);
  });

  it('401 after the one token renewal ends the read, naming the secret’s key but never the secret', async () => {
    fake.failPage(1, { status: 401 });
    const tokensBefore = fake.stats().tokensIssued;
    const error = await host.failure('readUsers', [ATTRIBUTES]);
    expect(error).toMatchObject({ name: 'SourceReadError', status: 401 });
    expect(error.message).toContain('check sources.corp.tenantId, sources.corp.clientId and sources.corp.clientSecret');
    expect(error.message).not.toContain(SECRET);
    // The first answer, and one retry with a renewed token; no more.
    expect(firstUsersPageRequests()).toBe(2);
    expect(fake.stats().tokensIssued).toBe(tokensBefore + 1);
  });

  it('a client secret Entra refuses is a 401 naming sources.<name>.clientSecret', async () => {
    const error = await host.failure('readUsers', [ATTRIBUTES], { clientSecret: 'not-the-secret-3f9a' });
    expect(error).toMatchObject({ name: 'SourceReadError', status: 401 });
    expect(error.message).toMatch(/no token for the app's credential: .*AADSTS7000215.* — check sources\.corp\.tenantId, sources\.corp\.clientId and sources\.corp\.clientSecret/);
    expect(error.message).not.toContain('not-the-secret-3f9a');
  });
});

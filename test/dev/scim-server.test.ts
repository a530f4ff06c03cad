import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startScimServer, type ScimServer } from '../../dev/scim-server.js';

const TOKEN = 'scim-token';
const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const FLIP_LOCATION = 'urn:ietf:params:scim:schemas:extension:flip:location:2.0:User';
const FLIP_CUSTOM = 'urn:ietf:params:scim:schemas:extension:flip:custom:2.0:User';
const FLIP_JSON = 'urn:ietf:params:scim:schemas:extension:flip:customJson:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let server: ScimServer;

interface Res {
  status: number;
  headers: Headers;
  json: Record<string, any>;
}

/** `token: null` sends no Authorization header. */
async function scim(method: string, path: string, body?: unknown, token: string | null = TOKEN): Promise<Res> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? (JSON.parse(text) as Record<string, any>) : {} };
}

function patch(path: string, operations: unknown[]): Promise<Res> {
  return scim('PATCH', path, { schemas: [PATCH_OP], Operations: operations });
}

function filter(expression: string): string {
  return `filter=${encodeURIComponent(expression)}`;
}

async function createUser(userName: string, extra: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const res = await scim('POST', '/Users', { schemas: [CORE_USER], userName, active: true, ...extra });
  expect(res.status).toBe(201);
  return res.json;
}

beforeAll(async () => {
  server = await startScimServer({ token: TOKEN });
});

afterAll(async () => {
  await server.close();
});

describe('SCIM server: users', () => {
  it('listens on loopback under /scim/v2', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/scim\/v2$/);
  });

  it('rejects requests without the bearer token with a SCIM 401', async () => {
    for (const token of [null, 'wrong']) {
      const res = await scim('GET', '/Users', undefined, token);
      expect(res.status).toBe(401);
      expect(res.json).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '401' });
    }
  });

  it('creates users with the enterprise and Flip extensions', async () => {
    const res = await scim('POST', '/Users', {
      schemas: [CORE_USER, ENTERPRISE, FLIP_LOCATION, FLIP_CUSTOM, FLIP_JSON],
      userName: 'Ext.User@Example.com',
      externalId: 'entra-object-id-1',
      active: true,
      name: { givenName: 'Ext', familyName: 'User' },
      emails: [{ value: 'ext.user@example.com', type: 'work', primary: true }],
      [ENTERPRISE]: { employeeNumber: 'E-1', department: 'R&D', manager: { value: 'boss-id' } },
      [FLIP_LOCATION]: { value: 'Stuttgart' },
      [FLIP_CUSTOM]: { attributes: [{ technicalName: 'costCenter', value: '4711' }] },
      [FLIP_JSON]: { value: '{"a":1}' },
    });
    expect(res.status).toBe(201);
    expect(res.json['schemas']).toEqual(expect.arrayContaining([CORE_USER, ENTERPRISE, FLIP_LOCATION, FLIP_CUSTOM, FLIP_JSON]));
    expect(res.json).toMatchObject({
      userName: 'Ext.User@Example.com',
      [ENTERPRISE]: { employeeNumber: 'E-1', department: 'R&D', manager: { value: 'boss-id' } },
      [FLIP_LOCATION]: { value: 'Stuttgart' },
      [FLIP_CUSTOM]: { attributes: [{ technicalName: 'costCenter', value: '4711' }] },
      [FLIP_JSON]: { value: '{"a":1}' },
      meta: { resourceType: 'User', location: `${server.url}/Users/${String(res.json['id'])}` },
    });
    expect((await scim('GET', `/Users/${String(res.json['id'])}`)).json).toEqual(res.json);
  });

  it('filters userName case-insensitively, and by externalId and extension attributes', async () => {
    const user = await createUser('Case.Test@Example.com', { externalId: 'ext-case', [ENTERPRISE]: { employeeNumber: 'E-77' } });
    const byName = await scim('GET', `/Users?${filter('userName eq "case.test@EXAMPLE.com"')}`);
    expect(byName.json).toMatchObject({ totalResults: 1, Resources: [{ id: user['id'] }] });
    const byExternalId = await scim('GET', `/Users?${filter('externalId eq "ext-case"')}`);
    expect(byExternalId.json['Resources'].map((r: Record<string, unknown>) => r['id'])).toEqual([user['id']]);
    // externalId is caseExact in RFC 7643.
    expect((await scim('GET', `/Users?${filter('externalId eq "EXT-CASE"')}`)).json['totalResults']).toBe(0);
    const byExtension = await scim('GET', `/Users?${filter(`${ENTERPRISE}:employeeNumber eq "E-77"`)}`);
    expect(byExtension.json['totalResults']).toBe(1);
  });

  it('pages with startIndex and count', async () => {
    await createUser('page-a@example.com');
    await createUser('page-b@example.com');
    const res = await scim('GET', `/Users?${filter('userName sw "page-"')}&startIndex=2&count=1`);
    expect(res.json).toMatchObject({ totalResults: 2, startIndex: 2 });
    expect(res.json['Resources'].map((r: Record<string, unknown>) => r['userName'])).toEqual(['page-b@example.com']);
  });

  it('answers a duplicate userName (any case) with 409 uniqueness', async () => {
    const first = await createUser('dup@example.com');
    const dup = await scim('POST', '/Users', { schemas: [CORE_USER], userName: 'DUP@example.com' });
    expect(dup.status).toBe(409);
    expect(dup.json).toMatchObject({ status: '409', scimType: 'uniqueness' });
    const other = await createUser('other@example.com');
    const put = await scim('PUT', `/Users/${String(other['id'])}`, { schemas: [CORE_USER], userName: 'Dup@Example.com' });
    expect(put.status).toBe(409);
    // Renaming a user to its own name in another case is fine.
    const self = await scim('PUT', `/Users/${String(first['id'])}`, { schemas: [CORE_USER], userName: 'Dup@Example.COM' });
    expect(self.status).toBe(200);
  });

  it('applies RFC-shaped PATCH operations', async () => {
    const user = await createUser('patch-rfc@example.com', { name: { givenName: 'Old' } });
    const res = await patch(`/Users/${String(user['id'])}`, [
      { op: 'replace', path: 'active', value: false },
      { op: 'replace', value: { 'name.givenName': 'New', displayName: 'New Name' } },
      { op: 'add', path: `${FLIP_LOCATION}:value`, value: 'Berlin' },
    ]);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ active: false, name: { givenName: 'New' }, displayName: 'New Name', [FLIP_LOCATION]: { value: 'Berlin' } });
  });

  it("accepts Entra's legacy PATCH shape (capitalised ops, \"False\" strings)", async () => {
    const user = await createUser('patch-entra@example.com', { emails: [{ value: 'old@example.com', type: 'work', primary: true }] });
    const id = String(user['id']);
    const res = await patch(`/Users/${id}`, [
      { op: 'Replace', path: 'active', value: 'False' },
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'new@example.com' },
      { op: 'Add', value: { [`${ENTERPRISE}:department`]: 'Sales' } },
    ]);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      active: false,
      emails: [{ value: 'new@example.com', type: 'work', primary: true }],
      [ENTERPRISE]: { department: 'Sales' },
    });
    const reenabled = await patch(`/Users/${id}`, [{ op: 'Replace', value: { active: 'True' } }]);
    expect(reenabled.json['active']).toBe(true);
  });

  it('deletes users', async () => {
    const user = await createUser('delete-me@example.com');
    expect((await scim('DELETE', `/Users/${String(user['id'])}`)).status).toBe(204);
    expect((await scim('GET', `/Users/${String(user['id'])}`)).status).toBe(404);
    expect((await scim('DELETE', `/Users/${String(user['id'])}`)).status).toBe(404);
  });
});

describe('SCIM server: groups', () => {
  let alice: string;
  let bob: string;
  let carol: string;

  beforeAll(async () => {
    alice = String((await createUser('g-alice@example.com'))['id']);
    bob = String((await createUser('g-bob@example.com'))['id']);
    carol = String((await createUser('g-carol@example.com'))['id']);
  });

  it('creates, filters and patches group membership', async () => {
    const created = await scim('POST', '/Groups', { schemas: [CORE_GROUP], displayName: 'Engineering', members: [{ value: alice }] });
    expect(created.status).toBe(201);
    const id = String(created.json['id']);
    const found = await scim('GET', `/Groups?${filter('displayName eq "engineering"')}`);
    expect(found.json['Resources'].map((g: Record<string, unknown>) => g['id'])).toEqual([id]);

    const added = await patch(`/Groups/${id}`, [{ op: 'add', path: 'members', value: [{ value: bob }, { value: carol }, { value: alice }] }]);
    expect(added.json['members'].map((m: Record<string, unknown>) => m['value'])).toEqual([alice, bob, carol]);

    const removed = await patch(`/Groups/${id}`, [{ op: 'Remove', path: 'members', value: [{ value: bob }] }]);
    expect(removed.json['members'].map((m: Record<string, unknown>) => m['value'])).toEqual([alice, carol]);

    const filtered = await patch(`/Groups/${id}`, [{ op: 'remove', path: `members[value eq "${alice}"]` }]);
    expect(filtered.json['members'].map((m: Record<string, unknown>) => m['value'])).toEqual([carol]);

    const unknown = await patch(`/Groups/${id}`, [{ op: 'add', path: 'members', value: [{ value: 'no-such-user' }] }]);
    expect(unknown.status).toBe(400);
  });

  it('drops a deleted user from group memberships', async () => {
    const dave = String((await createUser('g-dave@example.com'))['id']);
    const group = await scim('POST', '/Groups', { schemas: [CORE_GROUP], displayName: 'Ops', members: [{ value: dave }, { value: alice }] });
    await scim('DELETE', `/Users/${dave}`);
    const after = await scim('GET', `/Groups/${String(group.json['id'])}`);
    expect(after.json['members'].map((m: Record<string, unknown>) => m['value'])).toEqual([alice]);
  });
});

describe('SCIM server: request log, admin API and faults', () => {
  beforeEach(() => {
    server.clearRequests();
    server.clearFaults();
  });

  it('logs method, path with query, status and parsed body, also over /_admin/requests', async () => {
    await scim('POST', '/Users', { schemas: [CORE_USER], userName: 'logged@example.com' });
    await scim('GET', `/Users?${filter('userName eq "logged@example.com"')}`);
    await scim('GET', '/Users', undefined, null);
    expect(server.requests).toEqual([
      { method: 'POST', path: '/Users', status: 201, body: { schemas: [CORE_USER], userName: 'logged@example.com' } },
      { method: 'GET', path: `/Users?${filter('userName eq "logged@example.com"')}`, status: 200, body: undefined },
      { method: 'GET', path: '/Users', status: 401, body: undefined },
    ]);
    const overHttp = await fetch(`${server.adminUrl}/requests`);
    expect(((await overHttp.json()) as unknown[]).length).toBe(3);
    expect((await fetch(`${server.adminUrl}/requests`, { method: 'DELETE' })).status).toBe(204);
    expect(server.requests).toEqual([]);
  });

  it('lets tests act as the app admin behind the provisioner’s back', async () => {
    const made = await fetch(`${server.adminUrl}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ schemas: [CORE_USER], userName: 'handmade@example.com' }),
    });
    expect(made.status).toBe(201);
    const id = String(((await made.json()) as Record<string, unknown>)['id']);
    expect(server.requests).toEqual([]); // not in the SCIM log
    const listed = (await (await fetch(`${server.adminUrl}/users`)).json()) as Record<string, unknown>[];
    expect(listed.map((u) => u['userName'])).toContain('handmade@example.com');
    const dupe = await fetch(`${server.adminUrl}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ schemas: [CORE_USER], userName: 'HANDMADE@example.com' }),
    });
    expect(dupe.status).toBe(409);

    server.editUser(id, { displayName: 'Edited in the app' });
    expect((await scim('GET', `/Users/${id}`)).json['displayName']).toBe('Edited in the app');
    expect((await fetch(`${server.adminUrl}/users/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await scim('GET', `/Users/${id}`)).status).toBe(404);
    expect(Array.isArray(await (await fetch(`${server.adminUrl}/groups`)).json())).toBe(true);
  });

  it('fails the next N matching requests with an injected status', async () => {
    const user = await createUser('faulty@example.com');
    const faulted = await fetch(`${server.adminUrl}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 503, count: 2, path: '/Users', method: 'PATCH', retryAfterSeconds: 3 }),
    });
    expect(faulted.status).toBe(204);
    const op = [{ op: 'replace', path: 'displayName', value: 'x' }];
    expect((await scim('GET', `/Users/${String(user['id'])}`)).status).toBe(200); // other methods unaffected
    const first = await patch(`/Users/${String(user['id'])}`, op);
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('3');
    expect(first.json).toMatchObject({ status: '503' });
    expect((await patch(`/Users/${String(user['id'])}`, op)).status).toBe(503);
    expect((await patch(`/Users/${String(user['id'])}`, op)).status).toBe(200);
    expect(server.requests.map((r) => r.status)).toEqual([201, 200, 503, 503, 200]);
  });

  it('delays requests and injects 429/400 via the method API', async () => {
    server.injectFault({ delayMs: 150, count: 1 });
    const started = Date.now();
    expect((await scim('GET', '/Users?count=1')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);

    server.injectFault({ status: 429, retryAfterSeconds: 1, path: '/Groups' });
    server.injectFault({ status: 400, scimType: 'invalidValue', path: '/Users', method: 'POST' });
    expect((await scim('GET', '/Users?count=1')).status).toBe(200);
    expect((await scim('GET', '/Groups')).status).toBe(429);
    const bad = await scim('POST', '/Users', { schemas: [CORE_USER], userName: 'rejected@example.com' });
    expect(bad.json).toMatchObject({ status: '400', scimType: 'invalidValue' });
  });
});

describe('SCIM server: isolation and discovery', () => {
  it('keeps each server’s data separate within one process', async () => {
    const other = await startScimServer({ token: 'other', basePath: '/api/scim' });
    try {
      expect(other.url).toMatch(/\/api\/scim$/);
      const res = await fetch(`${other.url}/Users`, { headers: { authorization: 'Bearer other' } });
      expect(((await res.json()) as Record<string, unknown>)['totalResults']).toBe(0);
      expect(server.users().length).toBeGreaterThan(0);
    } finally {
      await other.close();
    }
  });

  it('declares custom extensions passed as options and publishes them under /Schemas', async () => {
    const custom = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';
    const other = await startScimServer({
      token: 't',
      extensions: [{ id: custom, name: 'Acme', attributes: [{ name: 'badge', type: 'string' }] }],
    });
    try {
      const created = await fetch(`${other.url}/Users`, {
        method: 'POST',
        headers: { authorization: 'Bearer t', 'content-type': 'application/scim+json' },
        body: JSON.stringify({ schemas: [CORE_USER, custom], userName: 'acme@example.com', [custom]: { badge: 'B-1' } }),
      });
      expect(((await created.json()) as Record<string, unknown>)[custom]).toEqual({ badge: 'B-1' });
      const schemas = (await (await fetch(`${other.url}/Schemas`, { headers: { authorization: 'Bearer t' } })).json()) as Record<string, any>;
      const ids = (schemas['Resources'] as Record<string, unknown>[]).map((s) => s['id']);
      expect(ids).toEqual(expect.arrayContaining([CORE_USER, ENTERPRISE, FLIP_LOCATION, FLIP_CUSTOM, FLIP_JSON, custom]));
    } finally {
      await other.close();
    }
  });
});

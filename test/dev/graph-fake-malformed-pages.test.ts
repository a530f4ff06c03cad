/** The Graph fake's malformPage() faults, in-process and over /_admin, as a plain HTTPS client sees them. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGraphFake, type GraphFake } from '../../dev/graph-fake.js';
import { createTestCertificate } from '../../dev/tls.js';
import { clientCredentialsToken, httpsJson, type JsonResponse } from './support/https.js';

const TENANT = 'contoso-tenant-id';
const CLIENT = 'client-app-id';
const SECRET = 's3cret';
const OTHER_ORIGIN = 'https://127.0.0.1:1';

const tls = createTestCertificate();
let fake: GraphFake;
let token: string;
const ids: string[] = [];

function graph(path: string, headers: Record<string, string> = {}): Promise<JsonResponse> {
  const url = path.startsWith('https://') ? path : `${fake.graphUrl}${path}`;
  return httpsJson(url, { ca: tls.cert, headers: { authorization: `Bearer ${token}`, ...headers } });
}

function admin(path: string, body: unknown): Promise<JsonResponse> {
  return httpsJson(`${fake.authorityHost}/_admin/${path}`, { ca: tls.cert, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** Page 2 of /users at pages of 2 (users 3 and 4). */
async function secondUsersPage(): Promise<JsonResponse> {
  const first = await graph('/users?$select=id,userPrincipalName&$top=2');
  expect(first.status).toBe(200);
  return graph(String(first.json['@odata.nextLink']));
}

beforeAll(async () => {
  fake = await startGraphFake({ tls, tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET });
  for (const name of ['a', 'b', 'c', 'd', 'e']) ids.push(fake.upsertUser({ userPrincipalName: `${name}@contoso.example` }));
  fake.softDeleteUser(fake.upsertUser({ userPrincipalName: 'deleted@contoso.example' }));
  fake.upsertGroup({ displayName: 'G', members: ids.slice(0, 3) });
  const res = await clientCredentialsToken(fake.authorityHost, TENANT, { grant_type: 'client_credentials', client_id: CLIENT, client_secret: SECRET, scope: 'https://graph.microsoft.com/.default' }, tls.cert);
  token = String(res.json['access_token']);
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => fake.clearFaults());

describe('Graph fake: malformed pages', () => {
  it('html: 200 text/html, on the page asked for only', async () => {
    fake.malformPage(2, { fault: 'html' });
    expect((await graph('/users?$top=2')).status).toBe(200);
    const page = await secondUsersPage();
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(String(page.body)).toMatch(/^<!DOCTYPE html>.*Sign in/);
  });

  it('emptyObject, valueObject and nullItem change the body; userWithoutId strips the first id', async () => {
    fake.malformPage(2, { fault: 'emptyObject' });
    expect((await secondUsersPage()).body).toEqual({});
    fake.malformPage(2, { fault: 'valueObject' });
    const valueObject = await secondUsersPage();
    expect(valueObject.json['value']).toEqual({});
    expect(valueObject.json['@odata.nextLink']).toContain('$skiptoken=');
    fake.malformPage(2, { fault: 'nullItem' });
    expect((await secondUsersPage()).json['value']).toEqual([null, { id: ids[2], userPrincipalName: 'c@contoso.example' }, { id: ids[3], userPrincipalName: 'd@contoso.example' }]);
    fake.malformPage(2, { fault: 'userWithoutId' });
    expect((await secondUsersPage()).json['value']).toEqual([{ userPrincipalName: 'c@contoso.example' }, { id: ids[3], userPrincipalName: 'd@contoso.example' }]);
    expect(fake.stats().malformedPages).toBeGreaterThanOrEqual(4);
  });

  it('foreignNextLink keeps the path and query but points at another origin, on the last page too', async () => {
    fake.malformPage(1, { fault: 'foreignNextLink', origin: OTHER_ORIGIN });
    const first = await graph('/users?$select=id&$top=2');
    expect(first.json['@odata.nextLink']).toMatch(/^https:\/\/127\.0\.0\.1:1\/v1\.0\/users\?\$select=id&\$top=2&\$skiptoken=/);
    const last = await graph('/users?$select=id');
    expect(last.json['@odata.nextLink']).toBe(`${OTHER_ORIGIN}/v1.0/users?%24select=id`);
    expect(() => fake.malformPage(1, { fault: 'foreignNextLink' })).toThrow(/needs an origin/);
  });

  it('times limits the malformed answers; clearFaults() ends them', async () => {
    fake.malformPage(2, { fault: 'emptyObject', times: 1 });
    expect((await secondUsersPage()).body).toEqual({});
    expect(Array.isArray((await secondUsersPage()).json['value'])).toBe(true);
    fake.malformPage(2, { fault: 'emptyObject' });
    fake.clearFaults();
    expect(Array.isArray((await secondUsersPage()).json['value'])).toBe(true);
  });

  it('targets deleted users, delta, groups and members by listing', async () => {
    fake.malformPage(1, { listing: 'deletedUsers', fault: 'emptyObject' });
    fake.malformPage(1, { listing: 'groups', fault: 'valueObject' });
    fake.malformPage(1, { listing: 'members', fault: 'nullItem' });
    expect((await graph('/users')).json['value']).toHaveLength(5);
    expect((await graph('/directory/deletedItems/microsoft.graph.user')).body).toEqual({});
    expect((await graph('/groups')).json['value']).toEqual({});
    const groupId = String(fake.groups()[0]!['id']);
    expect((await graph(`/groups/${groupId}/transitiveMembers/microsoft.graph.user?$select=id`)).json['value']).toEqual([null, ...ids.slice(0, 3).map((id) => ({ '@odata.type': '#microsoft.graph.user', id }))]);

    // Delta pages count from 1 within a round; a new round (from a deltaLink) starts again at 1.
    fake.malformPage(2, { listing: 'delta', fault: 'html', times: 1 });
    const first = await graph('/users/delta?$select=id', { prefer: 'odata.maxpagesize=2' });
    expect(first.json['value']).toHaveLength(2);
    const second = await graph(String(first.json['@odata.nextLink']));
    expect(second.headers['content-type']).toBe('text/html; charset=utf-8');
  });

  it('is driven over /_admin/malformPage, with its errors as 400s', async () => {
    expect((await admin('malformPage', { page: 2, fault: 'userWithoutId' })).status).toBe(204);
    expect((await secondUsersPage()).json['value'][0]).toEqual({ userPrincipalName: 'c@contoso.example' });
    expect((await admin('malformPage', { page: 1, listing: 'delta', fault: 'foreignNextLink', origin: OTHER_ORIGIN })).status).toBe(204);
    expect(String((await graph('/users/delta?$select=id', { prefer: 'odata.maxpagesize=2' })).json['@odata.nextLink'])).toMatch(/^https:\/\/127\.0\.0\.1:1\/v1\.0\/users\/delta\?\$skiptoken=/);
    expect((await admin('malformPage', { page: 1, fault: 'gibberish' })).status).toBe(400);
    expect((await admin('malformPage', { page: 0, fault: 'html' })).status).toBe(400);
    expect((await admin('malformPage', { page: 1, listing: 'apps', fault: 'html' })).status).toBe(400);
  });
});

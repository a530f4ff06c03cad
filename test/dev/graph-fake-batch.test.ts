/** The Graph fake's JSON batching (POST /v1.0/$batch) and group parents (transitiveMemberOf), over HTTPS. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGraphFake, type GraphFake } from '../../dev/graph-fake.js';
import { createTestCertificate } from '../../dev/tls.js';
import { clientCredentialsToken, httpsJson, type JsonResponse } from './support/https.js';

const TENANT = 'contoso-tenant-id';
const CLIENT = 'client-app-id';
const SECRET = 's3cret';

const tls = createTestCertificate();
let fake: GraphFake;
let token: string;
let engineers: string;
let platform: string;
let ada: string;
let grace: string;

beforeAll(async () => {
  fake = await startGraphFake({ tls, tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET, pageSize: 5 });
  const res = await clientCredentialsToken(
    fake.authorityHost,
    TENANT,
    { grant_type: 'client_credentials', client_id: CLIENT, client_secret: SECRET, scope: 'https://graph.microsoft.com/.default' },
    tls.cert,
  );
  token = String(res.json['access_token']);
  ada = fake.upsertUser({ userPrincipalName: 'ada@contoso.example', displayName: 'Ada' });
  grace = fake.upsertUser({ userPrincipalName: 'grace@contoso.example', displayName: 'Grace' });
  platform = fake.upsertGroup({ displayName: 'Platform', members: [grace] });
  engineers = fake.upsertGroup({ displayName: 'Engineers', members: [ada, platform] });
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => {
  fake.resetLog();
  fake.clearFaults();
});

function batch(body: unknown): Promise<JsonResponse> {
  return httpsJson(`${fake.graphUrl}/$batch`, {
    ca: tls.cert,
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('POST /v1.0/$batch', () => {
  it('answers each request by id, with its status, headers and body, as if it had come alone', async () => {
    const res = await batch({
      requests: [
        { id: '1', method: 'GET', url: `/groups/${engineers}/transitiveMembers/microsoft.graph.user?$select=id` },
        { id: '2', method: 'GET', url: `groups/${platform}?$select=id,displayName` },
        { id: '3', method: 'GET', url: '/groups/00000000-0000-0000-0000-000000000000' },
      ],
    });
    expect(res.status).toBe(200);
    const byId = new Map((res.json['responses'] as { id: string }[]).map((r) => [r.id, r]));
    // Graph may answer in any order: the fake answers in reverse, so clients must correlate by id.
    expect((res.json['responses'] as { id: string }[]).map((r) => r.id)).toEqual(['3', '2', '1']);
    expect(byId.get('1')).toMatchObject({ status: 200, headers: { 'Content-Type': expect.stringContaining('application/json') }, body: { value: [{ id: ada }, { id: grace }] } });
    expect(byId.get('2')).toMatchObject({ status: 200, body: { id: platform, displayName: 'Platform' } });
    expect(byId.get('3')).toMatchObject({ status: 404, body: { error: { code: 'Request_ResourceNotFound' } } });
    // One HTTP call, three sub-requests, each logged with the batch's relative url.
    expect(fake.stats()).toMatchObject({ graphRequests: 1, batchCalls: 1, subRequests: 3 });
    expect(fake.requests.map((r) => [r.method, r.path, r.status, r.inBatch ?? false])).toEqual([
      ['POST', '/v1.0/$batch', 200, false],
      ['GET', `/v1.0/groups/${engineers}/transitiveMembers/microsoft.graph.user?$select=id`, 200, true],
      ['GET', `/v1.0/groups/${platform}?$select=id,displayName`, 200, true],
      ['GET', '/v1.0/groups/00000000-0000-0000-0000-000000000000', 404, true],
    ]);
  });

  it('throttles sub-requests one by one, with Retry-After in the sub-response, and never the batch call', async () => {
    fake.throttle({ every: 2, retryAfterSeconds: 3 });
    const res = await batch({ requests: ['a', 'b', 'c', 'd'].map((id) => ({ id, method: 'GET', url: `/groups/${engineers}?$select=id` })) });
    expect(res.status).toBe(200);
    const statuses = Object.fromEntries((res.json['responses'] as { id: string; status: number }[]).map((r) => [r.id, r.status]));
    expect(statuses).toEqual({ a: 200, b: 429, c: 200, d: 429 });
    const throttled = (res.json['responses'] as { id: string; headers: Record<string, string>; body: unknown }[]).find((r) => r.id === 'b');
    expect(throttled?.headers['Retry-After']).toBe('3');
    expect(throttled?.body).toMatchObject({ error: { code: 'TooManyRequests' } });
  });

  it('pages a collection inside a batch with an absolute nextLink, like any listing', async () => {
    const res = await batch({ requests: [{ id: '1', method: 'GET', url: `/groups/${engineers}/members?$select=id&$top=1` }] });
    const [answer] = res.json['responses'] as { body: Record<string, unknown> }[];
    expect(answer?.body['value']).toEqual([{ '@odata.type': '#microsoft.graph.user', id: ada }]);
    expect(String(answer?.body['@odata.nextLink'])).toMatch(new RegExp(`^${fake.graphUrl.replace(/\./g, '\\.')}/groups/${engineers}/members\\?\\$select=id&\\$top=1&\\$skiptoken=`));
  });

  it('refuses a batch of more than 20, an empty one, reused ids, and unauthenticated calls', async () => {
    const many = Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: '/groups' }));
    expect(await batch({ requests: many })).toMatchObject({ status: 400, json: { error: { message: expect.stringContaining('maximum of 20') } } });
    expect((await batch({ requests: [] })).status).toBe(400);
    expect((await batch({ requests: [{ id: '1', method: 'GET', url: '/groups' }, { id: '1', method: 'GET', url: '/users' }] })).status).toBe(400);
    const anonymous = await httpsJson(`${fake.graphUrl}/$batch`, { ca: tls.cert, method: 'POST', body: JSON.stringify({ requests: [] }) });
    expect(anonymous.status).toBe(401);
    expect(fake.stats().subRequests).toBe(0);
  });
});

describe('GET /groups/{id}/transitiveMemberOf/microsoft.graph.group', () => {
  it('lists the groups a group is in, directly or through others', async () => {
    const outer = fake.upsertGroup({ displayName: 'Everyone in R&D', members: [engineers] });
    const res = await httpsJson(`${fake.graphUrl}/groups/${platform}/transitiveMemberOf/microsoft.graph.group?$select=id`, {
      ca: tls.cert,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.json['value']).toEqual([{ id: engineers }, { id: outer }]);
  });
});

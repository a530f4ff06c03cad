import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGraphFake, type GraphFake } from '../../dev/graph-fake.js';
import { createTestCertificate } from '../../dev/tls.js';
import { clientCredentialsToken, httpsJson, type JsonResponse } from './support/https.js';

const TENANT = 'contoso-tenant-id';
const CLIENT = 'client-app-id';
const SECRET = 's3cret';
const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

const tls = createTestCertificate();
let fake: GraphFake;
let token: string;

async function newToken(): Promise<string> {
  const res = await clientCredentialsToken(
    fake.authorityHost,
    TENANT,
    { grant_type: 'client_credentials', client_id: CLIENT, client_secret: SECRET, scope: GRAPH_SCOPE },
    tls.cert,
  );
  return String(res.json['access_token']);
}

function graph(path: string, headers: Record<string, string> = {}): Promise<JsonResponse> {
  const url = path.startsWith('https://') ? path : `${fake.graphUrl}${path}`;
  return httpsJson(url, { ca: tls.cert, headers: { authorization: `Bearer ${token}`, ...headers } });
}

async function listAll(path: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let next: string | undefined = path;
  while (next) {
    const res = await graph(next);
    expect(res.status).toBe(200);
    items.push(...(res.json['value'] as Record<string, unknown>[]));
    next = res.json['@odata.nextLink'] as string | undefined;
  }
  return items;
}

beforeAll(async () => {
  fake = await startGraphFake({ tls, tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET, pageSize: 5 });
  token = await newToken();
});

afterAll(async () => {
  await fake.close();
});

describe('token authority', () => {
  it('serves OpenID metadata pointing at itself', async () => {
    const res = await httpsJson(`${fake.authorityHost}/${TENANT}/v2.0/.well-known/openid-configuration`, { ca: tls.cert });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      token_endpoint: `${fake.authorityHost}/${TENANT}/oauth2/v2.0/token`,
      issuer: `${fake.authorityHost}/${TENANT}/v2.0`,
      authorization_endpoint: `${fake.authorityHost}/${TENANT}/oauth2/v2.0/authorize`,
      jwks_uri: `${fake.authorityHost}/${TENANT}/discovery/v2.0/keys`,
    });
    const unknown = await httpsJson(`${fake.authorityHost}/other/v2.0/.well-known/openid-configuration`, { ca: tls.cert });
    expect(unknown.status).toBe(400);
    expect(unknown.json['error']).toBe('invalid_tenant');
  });

  it('answers instance discovery for MSAL configurations that ask for it', async () => {
    const res = await httpsJson(`${fake.authorityHost}/common/discovery/instance?api-version=1.1`, { ca: tls.cert });
    expect(res.json['tenant_discovery_endpoint']).toBe(`${fake.authorityHost}/${TENANT}/v2.0/.well-known/openid-configuration`);
  });

  it('issues opaque bearer tokens for the client-credentials grant', async () => {
    const res = await clientCredentialsToken(
      fake.authorityHost,
      TENANT,
      { grant_type: 'client_credentials', client_id: CLIENT, client_secret: SECRET, scope: GRAPH_SCOPE },
      tls.cert,
    );
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599 });
    expect(res.json['access_token']).toMatch(/^[A-Za-z0-9_-]{20,}$/);
  });

  it('rejects bad client credentials and scopes the way Entra does', async () => {
    const form = { grant_type: 'client_credentials', client_id: CLIENT, client_secret: SECRET, scope: GRAPH_SCOPE };
    const wrongSecret = await clientCredentialsToken(fake.authorityHost, TENANT, { ...form, client_secret: 'nope' }, tls.cert);
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.json['error']).toBe('invalid_client');
    expect(wrongSecret.json['error_description']).toMatch(/^AADSTS7000215: Invalid client secret provided/);

    const wrongClient = await clientCredentialsToken(fake.authorityHost, TENANT, { ...form, client_id: 'someone-else' }, tls.cert);
    expect(wrongClient.status).toBe(400);
    expect(wrongClient.json['error']).toBe('unauthorized_client');
    expect(wrongClient.json['error_codes']).toEqual([700016]);

    const badScope = await clientCredentialsToken(fake.authorityHost, TENANT, { ...form, scope: 'User.Read.All' }, tls.cert);
    expect(badScope.status).toBe(400);
    expect(badScope.json['error']).toBe('invalid_scope');
  });

  it('accepts a well-formed client assertion from the client when no certificate is registered', async () => {
    const b64 = (v: object): string => Buffer.from(JSON.stringify(v)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const assertion = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ iss: CLIENT, sub: CLIENT, exp: now + 600 })}.c2ln`;
    const form = {
      grant_type: 'client_credentials',
      client_id: CLIENT,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
      scope: GRAPH_SCOPE,
    };
    expect((await clientCredentialsToken(fake.authorityHost, TENANT, form, tls.cert)).status).toBe(200);
    const foreign = `${b64({ alg: 'RS256' })}.${b64({ iss: 'x', sub: 'x', exp: now + 600 })}.c2ln`;
    const rejected = await clientCredentialsToken(fake.authorityHost, TENANT, { ...form, client_assertion: foreign }, tls.cert);
    expect(rejected.status).toBe(401);
  });
});

describe('Graph authentication', () => {
  it('requires a valid bearer token', async () => {
    const missing = await httpsJson(`${fake.graphUrl}/users`, { ca: tls.cert });
    expect(missing.status).toBe(401);
    expect(missing.json['error']).toMatchObject({ code: 'InvalidAuthenticationToken' });

    const bogus = await graph('/users', { authorization: 'Bearer not-a-token' });
    expect(bogus.status).toBe(401);
    expect(bogus.json['error']).toMatchObject({
      code: 'InvalidAuthenticationToken',
      message: 'Access token has expired or is not yet valid.',
    });
  });

  it('rejects tokens minted for another resource', async () => {
    const other = await clientCredentialsToken(
      fake.authorityHost,
      TENANT,
      { grant_type: 'client_credentials', client_id: CLIENT, client_secret: SECRET, scope: 'https://management.azure.com/.default' },
      tls.cert,
    );
    const res = await graph('/users', { authorization: `Bearer ${String(other.json['access_token'])}` });
    expect(res.status).toBe(401);
  });

  it('expireTokens() invalidates every issued token', async () => {
    const res = await graph('/users?$top=1');
    expect(res.status).toBe(200);
    fake.expireTokens();
    expect((await graph('/users?$top=1')).status).toBe(401);
    token = await newToken();
    expect((await graph('/users?$top=1')).status).toBe(200);
  });
});

describe('users', () => {
  let alice: string;
  let bob: string;

  beforeAll(() => {
    alice = fake.upsertUser({
      userPrincipalName: 'Alice@Contoso.example',
      displayName: 'Alice Anders',
      givenName: 'Alice',
      mail: 'alice@contoso.example',
      department: 'R&D',
      extension_abc123_costCenter: 'CC-1',
    });
    bob = fake.upsertUser({ userPrincipalName: 'bob@contoso.example', displayName: 'Bob', accountEnabled: false, manager: alice });
    for (let i = 0; i < 10; i++) fake.upsertUser({ userPrincipalName: `filler${i}@contoso.example`, displayName: `Filler ${i}` });
  });

  it('returns the Graph default property set without $select', async () => {
    const res = await graph(`/users/${alice}`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.json).sort()).toEqual(
      ['@odata.context', 'businessPhones', 'displayName', 'givenName', 'id', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName'].sort(),
    );
    expect(res.json).toMatchObject({ businessPhones: [], jobTitle: null, givenName: 'Alice' });
  });

  it('returns only id and the selected properties with $select', async () => {
    const res = await graph(`/users/${bob}?$select=accountEnabled,userPrincipalName,department`);
    expect(res.json).toEqual({
      '@odata.context': `${fake.graphUrl}/$metadata#users(accountEnabled,userPrincipalName,department)/$entity`,
      id: bob,
      accountEnabled: false,
      userPrincipalName: 'bob@contoso.example',
      department: null,
    });
    const ext = await graph(`/users/${alice}?$select=extension_abc123_costCenter`);
    expect(ext.json['extension_abc123_costCenter']).toBe('CC-1');
    const bad = await graph('/users?$select=notAProperty');
    expect(bad.status).toBe(400);
  });

  it('looks users up by id or userPrincipalName, case-insensitively', async () => {
    expect((await graph('/users/ALICE@contoso.EXAMPLE?$select=id')).json['id']).toBe(alice);
    const missing = await graph('/users/nobody@contoso.example');
    expect(missing.status).toBe(404);
    expect(missing.json['error']).toMatchObject({ code: 'Request_ResourceNotFound' });
  });

  it('filters with $filter', async () => {
    const byUpn = await graph(`/users?$filter=${encodeURIComponent("userPrincipalName eq 'alice@CONTOSO.example'")}&$select=id`);
    expect(byUpn.json['value']).toEqual([{ id: alice }]);
    const byId = await graph(`/users?$filter=${encodeURIComponent(`id eq '${bob}'`)}&$select=id`);
    expect(byId.json['value']).toEqual([{ id: bob }]);
    const combined = await graph(
      `/users?$filter=${encodeURIComponent("startswith(displayName,'filler') and (accountEnabled eq true or id in ('x'))")}&$top=100&$select=id`,
    );
    expect((combined.json['value'] as unknown[]).length).toBe(10);
    const unsupported = await graph(`/users?$filter=${encodeURIComponent("proxyAddresses/any(x:startswith(x,'smtp:'))")}`);
    expect(unsupported.status).toBe(400);
  });

  it('counts only in advanced-query mode (ConsistencyLevel: eventual)', async () => {
    expect((await graph('/users?$count=true&$top=1')).status).toBe(400);
    const counted = await graph('/users?$count=true&$top=1', { consistencylevel: 'eventual' });
    expect(counted.json['@odata.count']).toBe(fake.users().length);
  });

  it('validates $top like Graph', async () => {
    for (const top of ['0', '1000', 'abc']) {
      const res = await graph(`/users?$top=${top}`);
      expect(res.status).toBe(400);
      expect(String((res.json['error'] as Record<string, unknown>)['message'])).toContain('Invalid page size specified');
    }
  });

  it('pages with an absolute @odata.nextLink carrying an opaque $skiptoken', async () => {
    const first = await graph('/users?$select=id,displayName&$top=5');
    expect(first.json['@odata.context']).toBe(`${fake.graphUrl}/$metadata#users(id,displayName)`);
    const next = String(first.json['@odata.nextLink']);
    expect(next).toMatch(new RegExp(`^${fake.graphUrl}/users\\?\\$select=id,displayName&\\$top=5&\\$skiptoken=[A-Za-z0-9_-]+$`));
    // Creating a user mid-listing neither duplicates nor skips anyone.
    const all = await listAll('/users?$select=id&$top=5');
    const late = fake.upsertUser({ userPrincipalName: 'late@contoso.example' });
    const again = await listAll('/users?$select=id&$top=5');
    expect(again.map((u) => u['id'])).toEqual([...all.map((u) => u['id']), late]);
    fake.hardDeleteUser(late);
    // Default page size applies without $top.
    expect(((await graph('/users')).json['value'] as unknown[]).length).toBe(5);
  });

  it('expands the manager', async () => {
    const res = await graph(`/users/${bob}?$select=id&$expand=${encodeURIComponent('manager($select=id,displayName)')}`);
    expect(res.json['manager']).toEqual({ '@odata.type': '#microsoft.graph.user', id: alice, displayName: 'Alice Anders' });
    const direct = await graph(`/users/${bob}/manager?$select=id`);
    expect(direct.json).toMatchObject({ id: alice });
    expect((await graph(`/users/${alice}/manager`)).status).toBe(404);
  });
});

describe('groups, membership and deleted items', () => {
  let u1: string;
  let u2: string;
  let u3: string;
  let inner: string;
  let outer: string;

  beforeAll(() => {
    u1 = fake.upsertUser({ userPrincipalName: 'g-u1@contoso.example', displayName: 'G U1' });
    u2 = fake.upsertUser({ userPrincipalName: 'g-u2@contoso.example', displayName: 'G U2' });
    u3 = fake.upsertUser({ userPrincipalName: 'g-u3@contoso.example', displayName: 'G U3' });
    inner = fake.upsertGroup({ displayName: 'Inner', members: [u2, u3] });
    outer = fake.upsertGroup({ displayName: 'Outer Team', members: [u1, u2, inner] });
    // A cycle must not hang the transitive expansion.
    fake.upsertGroup({ id: inner, displayName: 'Inner', members: [u2, u3, outer] });
  });

  it('lists and filters groups', async () => {
    const res = await graph(`/groups?$filter=${encodeURIComponent("displayName eq 'outer team'")}&$select=id,displayName`);
    expect(res.json['value']).toEqual([{ id: outer, displayName: 'Outer Team' }]);
    expect((await graph(`/groups/${outer}?$select=displayName`)).json).toMatchObject({ id: outer, displayName: 'Outer Team' });
    expect((await graph('/groups/nope')).status).toBe(404);
  });

  it('lists direct members with @odata.type', async () => {
    const res = await graph(`/groups/${outer}/members?$select=id`);
    expect(res.json['value']).toEqual([
      { '@odata.type': '#microsoft.graph.user', id: u1 },
      { '@odata.type': '#microsoft.graph.user', id: u2 },
      { '@odata.type': '#microsoft.graph.group', id: inner },
    ]);
  });

  it('flattens nested groups in transitiveMembers/microsoft.graph.user, deduplicated and paged', async () => {
    const users = await listAll(`/groups/${outer}/transitiveMembers/microsoft.graph.user?$select=id,userPrincipalName&$top=2`);
    expect(users.map((u) => u['id'])).toEqual([u1, u2, u3]);
    expect(users[0]).toEqual({ '@odata.type': '#microsoft.graph.user', id: u1, userPrincipalName: 'g-u1@contoso.example' });
  });

  it('moves soft-deleted users to deletedItems and hides them from groups until restored', async () => {
    fake.softDeleteUser(u2);
    expect((await graph(`/users/${u2}`)).status).toBe(404);
    const deleted = await graph('/directory/deletedItems/microsoft.graph.user?$select=id,userPrincipalName,deletedDateTime');
    expect(deleted.json['value']).toEqual([
      { id: u2, userPrincipalName: 'g-u2@contoso.example', deletedDateTime: expect.any(String) },
    ]);
    const members = await listAll(`/groups/${outer}/transitiveMembers/microsoft.graph.user?$select=id`);
    expect(members.map((m) => m['id'])).toEqual([u1, u3]);

    fake.restoreUser(u2);
    expect((await graph(`/users/${u2}?$select=id`)).status).toBe(200);
    expect((await listAll(`/groups/${outer}/members?$select=id`)).map((m) => m['id'])).toContain(u2);

    fake.softDeleteUser(u2);
    fake.hardDeleteUser(u2);
    expect((await graph('/directory/deletedItems/microsoft.graph.user')).json['value']).toEqual([]);
    expect(fake.groups().find((g) => g['id'] === outer)?.members).toEqual([u1, inner]);
  });
});

describe('fault injection and request log', () => {
  beforeEach(() => {
    fake.clearFaults();
    fake.resetLog();
  });

  it('throttles every Nth Graph request with 429 and Retry-After', async () => {
    fake.throttle({ every: 2, retryAfterSeconds: 7 });
    const statuses: number[] = [];
    let throttled: JsonResponse | undefined;
    for (let i = 0; i < 4; i++) {
      const res = await graph('/users?$top=1');
      statuses.push(res.status);
      if (res.status === 429) throttled = res;
    }
    expect(statuses).toEqual([200, 429, 200, 429]);
    expect(throttled?.headers['retry-after']).toBe('7');
    expect(throttled?.json['error']).toMatchObject({ code: 'TooManyRequests' });
    expect(fake.stats()).toMatchObject({ graphRequests: 4, throttled: 2 });
  });

  it('throttles the next N requests, optionally with 503', async () => {
    fake.throttle({ next: 2, retryAfterSeconds: 1, status: 503 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await graph('/users?$top=1')).status);
    expect(statuses).toEqual([503, 503, 200]);
  });

  it('fails the nth page of the user listing for a number of attempts', async () => {
    fake.failPage(2, { status: 503, times: 2 });
    const first = await graph('/users?$select=id&$top=3');
    const next = String(first.json['@odata.nextLink']);
    expect((await graph(next)).status).toBe(503);
    expect((await graph(next)).status).toBe(503);
    expect((await graph(next)).status).toBe(200);
    expect(fake.stats().failedPages).toBeGreaterThanOrEqual(2);
  });

  it('fails a page for good by default', async () => {
    fake.failPage(1);
    for (let i = 0; i < 3; i++) expect((await graph('/users')).status).toBe(503);
    // Other collections are unaffected.
    expect((await graph('/groups')).status).toBe(200);
  });

  it('logs method, path with query, status and whether the caller was authorized', async () => {
    await graph('/users?$top=1');
    await httpsJson(`${fake.graphUrl}/users`, { ca: tls.cert });
    expect(fake.requests).toEqual([
      { method: 'GET', path: '/v1.0/users?$top=1', status: 200, authorized: true },
      { method: 'GET', path: '/v1.0/users', status: 401, authorized: false },
    ]);
    expect(fake.stats()).toMatchObject({ total: 2, graphRequests: 2, unauthorized: 1, byStatus: { '200': 1, '401': 1 } });
  });
});

describe('delta queries', () => {
  it('reports new, changed, soft- and hard-deleted users in later rounds', async () => {
    const initial = await deltaRound('/users/delta?$select=id,displayName');
    expect(initial.items.length).toBe(fake.users().length);

    const added = fake.upsertUser({ userPrincipalName: 'delta-new@contoso.example', displayName: 'New' });
    const changed = fake.upsertUser({ userPrincipalName: 'delta-chg@contoso.example', displayName: 'Before' });
    const softDeleted = fake.upsertUser({ userPrincipalName: 'delta-soft@contoso.example' });
    const hardDeleted = fake.upsertUser({ userPrincipalName: 'delta-hard@contoso.example' });
    const mid = await deltaRound(initial.deltaLink);
    expect(mid.items.map((i) => i['id'])).toEqual([added, changed, softDeleted, hardDeleted]);
    expect(mid.items[0]).toEqual({ id: added, displayName: 'New' });

    fake.patchUser(changed, { displayName: 'After' });
    fake.softDeleteUser(softDeleted);
    fake.hardDeleteUser(hardDeleted);
    const last = await deltaRound(mid.deltaLink);
    expect(last.items).toEqual([
      { id: changed, displayName: 'After' },
      { id: softDeleted, '@removed': { reason: 'changed' } },
      { id: hardDeleted, '@removed': { reason: 'deleted' } },
    ]);
    expect((await deltaRound(last.deltaLink)).items).toEqual([]);
  });

  it('reports group membership changes as members@delta', async () => {
    const a = fake.upsertUser({ userPrincipalName: 'gd-a@contoso.example' });
    const b = fake.upsertUser({ userPrincipalName: 'gd-b@contoso.example' });
    const group = fake.upsertGroup({ displayName: 'Delta Group', members: [a] });
    const initial = await deltaRound('/groups/delta?$select=displayName,members');
    expect(initial.items.find((g) => g['id'] === group)).toEqual({
      id: group,
      displayName: 'Delta Group',
      'members@delta': [{ '@odata.type': '#microsoft.graph.user', id: a }],
    });
    fake.upsertGroup({ id: group, displayName: 'Delta Group', members: [b] });
    const next = await deltaRound(initial.deltaLink);
    expect(next.items).toEqual([
      {
        id: group,
        displayName: 'Delta Group',
        'members@delta': [
          { '@odata.type': '#microsoft.graph.user', id: b },
          { '@odata.type': '#microsoft.graph.user', id: a, '@removed': { reason: 'deleted' } },
        ],
      },
    ]);
  });

  async function deltaRound(start: string): Promise<{ items: Record<string, unknown>[]; deltaLink: string }> {
    const items: Record<string, unknown>[] = [];
    let url: string | undefined = start;
    for (;;) {
      const res = await graph(url, { prefer: 'odata.maxpagesize=3' });
      expect(res.status).toBe(200);
      items.push(...(res.json['value'] as Record<string, unknown>[]));
      if (res.json['@odata.deltaLink']) return { items, deltaLink: String(res.json['@odata.deltaLink']) };
      url = String(res.json['@odata.nextLink']);
    }
  }
});

describe('admin API', () => {
  it('manipulates the directory over HTTPS for out-of-process tests', async () => {
    const admin = (path: string, method = 'GET', body?: unknown): Promise<JsonResponse> =>
      httpsJson(`${fake.authorityHost}/_admin/${path}`, {
        ca: tls.cert,
        method,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const created = await admin('users', 'POST', { userPrincipalName: 'admin-made@contoso.example' });
    const id = String(created.json['id']);
    expect((await admin(`users/${id}`, 'PATCH', { jobTitle: 'Boss' })).status).toBe(204);
    expect(fake.users().find((u) => u['id'] === id)).toMatchObject({ jobTitle: 'Boss', accountEnabled: true });
    expect((await admin(`users/${id}/softDelete`, 'POST')).status).toBe(204);
    expect(fake.deletedUsers().map((u) => u['id'])).toContain(id);
    expect((await admin(`users/${id}/restore`, 'POST')).status).toBe(204);
    expect((await admin('users', 'POST', { userPrincipalName: 'ADMIN-MADE@contoso.example' })).status).toBe(409);
    expect((await admin('failPage', 'POST', { page: 1, times: 1 })).status).toBe(204);
    expect((await graph('/users')).status).toBe(503);
    expect(Array.isArray((await admin('requests')).body)).toBe(true);
  });
});

describe('holding Graph requests', () => {
  it('keeps requests unanswered until released, then answers them; the token endpoint is not held', async () => {
    const release = fake.holdGraphRequests();
    try {
      let answered = false;
      const held = graph('/users?$top=1').then((res) => {
        answered = true;
        return res;
      });
      // The request has arrived (it is logged, not yet answered) and waits; a token request meanwhile goes through.
      const arrived = () => fake.requests.some((r) => r.path === '/v1.0/users?$top=1' && r.status === 500);
      for (const until = Date.now() + 30_000; !arrived(); ) {
        if (Date.now() > until) throw new Error('the held request never arrived');
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(await newToken()).not.toBe('');
      expect(answered).toBe(false);
      release();
      expect((await held).status).toBe(200);
      // Released for good: the next request is answered at once.
      expect((await graph('/users?$top=1')).status).toBe(200);
    } finally {
      release();
    }
  });
});

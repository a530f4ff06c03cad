/** The Okta fake over plain HTTP: Okta's wire formats, listing rules, errors and test controls. */
import { generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateOktaUsers, startOktaFake, type OktaFake } from '../../dev/okta-fake.js';

const TOKEN = 'fake-test-token';
let fake: OktaFake;
const ids: Record<string, string> = {};

async function get(path: string, token: string | null = TOKEN): Promise<{ status: number; headers: Headers; body: any }> {
  const response = await fetch(`${fake.orgUrl}${path}`, { headers: token === null ? {} : { authorization: `SSWS ${token}` } });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

const enc = encodeURIComponent;

beforeAll(async () => {
  fake = await startOktaFake({ tokens: [TOKEN] });
  for (const user of generateOktaUsers(250)) fake.createUser(user);
  ids.gone = fake.createUser({ status: 'DEPROVISIONED', profile: { login: 'gone@example.com', firstName: 'Gone', costCenter: 'CC-9' } });
  ids.group = fake.createGroup({ name: 'Engineers', members: [ids.gone] });
});

afterAll(async () => {
  await fake?.close();
});

beforeEach(() => {
  fake.clearFaults();
  fake.resetLog();
});

describe('Okta fake: authentication', () => {
  it('answers 401 E0000011 "Invalid token provided" without a token or with a wrong one', async () => {
    for (const token of [null, 'wrong']) {
      const { status, body } = await get('/api/v1/users?limit=1', token);
      expect(status).toBe(401);
      expect(body).toMatchObject({ errorCode: 'E0000011', errorSummary: 'Invalid token provided', errorLink: 'E0000011', errorCauses: [] });
      expect(body.errorId).toMatch(/^oae/);
    }
    expect((await get('/api/v1/users?limit=1')).status).toBe(200);
  });

  it('stops accepting a revoked token at once', async () => {
    fake.addApiToken('short-lived');
    expect((await get('/api/v1/users?limit=1', 'short-lived')).status).toBe(200);
    fake.revokeApiToken('short-lived');
    expect((await get('/api/v1/users?limit=1', 'short-lived')).status).toBe(401);
  });

  it('issues OAuth tokens for a private key JWT and enforces their scopes (403 E0000006, insufficient_scope)', async () => {
    const key = generateKeyPairSync('rsa', { modulusLength: 2048 });
    fake.registerServiceApp({ clientId: 'svc', publicKey: key.publicKey.export({ type: 'spki', format: 'pem' }).toString(), scopes: ['okta.users.read'] });
    const tokenUrl = `${fake.orgUrl}/oauth2/v1/token`;
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const unsigned = `${b64({ alg: 'RS256' })}.${b64({ iss: 'svc', sub: 'svc', aud: tokenUrl, exp: Math.floor(Date.now() / 1000) + 60 })}`;
    const assertion = `${unsigned}.${sign('sha256', Buffer.from(unsigned), key.privateKey).toString('base64url')}`;
    const form = (scope: string) =>
      new URLSearchParams({ grant_type: 'client_credentials', scope, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion });

    const refused = await fetch(tokenUrl, { method: 'POST', body: form('okta.users.read okta.apps.read') });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ error: 'invalid_scope', error_description: 'The following scopes were requested, but not granted: okta.apps.read' });

    const granted = await fetch(tokenUrl, { method: 'POST', body: form('okta.users.read') });
    const { access_token: accessToken, token_type: tokenType } = (await granted.json()) as { access_token: string; token_type: string };
    expect(tokenType).toBe('Bearer');
    const headers = { authorization: `Bearer ${accessToken}` };
    expect((await fetch(`${fake.orgUrl}/api/v1/users?limit=1`, { headers })).status).toBe(200);
    const forbidden = await fetch(`${fake.orgUrl}/api/v1/groups`, { headers });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(((await forbidden.json()) as { errorCode: string }).errorCode).toBe('E0000006');
  });
});

describe('Okta fake: listing users', () => {
  it('pages by cursor with absolute Link headers (self and next); limit defaults to and is capped at 200', async () => {
    const first = await get('/api/v1/users?limit=500');
    expect(first.body).toHaveLength(200);
    const links = first.headers.get('link') ?? '';
    expect(links).toContain(`<${fake.orgUrl}/api/v1/users?limit=500>; rel="self"`);
    const next = /<([^>]+)>; rel="next"/.exec(links)?.[1] as string;
    expect(next).toMatch(new RegExp(`^${fake.orgUrl}/api/v1/users\\?limit=500&after=00u\\w{17}$`));
    const second = await get(next.slice(fake.orgUrl.length));
    // 250 users not deactivated; the DEPROVISIONED one is left out of a plain list, as Okta does.
    expect(second.body).toHaveLength(50);
    expect(second.headers.get('link')).not.toContain('rel="next"');
    expect((await get('/api/v1/users')).body).toHaveLength(200);
  });

  it('includes DEPROVISIONED users with a filter or search, and checks what filter allows', async () => {
    expect((await get(`/api/v1/users?filter=${enc('status eq "DEPROVISIONED"')}`)).body.map((u: { id: string }) => u.id)).toEqual([ids.gone]);
    expect((await get(`/api/v1/users?search=${enc('profile.costCenter eq "cc-9"')}`)).body).toHaveLength(1);
    const bad = await get(`/api/v1/users?filter=${enc('profile.costCenter eq "CC-9"')}`);
    expect(bad.status).toBe(400);
    expect(bad.body.errorCode).toBe('E0000031');
    expect((await get(`/api/v1/users?filter=${enc('status gt "A"')}`)).status).toBe(400);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await get(`/api/v1/users?filter=${enc(`lastUpdated gt "${future}"`)}`)).body).toEqual([]);
    expect((await get(`/api/v1/users?filter=${enc('lastUpdated gt "2000-01-01T00:00:00.000Z" and status eq "DEPROVISIONED"')}`)).body).toHaveLength(1);
  });

  it('returns the User shape with the profile, and finds one user by id or login', async () => {
    const { body } = await get(`/api/v1/users/${ids.gone}`);
    expect(body).toMatchObject({ id: ids.gone, status: 'DEPROVISIONED', profile: { login: 'gone@example.com', costCenter: 'CC-9' }, _links: { self: { href: `${fake.orgUrl}/api/v1/users/${ids.gone}` } } });
    expect((await get('/api/v1/users/GONE%40example.com')).body.id).toBe(ids.gone);
    const missing = await get('/api/v1/users/nobody');
    expect(missing.status).toBe(404);
    expect(missing.body.errorCode).toBe('E0000007');
  });
});

describe('Okta fake: rate limits and faults', () => {
  it('reports X-Rate-Limit-* and a Date on every API response, and answers 429 E0000047 once a bucket is spent', async () => {
    fake.setRateLimit({ limit: 3, windowSeconds: 60 });
    try {
      const remaining: (string | null)[] = [];
      for (let i = 0; i < 3; i++) {
        const { headers } = await get('/api/v1/users?limit=1');
        remaining.push(headers.get('x-rate-limit-remaining'));
        expect(headers.get('x-rate-limit-limit')).toBe('3');
        expect(Number(headers.get('x-rate-limit-reset'))).toBeGreaterThan(Date.now() / 1000);
        expect(headers.get('date')).toBeTruthy();
      }
      expect(remaining).toEqual(['2', '1', '0']);
      const throttled = await get('/api/v1/users?limit=1');
      expect(throttled.status).toBe(429);
      expect(throttled.body.errorCode).toBe('E0000047');
      // Another endpoint is another bucket.
      expect((await get(`/api/v1/groups/${ids.group}/users`)).status).toBe(200);
    } finally {
      fake.setRateLimit({ limit: 600, windowSeconds: 60 });
    }
  });

  it('injects a 429 every Nth request with X-Rate-Limit-Reset one second after Date, and keeps the bucket shut until then', async () => {
    fake.throttle({ every: 2, resetSeconds: 1 });
    expect((await get('/api/v1/users?limit=1')).status).toBe(200);
    const throttled = await get('/api/v1/users?limit=1');
    expect(throttled.status).toBe(429);
    const reset = Number(throttled.headers.get('x-rate-limit-reset'));
    expect(reset * 1000 - Date.parse(throttled.headers.get('date') as string)).toBe(1000);
    expect(throttled.headers.get('x-rate-limit-remaining')).toBe('0');
    // Retrying before the reset is throttled again.
    expect((await get('/api/v1/users?limit=1')).status).toBe(429);
  });

  it('answers 403 E0000006 under a path, and 5xx a given number of times', async () => {
    fake.forbid({ pathPrefix: '/api/v1/groups' });
    expect((await get('/api/v1/groups')).body.errorCode).toBe('E0000006');
    expect((await get('/api/v1/users?limit=1')).status).toBe(200);
    fake.clearFaults();
    fake.fail({ status: 503, times: 1 });
    expect((await get('/api/v1/users?limit=1')).status).toBe(503);
    expect((await get('/api/v1/users?limit=1')).status).toBe(200);
  });
});

describe('Okta fake: lifecycle, groups and apps', () => {
  it('suspends, unsuspends, deactivates and deletes through the API with Okta’s rules', async () => {
    const id = fake.createUser({ profile: { login: 'cycle@example.com' } });
    const post = (op: string) => fetch(`${fake.orgUrl}/api/v1/users/${id}/lifecycle/${op}`, { method: 'POST', headers: { authorization: `SSWS ${TOKEN}` } });
    expect((await post('suspend')).status).toBe(200);
    expect(fake.user(id)?.status).toBe('SUSPENDED');
    expect((await post('suspend')).status).toBe(400);
    expect((await post('unsuspend')).status).toBe(200);
    const del = () => fetch(`${fake.orgUrl}/api/v1/users/${id}`, { method: 'DELETE', headers: { authorization: `SSWS ${TOKEN}` } });
    expect((await del()).status).toBe(204);
    expect(fake.user(id)?.status).toBe('DEPROVISIONED');
    expect((await del()).status).toBe(204);
    expect(fake.user(id)).toBeUndefined();
  });

  it('finds groups by search and q, lists members, and lists app users (USER or GROUP scope) and app groups', async () => {
    const direct = fake.createUser({ profile: { login: 'direct@example.com' } });
    const app = fake.createApp({ label: 'Flip', users: [direct], groups: [ids.group as string] });
    fake.addGroupMember(ids.group as string, direct);
    const member = fake.createUser({ profile: { login: 'member@example.com' } });
    fake.addGroupMember(ids.group as string, member);

    expect((await get(`/api/v1/groups?search=${enc('profile.name eq "engineers"')}`)).body.map((g: { id: string }) => g.id)).toEqual([ids.group]);
    expect((await get('/api/v1/groups?q=Eng')).body[0].profile).toEqual({ name: 'Engineers', description: null });
    expect((await get(`/api/v1/groups/${ids.group}/users`)).body.map((u: { id: string }) => u.id)).toEqual([ids.gone, direct, member]);
    const appUsers = (await get(`/api/v1/apps/${app}/users`)).body as { id: string; scope: string }[];
    // A deactivated user is assigned to nothing.
    expect(appUsers.map((u) => [u.id, u.scope])).toEqual([
      [direct, 'USER'],
      [member, 'GROUP'],
    ]);
    expect((await get(`/api/v1/apps/${app}/groups`)).body).toEqual([expect.objectContaining({ id: ids.group, priority: 0 })]);
    expect((await get('/api/v1/apps/0oanope/users')).status).toBe(404);
  });

  it('lists groups by type with filter, and renames a group in place (PATCH /_admin/groups/:id)', async () => {
    const builtIn = fake.createGroup({ name: 'Everyone', type: 'BUILT_IN' });
    const listed = (await get(`/api/v1/groups?filter=${enc('type eq "OKTA_GROUP" or type eq "APP_GROUP"')}`)).body as { id: string }[];
    expect(listed.map((g) => g.id)).toContain(ids.group);
    expect(listed.map((g) => g.id)).not.toContain(builtIn);
    const renamed = fake.createGroup({ name: 'Before' });
    const before = (await get(`/api/v1/groups/${renamed}`)).body as { lastUpdated: string };
    // A rename in the same millisecond could not show a later lastUpdated: wait for the clock to move on.
    while (Date.now() <= Date.parse(before.lastUpdated));
    const patch = await fetch(`${fake.adminUrl}/groups/${renamed}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'After' }) });
    expect(patch.status).toBe(204);
    const after = (await get(`/api/v1/groups/${renamed}`)).body as { profile: unknown; lastUpdated: string };
    expect(after.profile).toEqual({ name: 'After', description: null });
    expect(Date.parse(after.lastUpdated)).toBeGreaterThan(Date.parse(before.lastUpdated));
    fake.deleteGroup(renamed);
    fake.deleteGroup(builtIn);
  });
});

describe('Okta fake: admin routes', () => {
  it('offers the controls as JSON under /_admin, outside the request log', async () => {
    const post = (path: string, body: unknown) => fetch(`${fake.adminUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const { id } = (await (await post('/users', { profile: { login: 'admin-made@example.com' } })).json()) as { id: string };
    expect((await post(`/users/${id}/suspend`, {})).status).toBe(204);
    expect(fake.user(id)?.status).toBe('SUSPENDED');
    expect((await post(`/users/${id}/status`, { status: 'LOCKED_OUT' })).status).toBe(204);
    await fetch(`${fake.adminUrl}/users/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Boss' }) });
    expect(fake.user(id)).toMatchObject({ status: 'LOCKED_OUT', profile: { title: 'Boss' } });
    expect((await post('/forbid', { pathPrefix: '/api/v1/users' })).status).toBe(204);
    expect((await get('/api/v1/users?limit=1')).status).toBe(403);
    await fetch(`${fake.adminUrl}/faults`, { method: 'DELETE' });
    const logged = (await (await fetch(`${fake.adminUrl}/requests`)).json()) as { path: string }[];
    expect(logged.every((r) => !r.path.startsWith('/_admin'))).toBe(true);
  });
});

/** The benchmark's in-memory SCIM app: the requests provisiond sends, answered as RFC 7644 says. */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFastScimServer, type FastScimServer } from '../../dev/fast-scim-server.js';

const TOKEN = 'fast-scim-test-token';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let server: FastScimServer;

beforeAll(async () => {
  server = await startFastScimServer({ token: TOKEN });
});
afterAll(async () => server?.close());

type Body = Record<string, unknown>;

async function scim(method: string, path: string, body?: unknown, token = TOKEN): Promise<{ status: number; body: Body; location: string | null }> {
  const response = await fetch(server.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Body), location: response.headers.get('location') };
}

const patch = (...Operations: unknown[]) => ({ schemas: [PATCH], Operations });

describe('fast SCIM server', () => {
  it('refuses a wrong token with 401', async () => {
    const response = await scim('GET', '/Users', undefined, 'wrong');
    expect(response.status).toBe(401);
    expect(response.body['schemas']).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
  });

  it('creates users, refuses a second userName that differs only in case, and finds them by filter', async () => {
    const created = await scim('POST', '/Users', { schemas: [USER], userName: 'Ada@Contoso.example', externalId: 'ext-ada', active: true });
    expect(created.status).toBe(201);
    expect(created.body['id']).toEqual(expect.any(String));
    expect(created.location).toBe(`${server.url}/Users/${String(created.body['id'])}`);
    const duplicate = await scim('POST', '/Users', { schemas: [USER], userName: 'ada@contoso.EXAMPLE' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body['scimType']).toBe('uniqueness');

    const byName = await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "ADA@contoso.example"')}`);
    expect(byName.body['totalResults']).toBe(1);
    const byExternalId = await scim('GET', `/Users?filter=${encodeURIComponent('externalId eq "ext-ada"')}&attributes=userName`);
    expect(byExternalId.body['Resources']).toEqual([{ schemas: [USER], id: created.body['id'], userName: 'Ada@Contoso.example' }]);
    // externalId is caseExact.
    expect((await scim('GET', `/Users?filter=${encodeURIComponent('externalId eq "EXT-ADA"')}`)).body['totalResults']).toBe(0);
    expect((await scim('GET', `/Users?filter=${encodeURIComponent('userName sw "a"')}`)).body['scimType']).toBe('invalidFilter');
  });

  it('pages a list with startIndex and count', async () => {
    for (let i = 0; i < 5; i++) expect((await scim('POST', '/Users', { schemas: [USER], userName: `page${i}@contoso.example` })).status).toBe(201);
    const page = await scim('GET', '/Users?startIndex=2&count=3');
    expect(page.body).toMatchObject({ totalResults: 6, startIndex: 2, itemsPerPage: 3 });
    expect((page.body['Resources'] as Body[]).map((r) => r['userName'])).toEqual(['page0@contoso.example', 'page1@contoso.example', 'page2@contoso.example']);
  });

  it('applies RFC 7644 PATCH operations the way provisiond sends them', async () => {
    const { body: user } = await scim('POST', '/Users', {
      schemas: [USER],
      userName: 'grace@contoso.example',
      title: 'Engineer',
      emails: [{ type: 'work', value: 'grace@contoso.example', primary: true }],
    });
    const path = `/Users/${String(user['id'])}`;
    const changed = await scim(
      'PATCH',
      path,
      patch(
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'g.hopper@contoso.example' },
        { op: 'add', path: 'phoneNumbers', value: [{ type: 'mobile', value: '+1 555 0100' }] },
        { op: 'Replace', path: `${ENTERPRISE}:department`, value: 'Navy' },
        { op: 'Replace', path: 'active', value: 'False' },
        { op: 'remove', path: 'title' },
        { op: 'replace', path: 'name.givenName', value: 'Grace' },
      ),
    );
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      emails: [{ type: 'work', value: 'g.hopper@contoso.example', primary: true }],
      phoneNumbers: [{ type: 'mobile', value: '+1 555 0100' }],
      [ENTERPRISE]: { department: 'Navy' },
      active: false,
      name: { givenName: 'Grace' },
    });
    expect(changed.body['title']).toBeUndefined();
    expect(changed.body['schemas']).toContain(ENTERPRISE);

    const noTarget = await scim('PATCH', path, patch({ op: 'replace', path: 'addresses[type eq "work"].locality', value: 'Arlington' }));
    expect(noTarget.status).toBe(400);
    expect(noTarget.body['scimType']).toBe('noTarget');
    // The failed PATCH changed nothing.
    expect((await scim('GET', path)).body['addresses']).toBeUndefined();

    const taken = await scim('PATCH', path, patch({ op: 'replace', path: 'userName', value: 'page0@contoso.example' }));
    expect(taken.status).toBe(409);
  });

  it('keeps group membership through add and both removal shapes, and deletes', async () => {
    const ids: string[] = [];
    for (const name of ['m1', 'm2', 'm3']) ids.push(String((await scim('POST', '/Users', { schemas: [USER], userName: `${name}@contoso.example` })).body['id']));
    const { status, body: group } = await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Sales', externalId: 'g-sales' });
    expect(status).toBe(201);
    const path = `/Groups/${String(group['id'])}`;
    await scim('PATCH', path, patch({ op: 'add', path: 'members', value: ids.map((value) => ({ value })) }));
    await scim('PATCH', path, patch({ op: 'add', path: 'members', value: [{ value: ids[0] }] }));
    expect(((await scim('GET', path)).body['members'] as Body[]).map((m) => m['value'])).toEqual(ids);

    await scim('PATCH', path, patch({ op: 'remove', path: `members[value eq "${ids[0]}"]` }));
    await scim('PATCH', path, patch({ op: 'Remove', path: 'members', value: [{ value: ids[1] }] }));
    expect(((await scim('GET', path)).body['members'] as Body[]).map((m) => m['value'])).toEqual([ids[2]]);

    const found = await scim('GET', `/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "sales"')}`);
    expect(found.body['Resources']).toEqual([expect.not.objectContaining({ members: expect.anything() })]);
    expect((found.body['Resources'] as Body[])[0]?.['externalId']).toBe('g-sales');

    expect((await scim('DELETE', path)).status).toBe(204);
    expect((await scim('GET', path)).status).toBe(404);
    expect(server.groups.size).toBe(0);
  });

  it('counts requests by route and status on its admin API', async () => {
    const stats = (await (await fetch(`${server.adminUrl}/stats`)).json()) as { total: number; byRoute: Record<string, number>; byStatus: Record<string, number> };
    expect(stats.byRoute['POST /Users']).toBe(11);
    expect(stats.byRoute['GET /Users?filter']).toBe(4);
    expect(stats.byRoute['PATCH /Groups/:id']).toBe(4);
    expect(stats.byStatus['409']).toBe(2);
    expect(stats.total).toBe(Object.values(stats.byRoute).reduce((a, b) => a + b, 0));
    const summary = (await (await fetch(`${server.adminUrl}/summary`)).json()) as Body;
    expect(summary).toEqual({ users: 10, groups: 0, members: 0 });
  });
});

describe('fast SCIM server process', () => {
  it('prints its URLs, serves, and exits 0 on SIGTERM', async () => {
    const script = join(resolve(import.meta.dirname, '..', '..'), 'dist-dev', 'dev', 'fast-scim-server.js');
    const child = spawn(process.execPath, [script, '--port', '0', '--token', TOKEN], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolveLine) => createInterface({ input: child.stdout }).once('line', resolveLine));
    const { url } = JSON.parse(line) as { url: string; adminUrl: string };
    const response = await fetch(`${url}/Users`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(await response.json()).toMatchObject({ totalResults: 0, Resources: [] });
    const exited = new Promise<number | null>((resolveExit) => child.once('exit', resolveExit));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

/** Each app emulator refuses what its app's guide says the app refuses, and does what it says the app does. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulator } from '../../../dev/emulators/index.js';
import { roleAssignments } from '../../../dev/emulators/generic-platform.js';
import { startScimServer, type ScimServer } from '../../../dev/scim-server.js';

const TOKEN = 'emulator-token-0123456789';
const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const GUID = '0f8fad5b-d9cb-469f-a165-70867728950e';

const servers: ScimServer[] = [];
async function start(name: string): Promise<ScimServer> {
  const server = await startScimServer({ token: TOKEN, profile: emulator(name) });
  servers.push(server);
  return server;
}
afterAll(async () => Promise.all(servers.map((s) => s.close())));

/** A request against `base` (the URL as the app's guide writes it) + `path`, joined as provisiond joins them. */
async function call(server: ScimServer, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${server.url.replace(/\/+$/, '')}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}
const filter = (resource: string, expression: string) => `/${resource}?filter=${encodeURIComponent(expression)}`;
const user = (userName: string, extra: Record<string, unknown> = {}) => ({ schemas: [CORE_USER], userName, ...extra });
const work = (email: string) => ({ emails: [{ type: 'work', value: email }] });

describe('flagsmith', () => {
  let app: ScimServer;
  beforeAll(async () => (app = await start('flagsmith')));

  it('serves /api/v1/scim/v2/ with its trailing slash; //Users resolves to nothing', async () => {
    expect(app.url).toMatch(/\/api\/v1\/scim\/v2\/$/);
    expect((await fetch(`${app.url}/Users`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
    expect((await call(app, 'GET', '/Users')).status).toBe(200);
  });

  it('filters users by userName and groups by displayName only; anything else is 400 invalidFilter', async () => {
    expect((await call(app, 'GET', filter('Users', 'userName eq "a@x.example"'))).status).toBe(200);
    expect((await call(app, 'GET', filter('Groups', 'displayName eq "Team A"'))).status).toBe(200);
    for (const [resource, expression] of [
      ['Users', 'emails.value eq "a@x.example"'],
      ['Users', 'externalId eq "x"'],
      ['Users', 'userName sw "a"'],
      ['Groups', 'externalId eq "x"'],
    ] as const) {
      expect(await call(app, 'GET', filter(resource, expression)), expression).toMatchObject({ status: 400, json: { scimType: 'invalidFilter' } });
    }
  });

  it('needs an e-mail to create a user, and adds an existing e-mail (any case) instead of making a second user', async () => {
    expect(await call(app, 'POST', '/Users', user('nomail@x.example'))).toMatchObject({ status: 400, json: { scimType: 'invalidValue' } });
    const first = await call(app, 'POST', '/Users', user('Ada@X.example', work('Ada@X.example')));
    const again = await call(app, 'POST', '/Users', user('ada.lovelace@x.example', work('ADA@x.EXAMPLE')));
    expect(first.status).toBe(201);
    expect(again).toMatchObject({ status: 201, json: { id: first.json['id'] } });
    expect(app.users().filter((u) => String(u['userName']).toLowerCase().startsWith('ada'))).toHaveLength(1);
  });

  it('matches permission groups by externalId: a create of a known externalId updates that group; none is refused', async () => {
    expect(await call(app, 'POST', '/Groups', { schemas: [CORE_GROUP], displayName: 'No id' })).toMatchObject({ status: 400 });
    const created = await call(app, 'POST', '/Groups', { schemas: [CORE_GROUP], displayName: 'Admins', externalId: GUID });
    const again = await call(app, 'POST', '/Groups', { schemas: [CORE_GROUP], displayName: 'Admins (renamed)', externalId: GUID });
    expect(again).toMatchObject({ status: 201, json: { id: created.json['id'], displayName: 'Admins (renamed)', externalId: GUID } });
    expect(app.groups()).toHaveLength(1);
  });

  it('a deactivated user leaves every group', async () => {
    const member = await call(app, 'POST', '/Users', user('bob@x.example', work('bob@x.example')));
    const groupId = String(app.groups()[0]?.id);
    await call(app, 'PATCH', `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: member.json['id'] }] }] });
    expect(app.groups()[0]?.['members']).toEqual([expect.objectContaining({ value: member.json['id'] })]);
    expect((await call(app, 'PATCH', `/Users/${String(member.json['id'])}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] })).status).toBe(200);
    expect(app.groups()[0]?.['members'] ?? []).toEqual([]);
  });
});

describe('flip', () => {
  let app: ScimServer;
  const CUSTOM_JSON = 'urn:ietf:params:scim:schemas:extension:flip:customJson:2.0:User';
  const CUSTOM = 'urn:ietf:params:scim:schemas:extension:flip:custom:2.0:User';
  beforeAll(async () => (app = await start('flip')));

  it('refuses a customJson that is not JSON (quotes left unescaped) instead of dropping it', async () => {
    const broken = '{"attributes":[{"technicalName":"custom_team","value":"R&D "Core""}]}';
    expect(await call(app, 'POST', '/Users', user('broken@x.example', { [CUSTOM_JSON]: { value: broken } }))).toMatchObject({ status: 400, json: { scimType: 'invalidValue' } });
  });

  it('takes customJson on create and the documented custom path on update', async () => {
    const value = JSON.stringify({ attributes: [{ technicalName: 'custom_team', value: 'R&D "Core"' }] });
    const created = await call(app, 'POST', '/Users', user('ok@x.example', { [CUSTOM_JSON]: { value } }));
    expect(created.json[CUSTOM]).toEqual({ attributes: [{ technicalName: 'custom_team', value: 'R&D "Core"' }] });
    const path = `${CUSTOM}:attributes[technicalName eq "custom_team"].value`;
    const updated = await call(app, 'PATCH', `/Users/${String(created.json['id'])}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path, value: 'Ops' }, { op: 'replace', path: 'active', value: false }] });
    expect(updated.status).toBe(200);
    expect(app.users().find((u) => u.id === created.json['id'])).toMatchObject({ [CUSTOM]: { attributes: [{ technicalName: 'custom_team', value: 'Ops' }] }, active: false });
  });
});

describe('flow-connect', () => {
  let app: ScimServer;
  beforeAll(async () => (app = await start('flow-connect')));

  it('refuses a user whose externalId is not an Entra objectId', async () => {
    expect((await call(app, 'POST', '/Users', user('a@x.example'))).status).toBe(400);
    expect((await call(app, 'POST', '/Users', user('a@x.example', { externalId: 'a@x.example' }))).status).toBe(400);
    expect((await call(app, 'POST', '/Users', user('a@x.example', { externalId: GUID }))).status).toBe(201);
  });

  it('keeps a Hub user with the same e-mail and lets only SCIM-managed users join a SCIM group', async () => {
    const hubOnly = await app.createUser(user('hub.only@x.example', work('hub.only@x.example')));
    const hubAdopted = await app.createUser(user('Hub.Adopted', work('adopted@x.example')));
    const adopted = await call(app, 'POST', '/Users', user('adopted@x.example', { externalId: '1f8fad5b-d9cb-469f-a165-70867728950e', ...work('ADOPTED@x.example') }));
    expect(adopted.json).toMatchObject({ id: hubAdopted.id, userName: 'Hub.Adopted' });
    const group = await call(app, 'POST', '/Groups', { schemas: [CORE_GROUP], displayName: 'End users' });
    const add = (id: string) => call(app, 'PATCH', `/Groups/${String(group.json['id'])}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] });
    expect((await add(hubOnly.id)).status).toBe(400);
    expect((await add(hubAdopted.id)).status).toBeLessThan(300);
  });

  it('a group created again is a new group', async () => {
    const first = await call(app, 'POST', '/Groups', { schemas: [CORE_GROUP], displayName: 'Support' });
    expect((await call(app, 'DELETE', `/Groups/${String(first.json['id'])}`)).status).toBe(204);
    const second = await call(app, 'POST', '/Groups', { schemas: [CORE_GROUP], displayName: 'Support' });
    expect(second.json['id']).not.toBe(first.json['id']);
    expect((await call(app, 'GET', `/Groups/${String(first.json['id'])}`)).status).toBe(404);
  });
});

describe('flosum', () => {
  let app: ScimServer;
  beforeAll(async () => (app = await start('flosum')));

  it('has no /Groups endpoint and serves /api/v1/scim', async () => {
    expect(app.url).toMatch(/\/api\/v1\/scim$/);
    expect((await call(app, 'GET', '/Groups')).status).toBe(404);
    expect((await call(app, 'POST', '/Groups', { schemas: [CORE_GROUP], displayName: 'X' })).status).toBe(404);
  });

  it('sets a new user’s time zone to Etc/UTC unless one is sent', async () => {
    expect((await call(app, 'POST', '/Users', user('a@x.example'))).json).toMatchObject({ timezone: 'Etc/UTC' });
    expect((await call(app, 'POST', '/Users', user('b@x.example', { timezone: 'Europe/Berlin' }))).json).toMatchObject({ timezone: 'Europe/Berlin' });
  });
});

describe('generic-platform', () => {
  let app: ScimServer;
  beforeAll(async () => (app = await start('generic-platform')));

  it('deactivates on DELETE, never deletes; groups are roles', async () => {
    const created = await call(app, 'POST', '/Users', user('a@x.example', { active: true }));
    const role = await call(app, 'POST', '/Groups', { schemas: [CORE_GROUP], displayName: 'Editors', members: [{ value: created.json['id'] }] });
    expect(role.status).toBe(201);
    expect(roleAssignments(app.users(), app.groups())).toEqual({ Editors: ['a@x.example'] });
    expect((await call(app, 'DELETE', `/Users/${String(created.json['id'])}`)).status).toBe(204);
    expect(await call(app, 'GET', `/Users/${String(created.json['id'])}`)).toMatchObject({ status: 200, json: { active: false } });
  });
});

/** The Okta fake's malformPage() faults, in-process and over /_admin, as a plain HTTP client sees them. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startOktaFake, type OktaFake } from '../../dev/okta-fake.js';

const TOKEN = 'fake-test-token';
let fake: OktaFake;
const ids: string[] = [];
let group: string;

async function get(path: string): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(`${fake.orgUrl}${path}`, { headers: { authorization: `SSWS ${TOKEN}`, accept: 'application/json' } });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

const json = async (path: string): Promise<unknown> => JSON.parse((await get(path)).text) as unknown;
const idsOf = (body: unknown) => (body as { id?: string }[]).map((u) => u.id);

function admin(path: string, body: unknown): Promise<Response> {
  return fetch(`${fake.adminUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

beforeAll(async () => {
  fake = await startOktaFake({ tokens: [TOKEN] });
  for (const name of ['a', 'b', 'c', 'd', 'e']) ids.push(fake.createUser({ profile: { login: `${name}@example.com` } }));
  group = fake.createGroup({ name: 'G', members: ids.slice(0, 2) });
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => fake.clearFaults());

describe('Okta fake: malformed listing pages', () => {
  it('html answers 200 text/html on the page asked for (1-based, counted through the after cursor)', async () => {
    fake.malformPage({ page: 2, fault: 'html' });
    expect(idsOf(await json('/api/v1/users?limit=2'))).toEqual(ids.slice(0, 2));
    const second = await get(`/api/v1/users?limit=2&after=${ids[1]}`);
    expect(second).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
    expect(second.text).toMatch(/^<!DOCTYPE html>.*Sign in/);
    expect(idsOf(await json(`/api/v1/users?limit=2&after=${ids[3]}`))).toEqual(ids.slice(4));
  });

  it('emptyObject, nullItem and userWithoutId change the body; times limits them', async () => {
    const before = fake.stats().malformedPages;
    fake.malformPage({ fault: 'emptyObject', times: 1 });
    expect(await json('/api/v1/users?limit=2')).toEqual({});
    expect(idsOf(await json('/api/v1/users?limit=2'))).toEqual(ids.slice(0, 2));
    fake.malformPage({ fault: 'nullItem', times: 1 });
    const withNull = (await json('/api/v1/users?limit=2')) as unknown[];
    expect(withNull[0]).toBeNull();
    expect(idsOf(withNull.slice(1))).toEqual(ids.slice(0, 2));
    fake.malformPage({ fault: 'userWithoutId', times: 1 });
    const withoutId = (await json('/api/v1/users?limit=2')) as { id?: string; profile: { login: string } }[];
    expect(withoutId.map((u) => [u.id, u.profile.login])).toEqual([
      [undefined, 'a@example.com'],
      [ids[1], 'b@example.com'],
    ]);
    expect(fake.stats().malformedPages - before).toBe(3);
  });

  it('targets a listing by its exact path: groups and group members, not single users', async () => {
    fake.malformPage({ path: '/api/v1/groups', fault: 'emptyObject' });
    fake.malformPage({ path: `/api/v1/groups/${group}/users`, fault: 'userWithoutId' });
    expect(await json('/api/v1/groups')).toEqual({});
    expect(idsOf(await json(`/api/v1/groups/${group}/users`))).toEqual([undefined, ids[1]]);
    expect(idsOf(await json('/api/v1/users'))).toEqual(ids);
    expect(((await json(`/api/v1/users/${ids[0]}`)) as { id: string }).id).toBe(ids[0]);
  });

  it('is driven over /_admin/malformPage and cleared with DELETE /_admin/faults', async () => {
    expect((await admin('/malformPage', { fault: 'html', page: 1 })).status).toBe(204);
    expect((await get('/api/v1/users')).type).toBe('text/html; charset=utf-8');
    expect((await fetch(`${fake.adminUrl}/faults`, { method: 'DELETE' })).status).toBe(204);
    expect(idsOf(await json('/api/v1/users'))).toEqual(ids);
    expect((await admin('/malformPage', { fault: 'gibberish' })).status).toBe(400);
    expect((await admin('/malformPage', { fault: 'html', page: 0 })).status).toBe(400);
  });
});

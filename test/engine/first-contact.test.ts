/** First contact against the dev SCIM server over loopback: per-user lookups, then one listing for many creates. */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startScimServer, type ScimServer } from '../../dev/scim-server.js';
import { FirstContact, matchKey } from '../../src/engine/first-contact.js';
import { createLogger } from '../../src/log.js';
import { ScimClient } from '../../src/scim/client.js';

const TOKEN = 'first-contact-token-0123456789';
const silent = createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));
let server: ScimServer;
let client: ScimClient;

beforeAll(async () => {
  server = await startScimServer({ token: TOKEN });
  client = new ScimClient({ baseUrl: server.url, token: TOKEN, concurrency: 4, timeoutMs: 10_000, maxRetries: 0 });
  await server.createUser({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'Ada@Contoso.com', externalId: 'ext-ada' });
});
afterAll(async () => {
  await client.close();
  await server.close();
});
beforeEach(() => server.clearRequests());

const byUserName = (value: string) => [{ attribute: 'userName', value }];
const firstContact = (listThreshold: number) => new FirstContact({ client, resourceType: 'Users', matchAttributes: ['externalId', 'userName'], log: silent, listThreshold });
/** Resolves once the listing a noteCreate started has ended (find waits for it). */
const listed = (contact: FirstContact) => contact.find([], 'nobody');

describe('matchKey', () => {
  it('compares userName case-insensitively and externalId exactly, as RFC 7643 defines them', () => {
    expect(matchKey('userName', 'Ada@X.com')).toBe(matchKey('username', 'ada@x.com'));
    expect(matchKey('externalId', 'AB')).not.toBe(matchKey('externalId', 'ab'));
  });
});

describe('FirstContact', () => {
  it('looks each user up by filter until the cycle has enough creates', async () => {
    const contact = firstContact(200);
    expect(await contact.find(byUserName('ada@contoso.com'), 'ada')).toMatchObject({ userName: 'Ada@Contoso.com' });
    expect(await contact.find(byUserName('nobody@contoso.com'), 'nobody')).toBeUndefined();
    expect(server.requests.map((r) => r.method)).toEqual(['GET', 'GET']);
    expect(server.requests.every((r) => r.path.includes('filter='))).toBe(true);
  });

  it('lists the app once after enough creates, then creates without a lookup and fetches only what matches', async () => {
    const contact = firstContact(2);
    contact.noteCreate();
    contact.noteCreate();
    await listed(contact);
    const afterListing = server.requests.length;
    expect(server.requests.some((r) => r.path.includes('filter='))).toBe(false);
    expect(await contact.find(byUserName('nobody@contoso.com'), 'nobody')).toBeUndefined();
    expect(await contact.find([{ attribute: 'externalId', value: 'EXT-ADA' }], 'ada')).toBeUndefined();
    expect(server.requests.length).toBe(afterListing);
    // Case-insensitive on userName, as the app's own filter is; the whole user is read to adopt it.
    expect(await contact.find(byUserName('ADA@contoso.com'), 'ada')).toMatchObject({ externalId: 'ext-ada' });
    expect(server.requests.slice(afterListing).map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual([expect.stringMatching(/^GET \/Users\/.+/)]);
  });

  it('keeps looking users up when the app holds far more users than the cycle creates', async () => {
    const contact = new FirstContact({ client, resourceType: 'Users', matchAttributes: ['userName'], log: silent, listThreshold: 1, listRatio: 0.5 });
    contact.noteCreate();
    await listed(contact);
    server.clearRequests();
    await contact.find(byUserName('nobody@contoso.com'), 'nobody');
    expect(server.requests.map((r) => r.path)).toEqual([expect.stringContaining('filter=')]);
  });
});

describe('FirstContact with match rules the app refuses', () => {
  const lines: Record<string, unknown>[] = [];
  const capture = createLogger('info', new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) }));
  const groupContact = () => new FirstContact({ client, resourceType: 'Groups', matchAttributes: ['externalId', 'displayName'], log: capture });
  const byExternalIdThenName = (externalId: string, displayName: string) => [
    { attribute: 'externalId', value: externalId },
    { attribute: 'displayName', value: displayName },
  ];
  const refuseExternalIdFilters = (status: number, scimType?: string) =>
    server.injectFault({ method: 'GET', path: '/Groups', match: 'externalId eq', status, count: 100, ...(scimType ? { scimType } : {}) });

  beforeAll(async () => {
    await server.createGroup({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Sales', externalId: 'grp-sales' });
    await server.createGroup({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Support', externalId: 'grp-support' });
  });
  beforeEach(() => {
    lines.length = 0;
    server.clearFaults();
  });

  it('falls through a 400 invalidFilter to the next rule, and does not ask again this cycle (one log line)', async () => {
    refuseExternalIdFilters(400, 'invalidFilter');
    const contact = groupContact();
    const found = await Promise.all([contact.find(byExternalIdThenName('grp-sales', 'Sales'), 'Sales'), contact.find(byExternalIdThenName('grp-support', 'Support'), 'Support')]);
    expect(found.map((g) => g?.displayName)).toEqual(['Sales', 'Support']);
    expect(await contact.find(byExternalIdThenName('grp-none', 'Nobody'), 'Nobody')).toBeUndefined();
    const filters = server.requests.map((r) => decodeURIComponent(r.path.split('filter=')[1] ?? ''));
    // Both concurrent lookups may have tried externalId before the refusal was confirmed (one probe
    // of a plain value: the attribute, not a value, is refused); after it, no lookup does.
    expect(filters).toContain('externalId eq "provisiond-probe"');
    expect(filters.filter((f) => f.startsWith('externalId')).length).toBeLessThanOrEqual(3);
    expect(filters.slice(-1)).toEqual(['displayName eq "Nobody"']);
    const refusals = lines.filter((l) => String(l.msg).includes('refuses to filter groups by externalId'));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ level: 'warn', attribute: 'externalId', status: 400, scimType: 'invalidFilter' });
  });

  it('a value the app cannot filter on (its parser trips on it) falls through for that object only, and names it', async () => {
    server.injectFault({ method: 'GET', path: '/Groups', match: 'externalId eq "grp-sales"', status: 400, scimType: 'invalidFilter', count: 100 });
    const contact = groupContact();
    expect(await contact.find(byExternalIdThenName('grp-sales', 'Sales'), 'Sales')).toMatchObject({ displayName: 'Sales' });
    server.clearRequests();
    expect(await contact.find(byExternalIdThenName('grp-support', 'Not the name'), 'Support')).toMatchObject({ displayName: 'Support' });
    // The rule still serves every other object: Support was found by externalId.
    expect(server.requests.map((r) => decodeURIComponent(r.path.split('filter=')[1] ?? ''))).toEqual(['externalId eq "grp-support"']);
    expect(lines.filter((l) => String(l.msg).includes('refuses to filter'))).toEqual([]);
    expect(lines.filter((l) => String(l.msg).includes('refused to filter groups by externalId eq "grp-sales" for Sales'))).toHaveLength(1);
  });

  it('treats a 501 (filtering not implemented) as a refusal too', async () => {
    refuseExternalIdFilters(501);
    expect(await groupContact().find(byExternalIdThenName('grp-sales', 'Sales'), 'Sales')).toMatchObject({ displayName: 'Sales' });
  });

  it('a fresh cycle asks the refused rule again (the app may have learned it)', async () => {
    refuseExternalIdFilters(400, 'invalidFilter');
    await groupContact().find(byExternalIdThenName('grp-sales', 'Sales'), 'Sales');
    server.clearFaults();
    server.clearRequests();
    expect(await groupContact().find(byExternalIdThenName('grp-sales', 'Sales'), 'Sales')).toMatchObject({ externalId: 'grp-sales' });
    expect(server.requests.map((r) => decodeURIComponent(r.path))).toEqual([expect.stringContaining('externalId eq "grp-sales"')]);
  });

  it('other errors stay errors: a 400 without invalidFilter, or a 500, is not a refused rule', async () => {
    refuseExternalIdFilters(400, 'invalidValue');
    await expect(groupContact().find(byExternalIdThenName('grp-sales', 'Sales'), 'Sales')).rejects.toThrow(/400 \(invalidValue\)/);
    server.clearFaults();
    refuseExternalIdFilters(500);
    await expect(groupContact().find(byExternalIdThenName('grp-sales', 'Sales'), 'Sales')).rejects.toThrow(/→ 500/);
    expect(lines.filter((l) => String(l.msg).includes('refuses to filter'))).toEqual([]);
  });
});

/**
 * Every example in config/ as its app's guide says: each runs as written (secrets from the
 * environment, the state path and the URLs set) through the built CLI, against an emulator of its
 * app (dev/emulators/) and the Graph fake holding the seed directory; the assertions are what the
 * app ends up holding. The describes share one directory and run in order; each changes only what
 * no later one depends on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleAssignments } from '../../../dev/emulators/generic-platform.js';
import { DISABLED, mailOf, PEOPLE_KEYS, SERVICE_ACCOUNT, seedDirectory, TRICKY_DEPARTMENT, upn, type SeedIds } from './directory.js';
import { memberNames, SeedApp, SeedDirectory, summary } from './environment.js';

let directory: SeedDirectory;
let seed: SeedIds;
const K = PEOPLE_KEYS;

beforeAll(async () => {
  directory = await SeedDirectory.start();
  seed = seedDirectory(directory.graph);
});
afterAll(async () => directory?.close());

/** The filters a run asked the app for, decoded. */
const filtersOf = (requests: readonly { path: string }[]) =>
  requests.flatMap((r) => {
    const filter = new URLSearchParams(r.path.split('?')[1] ?? '').get('filter');
    return filter === null ? [] : [filter];
  });
const lower = (s: string) => s.toLowerCase();
const failed = (requests: readonly { status: number; method: string; path: string }[]) => requests.filter((r) => r.status >= 400);

describe('Flagsmith (config/flagsmith.yaml)', () => {
  let app: SeedApp;
  let config: string;
  beforeAll(async () => {
    app = await SeedApp.start(directory, 'flagsmith', { FLAGSMITH_SCIM_TOKEN: 'flagsmith-scim-token-5d0c' });
    config = app.example('flagsmith.yaml');
  });
  afterAll(() => app?.stop());

  it('provisions users by e-mail and permission groups by externalId, with only the filters Flagsmith documents', async () => {
    expect(app.scimUrl).toMatch(/\/api\/v1\/scim\/v2\/$/);
    // José signed in through SSO before SCIM was set up; the permission group "admins" came from SAML group sync.
    const jose = await app.createScimUserByHand({ userName: mailOf(K[0]!).toUpperCase(), emails: [{ value: mailOf(K[0]!).toUpperCase(), type: 'work' }] });
    const samlGroup = await app.createScimGroupByHand({ displayName: 'admins (SAML)', externalId: seed.groups['Flagsmith Admins'] });

    const { run, requests } = await app.sync(config);
    expect(run.code, run.stdout.slice(-3000)).toBe(0);
    expect(failed(requests)).toEqual([]);
    expect(requests.every((r) => !r.path.startsWith('//'))).toBe(true);
    expect(new Set(filtersOf(requests).map((f) => f.split(' ')[0]))).toEqual(new Set(['userName', 'displayName']));

    const users = await app.scimUsers();
    // Admins (3 enabled) and Developers (6 direct, 2 through Mobile team); not the disabled user, not the service account without mail.
    expect(users.map((u) => String(u['userName']).toLowerCase()).sort()).toEqual(K.slice(0, 11).map((k) => mailOf(k).toLowerCase()).sort());
    expect(users.find((u) => u.id === jose.id)).toMatchObject({ name: { givenName: 'José', familyName: 'Álvarez' }, externalId: seed.users[K[0]!] });
    expect(await app.user(mailOf(K[3]!))).toMatchObject({ name: { givenName: 'Dwayne "Rocky"', familyName: 'Johnson' }, emails: [{ value: mailOf(K[3]!), type: 'work' }] });

    const groups = await app.groups();
    expect(groups.map((g) => [g['displayName'], g['externalId']]).sort()).toEqual([
      ['Flagsmith Admins', seed.groups['Flagsmith Admins']],
      ['Flagsmith Developers', seed.groups['Flagsmith Developers']],
    ]);
    const admins = groups.find((g) => g['displayName'] === 'Flagsmith Admins');
    expect(admins?.id).toBe(samlGroup.id);
    expect((await memberNames(app, admins)).map(lower).sort()).toEqual(K.slice(0, 3).map((k) => lower(mailOf(k))).sort());
    expect(await memberNames(app, groups.find((g) => g['displayName'] === 'Flagsmith Developers'))).toEqual(K.slice(3, 11).map(mailOf).sort());
  });

  it('a leaver is removed from the organisation and from every permission group', async () => {
    directory.graph.upsertGroup({ id: seed.groups['Flagsmith Admins'], displayName: 'Flagsmith Admins', members: [seed.users[K[0]!]!, seed.users[K[2]!]!, seed.users[DISABLED]!] });
    const { run, sent } = await app.sync(config);
    expect(run.code, run.stdout.slice(-3000)).toBe(0);
    const zoe = await app.user(mailOf(K[1]!));
    expect(zoe?.active).toBe(false);
    expect(sent.filter((r) => r.method === 'DELETE')).toEqual([]);
    for (const group of await app.groups()) expect(await memberNames(app, group)).not.toContain(mailOf(K[1]!));
  });

  it('group first contact asking for externalId first falls through the refused filter to displayName: one warning, nothing duplicated', async () => {
    const askExternalIdFirst = app.example('flagsmith.yaml', {
      state: 'external-id-first',
      edit: (doc) => doc.setIn(['jobs', 0, 'groups', 'match'], doc.createNode([{ target: 'externalId', source: 'id' }, { target: 'displayName', source: 'displayName' }])),
    });
    const groupsBefore = await app.groups();
    const { run, requests, sent } = await app.sync(askExternalIdFirst);
    expect(run.code, run.stdout.slice(-3000)).toBe(0);
    const refusedFilters = failed(requests);
    expect(refusedFilters.length).toBeGreaterThan(0);
    expect(refusedFilters.every((r) => r.status === 400 && decodeURIComponent(r.path).includes('externalId eq'))).toBe(true);
    const warnings = run.logs.filter((l) => String(l.msg).includes('refuses to filter groups by externalId'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 'warn', scimType: 'invalidFilter', job: 'flagsmith' });
    expect(sent.filter((r) => r.method === 'POST' && r.path.startsWith('/Groups'))).toEqual([]);
    expect((await app.groups()).map((g) => g.id).sort()).toEqual(groupsBefore.map((g) => g.id).sort());
    expect(summary(run)).toMatchObject({ outcome: 'success', counts: expect.objectContaining({ groupsLinked: 2 }) });
  });
});

describe('Flow Connect (config/flow-connect.yaml)', () => {
  let app: SeedApp;
  let config: string;
  let contractor: string;
  const groupNamed = async (name: string) => (await app.groups()).find((g) => g['displayName'] === name);
  beforeAll(async () => {
    app = await SeedApp.start(directory, 'flow-connect', { FLOW_CONNECT_SCIM_TOKEN: 'flow-connect-token-77a1', FLOW_CONNECT_APP_ID: seed.flowConnectAppId });
    config = app.example('flow-connect.yaml');
    contractor = directory.graph.upsertUser({ userPrincipalName: upn('temp.contractor'), mail: mailOf('temp.contractor'), givenName: 'Temp', surname: 'Contractor' });
    directory.graph.assignToServicePrincipal(seed.flowConnectApp, contractor);
  });
  afterAll(() => app?.stop());

  it('creates the groups and users assigned to the app, every user with its objectId as externalId', async () => {
    const { run, requests } = await app.sync(config);
    expect(run.code, run.stdout.slice(-3000)).toBe(0);
    expect(failed(requests)).toEqual([]);
    const users = await app.scimUsers();
    // Sales (8 + 2 through Sales Nordics), Support (5), two users assigned directly.
    expect(users.map((u) => u['userName']).sort()).toEqual([...K.slice(0, 16), 'temp.contractor'].map(upn).sort());
    for (const user of users) expect(user['externalId']).toBe(user['userName'] === upn('temp.contractor') ? contractor : seed.users[String(user['userName']).split('@')[0]!]);
    expect(users.every((u) => u['active'] === true)).toBe(true);
    expect((await app.groups()).map((g) => g['displayName']).sort()).toEqual(['Flow Connect Sales', 'Flow Connect Support']);
    expect(await memberNames(app, await groupNamed('Flow Connect Sales'))).toEqual(K.slice(0, 10).map(upn).sort());
    expect(await memberNames(app, await groupNamed('Flow Connect Support'))).toEqual(K.slice(10, 15).map(upn).sort());
  });

  let removedSupport: string | undefined;
  it('a group removed from provisioning is deleted and its users become inactive; a user deleted from the directory is deleted', async () => {
    removedSupport = (await groupNamed('Flow Connect Support'))?.id;
    const contractorId = (await app.user(upn('temp.contractor')))?.id;
    directory.graph.unassignFromServicePrincipal(seed.flowConnectApp, seed.groups['Flow Connect Support']!);
    directory.graph.hardDeleteUser(contractor);
    const { run, sent } = await app.sync(config);
    // 5 disables, a delete and a group delete among 19 linked: an ordinary change, not a mass deletion.
    expect(run.code, run.stdout.slice(-3000)).toBe(0);
    expect(sent).toContainEqual(expect.objectContaining({ method: 'DELETE', path: `/Groups/${removedSupport}`, status: 204 }));
    expect(sent).toContainEqual(expect.objectContaining({ method: 'DELETE', path: `/Users/${contractorId}`, status: 204 }));
    expect(await groupNamed('Flow Connect Support')).toBeUndefined();
    expect(await app.user(upn('temp.contractor'))).toBeUndefined();
    for (const key of K.slice(10, 15)) expect((await app.user(upn(key)))?.active).toBe(false);
  });

  it('the group added back is created as a new group, and its users are active again', async () => {
    directory.graph.assignToServicePrincipal(seed.flowConnectApp, seed.groups['Flow Connect Support']!);
    const { run, sent } = await app.sync(config);
    expect(run.code, run.stdout.slice(-3000)).toBe(0);
    expect(sent.filter((r) => r.method === 'POST' && r.path === '/Groups')).toHaveLength(1);
    const support = await groupNamed('Flow Connect Support');
    expect(support?.id).toBeDefined();
    expect(support?.id).not.toBe(removedSupport);
    expect(await memberNames(app, support)).toEqual(K.slice(10, 15).map(upn).sort());
    for (const key of K.slice(10, 15)) expect((await app.user(upn(key)))?.active).toBe(true);
  });
});

describe('Generic platform (config/generic.yaml)', () => {
  let app: SeedApp;
  let config: string;
  let leaver: string;
  const roles = async () => roleAssignments(await app.scimUsers(), await app.groups());
  beforeAll(async () => {
    app = await SeedApp.start(directory, 'generic-platform', { PLATFORM_SCIM_API_KEY: 'platform-api-key-0c4e', PLATFORM_APP_ID: seed.platformAppId });
    config = app.example('generic.yaml');
    leaver = directory.graph.upsertUser({ userPrincipalName: upn('temp.editor'), mail: mailOf('temp.editor'), givenName: 'Temp', surname: 'Editor' });
    directory.graph.upsertGroup({ id: seed.groups['Platform Editors'], displayName: 'Platform Editors', members: [...K.slice(2, 8).map((k) => seed.users[k]!), seed.groups['Platform Editors Berlin']!, leaver] });
  });
  afterAll(() => app?.stop());

  it('creates the assigned users with the attribute table, and the assigned groups as roles', async () => {
    const { run, requests } = await app.sync(config);
    expect(run.code, run.stdout.slice(-3000)).toBe(0);
    expect(failed(requests)).toEqual([]);
    expect(await roles()).toEqual({
      'Platform Admins': K.slice(0, 2).map(upn).sort(),
      'Platform Editors': [...K.slice(2, 10), 'temp.editor'].map(upn).sort(),
      'Platform Viewers': K.slice(20, 24).map(upn).sort(),
    });
    expect(await app.user(upn(K[3]!))).toMatchObject({
      name: { givenName: 'Dwayne "Rocky"', familyName: 'Johnson' },
      emails: [{ type: 'work', value: mailOf(K[3]!) }],
      title: 'Engineer',
      phoneNumbers: expect.arrayContaining([
        { type: 'mobile', value: '+49 151 1003' },
        { type: 'work', value: '+49 30 5003' },
      ]),
      addresses: [{ type: 'work', streetAddress: 'Straße 4', locality: "L'Aquila", region: 'BE', postalCode: '10103', country: 'DE' }],
      active: true,
    });
    expect(await app.user(upn(DISABLED))).toBeUndefined();
  });

  it('a role removed in the directory is deleted in the platform; users are deactivated, never deleted', async () => {
    const viewers = (await app.groups()).find((g) => g['displayName'] === 'Platform Viewers');
    directory.graph.deleteGroup(seed.groups['Platform Viewers']!);
    directory.graph.hardDeleteUser(leaver);
    const { run, sent } = await app.sync(config);
    expect(run.code, run.stdout.slice(-3000)).toBe(0);
    expect(sent).toContainEqual(expect.objectContaining({ method: 'DELETE', path: `/Groups/${viewers?.id}` }));
    expect(sent.filter((r) => r.method === 'DELETE' && r.path.startsWith('/Users'))).toEqual([]);
    expect(await roles()).toEqual({ 'Platform Admins': K.slice(0, 2).map(upn).sort(), 'Platform Editors': K.slice(2, 10).map(upn).sort() });
    for (const key of [...K.slice(20, 24), 'temp.editor']) expect(await app.user(upn(key)), key).toMatchObject({ active: false });
  });
});

describe('Flosum (config/flosum.yaml)', () => {
  let app: SeedApp;
  let config: string;
  let softDeleted: string;
  let purged: string;
  beforeAll(async () => {
    app = await SeedApp.start(directory, 'flosum', { FLOSUM_API_TOKEN: 'flosum-api-token-2b8f' });
    config = app.example('flosum.yaml');
    softDeleted = directory.graph.upsertUser({ userPrincipalName: upn('temp.flosum'), mail: mailOf('temp.flosum'), givenName: 'Temp', surname: 'Flosum' });
    purged = directory.graph.upsertUser({ userPrincipalName: upn('temp.purged'), mail: mailOf('temp.purged'), givenName: 'Temp', surname: 'Purged' });
  });
  afterAll(() => app?.stop());

  it('creates every user with mail (userName = mail, time zone Etc/UTC) and sends no /Groups request', async () => {
    const { run, requests } = await app.sync(config);
    expect(run.code, run.stdout.slice(-3000)).toBe(0);
    expect(failed(requests)).toEqual([]);
    expect(requests.filter((r) => r.path.startsWith('/Groups'))).toEqual([]);
    const users = await app.scimUsers();
    // Every enabled user of the tenant with a mail address: not the service account, not the disabled user.
    expect(users.map((u) => lower(String(u['userName']))).sort()).toEqual([...K, 'temp.flosum', 'temp.purged'].map((k) => lower(mailOf(k))).sort());
    expect(users.every((u) => u['timezone'] === 'Etc/UTC' && u['active'] === true)).toBe(true);
    expect(await app.user(mailOf(K[9]!))).toMatchObject({ name: { givenName: '雷', familyName: '李' }, externalId: seed.users[K[9]!], emails: [{ type: 'work', value: mailOf(K[9]!) }] });
  });

  it('a soft-deleted user is set inactive; a user the directory purges is deleted', async () => {
    const purgedId = (await app.user(mailOf('temp.purged')))?.id;
    directory.graph.softDeleteUser(softDeleted);
    directory.graph.hardDeleteUser(purged);
    const { run, sent } = await app.sync(config);
    expect(run.code, run.stdout.slice(-3000)).toBe(0);
    expect((await app.user(mailOf('temp.flosum')))?.active).toBe(false);
    expect(sent.filter((r) => r.method === 'DELETE')).toEqual([expect.objectContaining({ path: `/Users/${purgedId}`, status: 204 })]);
    expect(await app.user(mailOf('temp.purged'))).toBeUndefined();
  });
});

describe('Flip (config/flip.yaml)', () => {
  const CUSTOM = 'urn:ietf:params:scim:schemas:extension:flip:custom:2.0:User';
  const CUSTOM_JSON = 'urn:ietf:params:scim:schemas:extension:flip:customJson:2.0:User';
  const LOCATION = 'urn:ietf:params:scim:schemas:extension:flip:location:2.0:User';
  let app: SeedApp;
  let config: string;
  beforeAll(async () => {
    app = await SeedApp.start(directory, 'flip', { FLIP_SCIM_TOKEN: 'flip-scim-token-4a6d' });
    config = app.example('flip.yaml');
  });
  afterAll(() => app?.stop());

  it('creates the pilot of 35 with custom attributes in customJson, escaped so that Flip can read them', async () => {
    const { run, requests, sent } = await app.sync(config);
    expect(run.code, run.stdout.slice(-3000)).toBe(0);
    expect(failed(requests)).toEqual([]);
    const users = await app.scimUsers();
    // 30 direct, 4 through "Flip users Berlin", the service account (its userName is its UPN); not the disabled user.
    expect(users.map((u) => u['userName']).sort()).toEqual([...K.slice(0, 34), SERVICE_ACCOUNT].map(upn).sort());
    const dwayneCreate = sent.find((r) => r.method === 'POST' && JSON.stringify(r.body).includes(upn(K[3]!)))?.body as Record<string, { value: string }>;
    expect(JSON.parse(dwayneCreate[CUSTOM_JSON]!.value)).toEqual({
      attributes: [
        { technicalName: 'custom_team', value: TRICKY_DEPARTMENT },
        { technicalName: 'custom_location', value: "L'Aquila" },
      ],
    });
    expect(await app.user(upn(K[3]!))).toMatchObject({
      [CUSTOM]: { attributes: expect.arrayContaining([{ technicalName: 'custom_team', value: TRICKY_DEPARTMENT }, { technicalName: 'custom_location', value: "L'Aquila" }]) },
      [LOCATION]: { value: "L'Aquila" },
      externalId: seed.users[K[3]!],
      active: true,
    });
  });

  it('an update goes through the custom extension path, not customJson', async () => {
    directory.graph.patchUser(seed.users[K[3]!]!, { department: 'Platform "Ops"' });
    const { run, sent } = await app.sync(config);
    expect(run.code, run.stdout.slice(-3000)).toBe(0);
    expect(sent).toHaveLength(1);
    expect(JSON.stringify(sent[0]?.body)).toContain('attributes[technicalName eq \\"custom_team\\"].value');
    expect(JSON.stringify(sent[0]?.body)).not.toContain(CUSTOM_JSON);
    const custom = (await app.user(upn(K[3]!)))?.[CUSTOM] as { attributes: { technicalName: string; value: string }[] };
    expect(custom.attributes.find((a) => a.technicalName === 'custom_team')?.value).toBe('Platform "Ops"');
  });

  it("the pilot's ordinary week — 4 leavers among 35 — runs under the default deletion guard: locked, not deleted", async () => {
    const [disabled, softDeleted, moved, movedFromBerlin] = [K[24]!, K[25]!, K[26]!, K[31]!];
    directory.graph.patchUser(seed.users[disabled]!, { accountEnabled: false });
    directory.graph.softDeleteUser(seed.users[softDeleted]!);
    directory.graph.upsertGroup({ id: seed.groups['Flip users'], displayName: 'Flip users', members: [...K.slice(0, 30).filter((k) => k !== moved).map((k) => seed.users[k]!), seed.users[SERVICE_ACCOUNT]!, seed.users[DISABLED]!, seed.groups['Flip users Berlin']!] });
    directory.graph.upsertGroup({ id: seed.groups['Flip users Berlin'], displayName: 'Flip users Berlin', members: K.slice(30, 34).filter((k) => k !== movedFromBerlin).map((k) => seed.users[k]!) });
    const { run, sent } = await app.sync(config);
    expect(run.code, run.stdout.slice(-3000)).toBe(0);
    expect(summary(run)).toMatchObject({ outcome: 'success' });
    expect(sent.filter((r) => r.method === 'DELETE')).toEqual([]);
    for (const key of [disabled, softDeleted, moved, movedFromBerlin]) expect((await app.user(upn(key)))?.active, key).toBe(false);
    expect((await app.scimUsers()).filter((u) => u['active'] === true)).toHaveLength(31);
  });
});

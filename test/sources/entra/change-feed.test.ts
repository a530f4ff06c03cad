/** EntraSource incremental reads (changeCursor / readUserChanges over Graph delta) with the real SDKs against the Graph fake. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sourceSchema, type EntraSourceConfig } from '../../../src/config/schema.js';
import { startGraphFake, type GraphFake } from '../../../dev/graph-fake.js';
import { writeTestCertificate } from '../../../dev/tls.js';
import { toUserChanges } from '../../../src/sources/entra/change-feed.js';
import { EntraSource } from '../../../src/sources/entra/entra-source.js';
import { CursorExpiredError, isIncremental, type UserChanges } from '../../../src/sources/source.js';
import { EntraHost, SECRET, graphPathsOf } from './entra-host.js';

const ATTRIBUTES = ['displayName', 'mail', 'department', 'extensionAttribute3'];
let dir: string;
let fake: GraphFake;
let host: EntraHost;
const ids: Record<string, string> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'entra-delta-'));
  const tls = writeTestCertificate(dir);
  // Pages of 2, so a round of changes spans several nextLinks.
  fake = await startGraphFake({ tls, tenantId: '11111111-2222-3333-4444-555555555555', clientId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', clientSecret: SECRET, pageSize: 2 });
  for (const name of ['ada', 'grace', 'ken', 'linus', 'barbara']) {
    ids[name] = fake.upsertUser({ userPrincipalName: `${name}@contoso.example`, displayName: name, mail: `${name}@contoso.example`, department: 'R&D', onPremisesExtensionAttributes: { extensionAttribute3: 'E3' } });
  }
  host = EntraHost.start(fake, tls.certPath);
});

afterAll(async () => {
  await host?.close();
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => fake.resetLog());

const graphPaths = () => graphPathsOf(fake);

function merged(pages: readonly UserChanges[]) {
  return {
    changed: pages.flatMap((p) => p.changed),
    removed: pages.flatMap((p) => p.removed),
    softDeleted: pages.flatMap((p) => p.softDeleted ?? []),
  };
}

describe('EntraSource as an IncrementalSource', () => {
  it('takes its cursor from /users/delta?$deltatoken=latest with readUsers’ $select, reading no users', async () => {
    const cursor = await host.value('changeCursor', [ATTRIBUTES]);
    expect(graphPaths()).toEqual(['/users/delta?$select=id,accountEnabled,userPrincipalName,displayName,mail,department,onPremisesExtensionAttributes&$deltatoken=latest']);
    expect(cursor).toMatch(new RegExp(`^${fake.graphUrl.replace(/[.]/g, '\\.')}/users/delta\\?\\$deltatoken=[\\w-]+#select=id,accountEnabled,`));
    // Nothing changed since: an empty round and a new cursor.
    const read = await host.value('readUserChanges', [ATTRIBUTES, cursor]);
    expect(merged(read.pages)).toEqual({ changed: [], removed: [], softDeleted: [] });
  });

  it('reads changed, disabled and new users with every selected property, soft deletes by id, and hard deletes', async () => {
    const cursor = await host.value('changeCursor', [ATTRIBUTES]);
    fake.patchUser(ids.ada!, { department: 'Analytics' });
    fake.patchUser(ids.grace!, { accountEnabled: false });
    const newcomer = fake.upsertUser({ userPrincipalName: 'newcomer@contoso.example', displayName: 'Newcomer' });
    fake.softDeleteUser(ids.ken!);
    fake.hardDeleteUser(ids.linus!);
    fake.resetLog();

    const read = await host.value('readUserChanges', [ATTRIBUTES, cursor]);
    const { changed, removed, softDeleted } = merged(read.pages);
    expect(read.pages.length).toBeGreaterThan(1);
    expect(changed.map((u) => u.id)).toEqual([ids.ada, ids.grace, newcomer]);
    // A change of one property still brings all of them (no Prefer: return=minimal), under readUsers’ names.
    expect(changed[0]).toEqual({
      id: ids.ada,
      enabled: true,
      deleted: false,
      attributes: {
        id: ids.ada,
        objectId: ids.ada,
        accountEnabled: true,
        userPrincipalName: 'ada@contoso.example',
        displayName: 'ada',
        mail: 'ada@contoso.example',
        department: 'Analytics',
        onPremisesExtensionAttributes: { extensionAttribute3: 'E3' },
        extensionAttribute3: 'E3',
        'onPremisesExtensionAttributes.extensionAttribute3': 'E3',
      },
    });
    expect(changed[1]).toMatchObject({ id: ids.grace, enabled: false, deleted: false });
    expect(softDeleted).toEqual([ids.ken]);
    expect(removed).toEqual([ids.linus]);
    // The cursor's deltaLink, then its nextLinks.
    expect(graphPaths()[0]).toBe(`/users/delta?$deltatoken=${new URL(cursor.split('#')[0]!).searchParams.get('$deltatoken')}`);
    expect(graphPaths().slice(1).every((p) => p.startsWith('/users/delta?$skiptoken='))).toBe(true);

    // The next cursor starts where this round ended: a restore comes back as a plain change.
    fake.restoreUser(ids.ken!);
    const next = await host.value('readUserChanges', [ATTRIBUTES, read.nextCursor]);
    expect(merged(next.pages)).toMatchObject({ changed: [expect.objectContaining({ id: ids.ken, deleted: false })], removed: [], softDeleted: [] });
  });

  it('answers an expired sync state (410 SyncStateNotFound, or 400 resyncRequired) with CursorExpiredError', async () => {
    const cursor = await host.value('changeCursor', [ATTRIBUTES]);
    fake.expireDeltaTokens();
    expect(await host.failure('readUserChanges', [ATTRIBUTES, cursor])).toMatchObject({
      name: 'CursorExpiredError',
      message: 'source "corp": change cursor no longer valid (Graph answered 410 SyncStateNotFound); a full read follows',
    });
    const fresh = await host.value('changeCursor', [ATTRIBUTES]);
    fake.expireDeltaTokens({ status: 400, code: 'resyncRequired' });
    expect(await host.failure('readUserChanges', [ATTRIBUTES, fresh])).toMatchObject({ name: 'CursorExpiredError', message: expect.stringContaining('400 resyncRequired') });
  });

  it('reports any other failure of the feed as a SourceReadError', async () => {
    const cursor = await host.value('changeCursor', [ATTRIBUTES]);
    const [link, select] = cursor.split('#');
    const tampered = `${link!.replace(/\$deltatoken=[\w-]+/, '$deltatoken=bm90LWEtdG9rZW4')}#${select!}`;
    expect(await host.failure('readUserChanges', [ATTRIBUTES, tampered])).toMatchObject({
      name: 'SourceReadError',
      status: 400,
      message: expect.stringContaining('source "corp": reading user changes (page 1) failed: Graph answered 400'),
    });
  });
});

describe('cursors the feed does not take (CursorExpiredError before any request)', () => {
  const source = new EntraSource('corp', entraConfig());
  const query = { attributes: ATTRIBUTES };
  const link = 'https://graph.example/v1.0/users/delta?$deltatoken=abc';

  it('is incremental', () => {
    expect(isIncremental(source)).toBe(true);
  });

  it('refuses an Okta cursor, a link without the attributes it was taken for, or one to another host', () => {
    expect(() => source.readUserChanges(query, 'okta-lastUpdated:2026-01-01T00:00:00.000Z')).toThrow(CursorExpiredError);
    expect(() => source.readUserChanges(query, link)).toThrow(/not a Graph users delta link taken by provisiond/);
    expect(() => source.readUserChanges(query, `https://evil.example/v1.0/users/delta?$deltatoken=abc#select=id,accountEnabled,userPrincipalName,displayName,mail,department,onPremisesExtensionAttributes`)).toThrow(
      /points at https:\/\/evil\.example, not at the configured Graph endpoint/,
    );
  });

  it('refuses a cursor taken for other attributes: changed users would come back without the new ones', () => {
    const cursor = `${link}#select=id,accountEnabled,userPrincipalName,displayName`;
    expect(() => source.readUserChanges(query, cursor)).toThrow(/the attributes read have changed since the cursor was taken/);
    // Order and case do not matter.
    const same = `${link}#select=ID,displayName,accountEnabled,userPrincipalName,mail,department,onPremisesExtensionAttributes`;
    expect(() => source.readUserChanges(query, same)).not.toThrow();
  });
});

describe('toUserChanges', () => {
  it('lets the later of two entries for one user win, and reads an unknown removal reason as a soft delete', () => {
    expect(
      toUserChanges([
        { id: 'a', accountEnabled: true, displayName: 'first' },
        { id: 'b', '@removed': { reason: 'deleted' } },
        { id: 'a', '@removed': { reason: 'changed' } },
        { id: 'c', '@removed': { reason: 'archived' } },
      ]),
    ).toEqual({ changed: [], removed: ['b'], softDeleted: ['a', 'c'] });
  });
});

function entraConfig(): EntraSourceConfig {
  const parsed = sourceSchema.parse({
    type: 'entra',
    tenantId: '11111111-2222-3333-4444-555555555555',
    clientId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    clientSecret: SECRET,
    graphUrl: 'https://graph.example/v1.0',
    authorityHost: 'https://login.example',
  });
  if (parsed.type !== 'entra') throw new Error('expected an entra source');
  return parsed;
}

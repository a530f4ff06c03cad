/** EntraSource reads the manager as a reference: $expand=manager($select=id) in full reads, manager@delta in change feeds. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGraphFake, type GraphFake } from '../../../dev/graph-fake.js';
import { writeTestCertificate } from '../../../dev/tls.js';
import { graphDeltaEntrySchema, graphUserSchema } from '../../../src/sources/entra/graph-pages.js';
import type { UserChanges } from '../../../src/sources/source.js';
import { EntraHost, SECRET, graphPathsOf } from './entra-host.js';

const ATTRIBUTES = ['displayName', 'manager'];
let dir: string;
let fake: GraphFake;
let host: EntraHost;
const ids: Record<string, string> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'entra-manager-'));
  const tls = writeTestCertificate(dir);
  fake = await startGraphFake({ tls, tenantId: '11111111-2222-3333-4444-555555555555', clientId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', clientSecret: SECRET });
  ids.boss = fake.upsertUser({ userPrincipalName: 'boss@contoso.example', displayName: 'Boss' });
  ids.ada = fake.upsertUser({ userPrincipalName: 'ada@contoso.example', displayName: 'Ada', manager: ids.boss });
  ids.chief = fake.upsertUser({ userPrincipalName: 'chief@contoso.example', displayName: 'Chief' });
  host = EntraHost.start(fake, tls.certPath);
});

afterAll(async () => {
  await host?.close();
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => fake.resetLog());

const changedOf = (pages: readonly UserChanges[]) => pages.flatMap((p) => p.changed);

describe('the manager from Entra', () => {
  it('a full read expands the manager’s id (Graph cannot $select it); a user without one has manager null', async () => {
    const users = await host.value('readUsers', [ATTRIBUTES]);
    expect(graphPathsOf(fake)[0]).toBe('/users?$select=id,accountEnabled,userPrincipalName,displayName&$expand=manager($select=id)&$top=999');
    expect(users.find((u) => u.id === ids.ada)?.attributes.manager).toBe(ids.boss);
    expect(users.find((u) => u.id === ids.boss)?.attributes.manager).toBeNull();
  });

  it('a change feed says the manager only when it changed: set, replaced, removed; otherwise it does not know', async () => {
    let cursor = await host.value('changeCursor', [ATTRIBUTES]);
    expect(graphPathsOf(fake)).toEqual(['/users/delta?$select=id,accountEnabled,userPrincipalName,displayName&$expand=manager($select=id)&$deltatoken=latest']);
    fake.patchUser(ids.ada!, { manager: ids.chief });
    fake.patchUser(ids.chief!, { manager: ids.boss });
    fake.patchUser(ids.boss!, { displayName: 'The Boss' });
    let read = await host.value('readUserChanges', [ATTRIBUTES, cursor]);
    const changed = changedOf(read.pages);
    expect(changed.find((u) => u.id === ids.ada)?.attributes.manager).toBe(ids.chief);
    expect(changed.find((u) => u.id === ids.chief)?.attributes.manager).toBe(ids.boss);
    // Boss changed, but not his manager: unknown, so nothing is cleared in the app.
    expect(changed.find((u) => u.id === ids.boss)?.attributes).not.toHaveProperty('manager');

    cursor = read.nextCursor;
    fake.patchUser(ids.ada!, { manager: null });
    read = await host.value('readUserChanges', [ATTRIBUTES, cursor]);
    expect(changedOf(read.pages).find((u) => u.id === ids.ada)?.attributes.manager).toBeNull();
  });

  it('a cursor taken without the manager is expired for a job that now maps it', async () => {
    const cursor = await host.value('changeCursor', [['displayName']]);
    const error = await host.failure('readUserChanges', [ATTRIBUTES, cursor]);
    expect(error.name).toBe('CursorExpiredError');
  });

  it('believes only a manager with a string id', () => {
    expect(graphUserSchema.safeParse({ id: 'u', manager: { id: 'm' } }).success).toBe(true);
    expect(graphUserSchema.safeParse({ id: 'u', manager: { id: 5 } }).success).toBe(false);
    expect(graphUserSchema.safeParse({ id: 'u', manager: 'm' }).success).toBe(false);
    expect(graphDeltaEntrySchema.safeParse({ id: 'u', 'manager@delta': [{ id: 'm', '@removed': { reason: 'deleted' } }] }).success).toBe(true);
    expect(graphDeltaEntrySchema.safeParse({ id: 'u', 'manager@delta': { id: 'm' } }).success).toBe(false);
  });
});

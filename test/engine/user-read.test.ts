import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig, type PreparedJob } from '../../src/config/load.js';
import { chooseUserRead, saveReadCursor, scopeChangesOf, withAppRoles, type UserReadOutcome } from '../../src/engine/user-read.js';
import type { IncrementalSource, Source } from '../../src/sources/source.js';
import { StateStore } from '../../src/state/store.js';

const dir = mkdtempSync(join(tmpdir(), 'provisiond-user-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function job(extra = ''): PreparedJob {
  const text = `
sources: { idp: { type: okta, orgUrl: "https://acme.okta.com", token: t } }
jobs:
  - name: app
    source: idp
    target: { url: "https://app.example/scim/v2", token: t }
    users:
      mappings:
        - { target: userName, source: login }
${extra}`;
  return parseConfig(text, 'x.yaml', { env: {}, readFile: () => '' }).jobs[0]!;
}

const incremental = { kind: 'okta', readUserChanges: () => ({}) } as unknown as IncrementalSource;
const fullRead: UserReadOutcome = { mode: 'full', count: 0, removed: [], rejected: [], complete: true, nextCursor: 'cursor-1' };
const day = 24 * 3_600_000;

describe('chooseUserRead', () => {
  it('reads in full first, then incrementally, until fullSyncEvery has passed', () => {
    const store = StateStore.open(join(dir, 'a.db'));
    const now = new Date('2026-06-01T00:00:00Z');
    expect(chooseUserRead(job(), incremental, store, { full: false, fullSyncEvery: day, now })).toMatchObject({ mode: 'full', reason: 'no change cursor yet' });
    saveReadCursor(store, job(), fullRead, now, true);
    expect(chooseUserRead(job(), incremental, store, { full: false, fullSyncEvery: day, now })).toEqual({ mode: 'incremental', cursor: 'cursor-1', reason: 'changes since the last cycle' });
    expect(chooseUserRead(job(), incremental, store, { full: true, fullSyncEvery: day, now }).mode).toBe('full');
    expect(chooseUserRead(job(), incremental, store, { full: false, fullSyncEvery: day, now: new Date(now.getTime() + day) }).mode).toBe('full');
    store.close();
  });

  it('reads in full after the mappings changed, and for group-scoped jobs', () => {
    const store = StateStore.open(join(dir, 'b.db'));
    const now = new Date();
    saveReadCursor(store, job(), fullRead, now, true);
    const edited = job('        - { target: title, source: title }');
    expect(chooseUserRead(edited, incremental, store, { full: false, fullSyncEvery: day, now })).toMatchObject({ mode: 'full', reason: expect.stringContaining('mappings or scope changed') });
    const grouped = job('    scope: { groups: ["Sales"] }');
    expect(chooseUserRead(grouped, incremental, store, { full: false, fullSyncEvery: day, now }).mode).toBe('full');
    store.close();
  });

  it('keeps the old cursor when the guard held operations back, so they are planned again', () => {
    const store = StateStore.open(join(dir, 'c.db'));
    const now = new Date();
    saveReadCursor(store, job(), fullRead, now, true);
    saveReadCursor(store, job(), { ...fullRead, mode: 'incremental', nextCursor: 'cursor-2' }, now, false);
    expect(chooseUserRead(job(), incremental, store, { full: false, fullSyncEvery: day, now })).toMatchObject({ cursor: 'cursor-1' });
    store.close();
  });

  it('reads in full when more users wait in escrow than are worth re-reading one by one', () => {
    const store = StateStore.open(join(dir, 'd.db'));
    const now = new Date();
    saveReadCursor(store, job(), fullRead, now, true);
    expect(chooseUserRead(job(), incremental, store, { full: false, fullSyncEvery: day, now, pendingCount: 200 }).mode).toBe('incremental');
    expect(chooseUserRead(job(), incremental, store, { full: false, fullSyncEvery: day, now, pendingCount: 201 })).toMatchObject({ mode: 'full', reason: expect.stringContaining('201 users wait in escrow') });
    store.close();
  });

  it('reads incrementally for jobs scoped by the groups they provision, when the source has a group change feed', () => {
    const store = StateStore.open(join(dir, 'e.db'));
    const now = new Date();
    const withGroupFeed = { ...incremental, kind: 'entra', readGroups: () => [], groupChangeCursor: () => '', readGroupChanges: () => ({}) } as unknown as IncrementalSource & Source;
    const options = { full: false, fullSyncEvery: day, now };
    const provisioned = job('    scope: { groups: ["Sales"] }\n    groups: {}');
    saveReadCursor(store, provisioned, fullRead, now, true);
    expect(chooseUserRead(provisioned, withGroupFeed, store, options).mode).toBe('incremental');
    // Without a group change feed (Okta), membership is read in full, and users with it.
    expect(chooseUserRead(provisioned, incremental, store, options)).toMatchObject({ mode: 'full', reason: expect.stringContaining('read groups in full') });
    // Scope groups the job does not provision are followed by a group read of their own.
    const scopedOnly = job('    scope: { groups: ["Sales"] }');
    saveReadCursor(store, scopedOnly, fullRead, now, true);
    expect(chooseUserRead(scopedOnly, withGroupFeed, store, options).mode).toBe('incremental');
    expect(chooseUserRead(scopedOnly, incremental, store, options).mode).toBe('full');
    // Provisioning every group, the group read's members are not the scope; app assignments have no feed.
    const allGroups = job('    scope: { groups: ["Sales"] }\n    groups: { from: all }');
    saveReadCursor(store, allGroups, fullRead, now, true);
    expect(chooseUserRead(allGroups, withGroupFeed, store, options)).toMatchObject({ mode: 'full', reason: expect.stringContaining('group membership') });
    const byApp = job('    scope: { app: "Payroll" }\n    groups: {}');
    saveReadCursor(store, byApp, fullRead, now, true);
    expect(chooseUserRead(byApp, withGroupFeed, store, options)).toMatchObject({ mode: 'full', reason: expect.stringContaining('app assignments') });
    store.close();
  });
});

describe('scopeChangesOf', () => {
  it('tells who joined and who left the scope groups', () => {
    expect(scopeChangesOf(new Set(['a', 'b', 'c']), new Set(['b', 'c', 'd']))).toEqual({ joined: new Set(['d']), left: new Set(['a']) });
    expect(scopeChangesOf(new Set(['a']), new Set(['a']))).toEqual({ joined: new Set(), left: new Set() });
  });
});

describe('withAppRoles', () => {
  const user = { id: 'u1', attributes: { userPrincipalName: 'ada@x' }, enabled: true, deleted: false };
  const writer = { id: 'r2', value: 'Writer', displayName: 'Writer' };
  const admin = { id: 'r1', value: 'Admin', displayName: 'Administrator' };

  it('gives the user its roles as appRoleAssignments, sorted, so the first role stays the first whatever order Graph lists', () => {
    const roles = new Map([['u1', [writer, admin]]]);
    expect(withAppRoles(user, roles).attributes).toEqual({ userPrincipalName: 'ada@x', appRoleAssignments: [admin, writer] });
  });

  it('gives an assigned user without a role none, and leaves users alone when the job reads no roles', () => {
    expect(withAppRoles(user, new Map()).attributes.appRoleAssignments).toEqual([]);
    expect(withAppRoles(user, undefined)).toBe(user);
  });
});

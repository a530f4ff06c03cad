import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/state/migrations.js';
import { StateStore } from '../../src/state/store.js';

const dirs: string[] = [];
function dbPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'provisiond-store-'));
  dirs.push(dir);
  return join(dir, 'nested', 'state.db');
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('StateStore', () => {
  it('creates a WAL database at the latest schema version and keeps links across reopen', () => {
    const path = dbPath();
    const store = StateStore.open(path);
    expect(store.schemaVersion).toBe(MIGRATIONS.length);
    store.saveLink('job', 'user', { sourceId: 's1', targetId: 't1', label: 'ada', state: 'active', attributes: { userName: 'ada', active: true } });
    store.close();
    const reopened = StateStore.open(path);
    expect(reopened.links('job', 'user').get('s1')).toEqual({ sourceId: 's1', targetId: 't1', label: 'ada', state: 'active', attributes: { userName: 'ada', active: true } });
    expect(reopened.links('other', 'user').size).toBe(0);
    reopened.close();
  });

  it('finds the references active users hold to users no longer provisioned, and the pending ones, a pending one winning', () => {
    const MANAGER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager';
    const store = StateStore.open(dbPath());
    const save = (sourceId: string, state: 'active' | 'disabled', attributes: Record<string, unknown>) =>
      store.saveLink('job', 'user', { sourceId, targetId: `t-${sourceId}`, label: sourceId, state, attributes: attributes as never });
    save('ada', 'active', { userName: 'ada', [MANAGER]: { value: 't-boss' } });
    save('alan', 'active', { userName: 'alan', [MANAGER]: 't-boss' });
    save('ken', 'active', { userName: 'ken' });
    save('off', 'disabled', { userName: 'off', [MANAGER]: { value: 't-boss' } });
    save('chief', 'active', { userName: 'chief' });
    save('grace', 'active', { userName: 'grace', [MANAGER]: { value: 't-chief' } });
    save('linus', 'active', { userName: 'linus', [MANAGER]: 't-chief' });
    store.savePendingReference('job', 'ken', MANAGER, 'boss');
    store.savePendingReference('job', 'alan', MANAGER, 'chief');
    store.savePendingReference('job', 'alan', MANAGER, 'chief2');
    store.savePendingReference('other', 'ada', MANAGER, 'x');
    const byUser = Object.fromEntries(store.referenceCandidates('job', [MANAGER]).map((c) => [c.sourceId, c]));
    expect(byUser).toEqual({
      ada: { sourceId: 'ada', targetId: 't-ada', label: 'ada', path: MANAGER, held: { value: 't-boss' } },
      alan: { sourceId: 'alan', targetId: 't-alan', label: 'alan', path: MANAGER, held: 't-boss', refSourceId: 'chief2' },
      ken: { sourceId: 'ken', targetId: 't-ken', label: 'ken', path: MANAGER, held: undefined, refSourceId: 'boss' },
    });
    // Grace and Linus name Chief, who is provisioned: nothing to look at.
    save('chief', 'disabled', { userName: 'chief' });
    expect(store.referenceCandidates('job', [MANAGER]).map((c) => c.sourceId).sort()).toEqual(['ada', 'alan', 'grace', 'ken', 'linus']);
    expect(store.userByTarget('job', 't-chief')).toEqual({ sourceId: 'chief', state: 'disabled' });
    store.deletePendingReference('job', 'ken', MANAGER);
    expect([...store.pendingReferences('job').keys()]).toEqual(['alan']);
    store.close();
  });

  it('counts failed attempts and clears them when the object succeeds', () => {
    const store = StateStore.open(dbPath());
    const failure = { sourceId: 's1', operation: 'create', label: 'ada', lastStatus: 400, lastError: 'Missing userName' };
    store.recordFailure('job', 'user', failure);
    store.recordFailure('job', 'user', { ...failure, lastStatus: 500, lastError: 'boom' });
    expect(store.pendingFailures('job')).toEqual([expect.objectContaining({ sourceId: 's1', attempts: 2, lastStatus: 500, lastError: 'boom' })]);
    store.saveLink('job', 'user', { sourceId: 's1', targetId: 't1', label: 'ada', state: 'active', attributes: {} });
    expect(store.pendingFailures('job')).toEqual([]);
    store.close();
  });

  it('records runs with outcome and counts', () => {
    const store = StateStore.open(dbPath());
    const id = store.startRun('job', 'full');
    expect(store.recentRuns('job')[0]).toMatchObject({ id, outcome: 'running', finishedAt: null });
    store.finishRun(id, 'guarded', { created: 2 }, 'too many deletes');
    expect(store.recentRuns('job')[0]).toMatchObject({ id, outcome: 'guarded', counts: { created: 2 }, message: 'too many deletes' });
    store.close();
  });

  it('carries the links of a schema-8 database over to the rowid links table (migration 9), their claims included', () => {
    const path = dbPath();
    mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.transaction(() => {
      for (const migration of MIGRATIONS.slice(0, 8)) db.exec(migration);
      db.pragma('user_version = 8');
    })();
    db.prepare(
      "INSERT INTO links (job, kind, source_id, target_id, label, state, attributes, hash, created_at, updated_at) VALUES ('job', 'user', 's1', 't1', 'ada', 'active', '{\"userName\":\"ada\"}', 'h', 'c', 'u')",
    ).run();
    expect(db.prepare("SELECT sql FROM sqlite_master WHERE name = 'links'").pluck().get()).toMatch(/WITHOUT ROWID/);
    db.close();

    const store = StateStore.open(path);
    expect(store.schemaVersion).toBe(MIGRATIONS.length);
    expect(store.link('job', 'user', 's1')).toEqual({ sourceId: 's1', targetId: 't1', label: 'ada', state: 'active', attributes: { userName: 'ada' } });
    expect(store.linkedSourceOf('job', 'user', 't1')).toEqual({ sourceId: 's1', label: 'ada' });
    // The primary key still makes a second save of the same source object an update, not a second row.
    store.saveLink('job', 'user', { sourceId: 's1', targetId: 't2', label: 'ada', state: 'active', attributes: { userName: 'ada' } });
    expect([...store.links('job', 'user').values()].map((l) => l.targetId)).toEqual(['t2']);
    store.close();
    const after = new Database(path, { readonly: true });
    expect(after.prepare("SELECT sql FROM sqlite_master WHERE name = 'links'").pluck().get()).not.toMatch(/WITHOUT ROWID/);
    expect(after.prepare("SELECT name FROM sqlite_master WHERE tbl_name = 'links' AND type = 'index' AND name = 'links_by_target'").pluck().get()).toBe('links_by_target');
    after.close();
  });

  it('refuses a database from a newer provisiond', () => {
    const path = dbPath();
    StateStore.open(path).close();
    const db = new Database(path);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => StateStore.open(path)).toThrow(/newer than this provisiond/);
  });

  it('keeps the IdP groups of a job and writes them with their cursor in one transaction', () => {
    const store = StateStore.open(dbPath());
    const group = (name: string, members: string[]) => ({ attributes: { displayName: name }, memberIds: new Set(members) });
    store.saveSourceGroups('job', { replace: true, groups: new Map([['g1', group('Sales', ['u1', 'u2'])], ['g2', group('Ops', ['u3'])]]), cursors: { 'groups.changeCursor': 'c1' } });
    store.saveSourceGroups('other', { replace: true, groups: [['g9', group('Else', ['u9'])]], cursors: {} });
    expect(store.sourceGroups('job')).toEqual(new Map([['g1', group('Sales', ['u1', 'u2'])], ['g2', group('Ops', ['u3'])]]));
    // Incremental: written groups replace their rows, deleted ones go, the rest stay.
    store.saveSourceGroups('job', { replace: false, groups: [['g1', group('Sales EU', ['u2', 'u4'])], ['g3', group('New', [])]], deleted: ['g2'], cursors: { 'groups.changeCursor': 'c2' } });
    expect(store.sourceGroups('job')).toEqual(new Map([['g1', group('Sales EU', ['u2', 'u4'])], ['g3', group('New', [])]]));
    expect(store.cursor('job', 'groups.changeCursor')).toBe('c2');
    // A full read replaces every group of the job, and only of that job.
    store.saveSourceGroups('job', { replace: true, groups: [['g4', group('Only', ['u1'])]], cursors: { 'groups.changeCursor': 'c3' } });
    expect([...store.sourceGroups('job').keys()]).toEqual(['g4']);
    expect(store.sourceGroups('other').get('g9')?.memberIds).toEqual(new Set(['u9']));
    // A write that fails part way leaves snapshot and cursor as they were.
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() =>
      store.saveSourceGroups('job', { replace: true, groups: [['g5', { attributes: cyclic as never, memberIds: new Set() }]], cursors: { 'groups.changeCursor': 'c4' } }),
    ).toThrow();
    expect([...store.sourceGroups('job').keys()]).toEqual(['g4']);
    expect(store.cursor('job', 'groups.changeCursor')).toBe('c3');
    store.close();
  });
});

describe('StateStore.resetJob', () => {
  it('forgets the parts asked for, of that job only, and counts what it holds', () => {
    const store = StateStore.open(dbPath());
    for (const job of ['a', 'b']) {
      store.saveLink(job, 'user', { sourceId: 'u1', targetId: 't1', label: 'ada', state: 'active', attributes: {} });
      store.saveLink(job, 'user', { sourceId: 'u2', targetId: 't2', label: 'bob', state: 'deleted', attributes: {} });
      store.saveLink(job, 'group', { sourceId: 'g1', targetId: 'tg1', label: 'Sales', state: 'active', attributes: {} });
      store.recordGroupMembers(job, 'g1', ['u1'], 'added');
      store.saveSourceGroups(job, { replace: true, groups: [['g1', { attributes: {}, memberIds: new Set(['u1']) }]], cursors: { 'groups.changeCursor': 'c' } });
      store.saveCursor(job, 'users.changeCursor', 'x');
      store.saveCursor(job, 'quarantine', '{}');
      store.recordFailure(job, 'user', { sourceId: 'u3', operation: 'create', label: 'cat', lastStatus: 400, lastError: 'no' });
    }
    expect(store.jobState('a')).toEqual({
      userLinks: 1,
      groupLinks: 1,
      deletedLinks: 1,
      memberships: 1,
      sourceGroups: 1,
      pending: 1,
      cursors: ['groups.changeCursor', 'quarantine', 'users.changeCursor'],
    });
    store.resetJob('a', { links: true, sourceGroups: true, cursors: ['groups.changeCursor', 'users.changeCursor'], escrow: false });
    expect(store.jobState('a')).toEqual({ userLinks: 0, groupLinks: 0, deletedLinks: 0, memberships: 0, sourceGroups: 0, pending: 1, cursors: ['quarantine'] });
    store.resetJob('a', { links: false, sourceGroups: false, cursors: ['quarantine'], escrow: true });
    expect(store.jobState('a')).toMatchObject({ pending: 0, cursors: [] });
    expect(store.jobState('b')).toMatchObject({ userLinks: 1, groupLinks: 1, memberships: 1, pending: 1, cursors: ['groups.changeCursor', 'quarantine', 'users.changeCursor'] });
    store.close();
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  it('refuses a database from a newer provisiond', () => {
    const path = dbPath();
    StateStore.open(path).close();
    const db = new Database(path);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => StateStore.open(path)).toThrow(/newer than this provisiond/);
  });
});

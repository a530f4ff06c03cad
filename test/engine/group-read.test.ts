import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig, type PreparedJob } from '../../src/config/load.js';
import type { GroupsConfig } from '../../src/config/schema.js';
import { chooseGroupRead, membersOf, readJobGroups } from '../../src/engine/group-read.js';
import { realEnvironment } from '../../src/mapping/map.js';
import {
  CursorExpiredError,
  SourceReadError,
  type GroupChanges,
  type GroupQuery,
  type GroupSelection,
  type IncrementalGroupRead,
  type Source,
  type SourceGroup,
} from '../../src/sources/source.js';
import { StateStore } from '../../src/state/store.js';

const dir = mkdtempSync(join(tmpdir(), 'provisiond-group-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let dbs = 0;
const openStore = () => StateStore.open(join(dir, `${++dbs}.db`));

function job(extra = ''): PreparedJob {
  const text = `
sources: { idp: { type: okta, orgUrl: "https://acme.okta.com", token: t } }
jobs:
  - name: app
    source: idp
    target: { url: "https://app.example/scim/v2", token: t }
    scope: { groups: [g1, g2] }
    groups: {}
    users:
      mappings:
        - { target: userName, source: login }
${extra}`;
  return parseConfig(text, 'x.yaml', { env: {}, readFile: () => '' }).jobs[0]!;
}

/** A source whose groups and change feed are what the test says, recording each call. */
class FakeGroupSource {
  readonly kind = 'entra';
  readonly name = 'idp';
  groups = new Map<string, SourceGroup>();
  rounds: (GroupChanges | Error)[][] = [];
  calls: string[] = [];
  private cursors = 0;
  rejectNext = false;

  async *readGroups(selection: GroupSelection, query: GroupQuery): AsyncIterable<readonly SourceGroup[]> {
    this.calls.push(`readGroups ${selection === 'all' ? 'all' : selection.refs.join(',')}`);
    if (this.rejectNext) {
      this.rejectNext = false;
      query.onRejected?.({ label: 'groups page 1, item 2', error: 'no id' });
    }
    const ids = selection === 'all' ? [...this.groups.keys()] : selection.refs;
    yield ids.flatMap((id) => {
      const group = this.groups.get(id);
      return group ? [structuredClone(group)] : [];
    });
  }
  async groupChangeCursor(): Promise<string> {
    this.calls.push('groupChangeCursor');
    return `cursor-${++this.cursors}`;
  }
  readGroupChanges(_selection: GroupSelection, _query: GroupQuery, cursor: string): IncrementalGroupRead {
    this.calls.push(`readGroupChanges ${cursor}`);
    const round = this.rounds.shift() ?? [];
    let done = false;
    const pages = async function* () {
      for (const page of round) {
        if (page instanceof Error) throw page;
        yield page;
      }
      done = true;
    };
    return {
      pages: pages(),
      nextCursor: () => {
        if (!done) throw new Error('nextCursor before the last page');
        return `cursor-${++this.cursors}`;
      },
    };
  }
  stats() {
    return { requests: 0, retries: 0, throttledMs: 0 };
  }
}

const group = (id: string, name: string, memberIds: string[]): SourceGroup => ({ id, attributes: { id, name }, memberIds });
const groupsOf = (j: PreparedJob) => j.config.groups as GroupsConfig;
const now = new Date('2026-06-01T00:00:00Z');
const options = { full: false, fullSyncEvery: 24 * 3_600_000, now };

async function read(source: FakeGroupSource, store: StateStore, j = job(), extra: Partial<typeof options> = {}) {
  return readJobGroups(j, groupsOf(j), source as unknown as Source, realEnvironment, store, { ...options, ...extra });
}

function seeded() {
  const source = new FakeGroupSource();
  source.groups.set('g1', group('g1', 'Sales', ['u1', 'u2']));
  source.groups.set('g2', group('g2', 'Ops', ['u3']));
  return source;
}

describe('readJobGroups', () => {
  it('reads in full with a cursor taken first, then applies changes to the stored groups', async () => {
    const store = openStore();
    const source = seeded();
    const first = await read(source, store);
    expect(first).toMatchObject({ mode: 'full', complete: true });
    expect(source.calls).toEqual(['groupChangeCursor', 'readGroups g1,g2']);
    first.save();

    source.calls = [];
    source.rounds.push([
      { changed: [{ id: 'g1', attributes: { id: 'g1', name: 'Sales EU' } }], members: [{ groupId: 'g1', added: ['u4'], removed: ['u1'] }], deleted: [] },
      { changed: [], members: [{ groupId: 'g2', added: [], removed: [], memberIds: ['u5'] }], deleted: [] },
    ]);
    const second = await read(source, store);
    expect(second).toMatchObject({ mode: 'incremental', complete: true });
    expect(source.calls).toEqual(['readGroupChanges cursor-1']);
    expect(second.groups.map((g) => [g.sourceId, [...g.memberIds].sort()])).toEqual([
      ['g1', ['u2', 'u4']],
      ['g2', ['u5']],
    ]);
    expect(membersOf(second.previous!)).toEqual(new Set(['u1', 'u2', 'u3']));
    // Nothing is stored until the cycle says so.
    expect(store.sourceGroups('app').get('g1')?.memberIds).toEqual(new Set(['u1', 'u2']));
    second.save();
    expect(store.sourceGroups('app').get('g1')).toEqual({ attributes: { id: 'g1', name: 'Sales EU' }, memberIds: new Set(['u2', 'u4']) });
    expect(store.cursor('app', 'groups.changeCursor')).toBe('cursor-2');
    store.close();
  });

  it('reads in full the groups a page changed members of but the snapshot does not hold; drops deleted ones', async () => {
    const store = openStore();
    const source = seeded();
    (await read(source, store)).save();
    source.groups.set('g3', group('g3', 'New', ['u7', 'u8']));
    source.rounds.push([
      { changed: [], members: [{ groupId: 'g3', added: ['u8'], removed: [] }], deleted: [] },
      { changed: [], members: [], deleted: ['g2'] },
    ]);
    source.calls = [];
    const result = await read(source, store);
    expect(source.calls).toEqual(['readGroupChanges cursor-1', 'readGroups g3']);
    expect(new Map(result.groups.map((g) => [g.sourceId, [...g.memberIds].sort()]))).toEqual(new Map([['g1', ['u1', 'u2']], ['g3', ['u7', 'u8']]]));
    result.save();
    expect([...store.sourceGroups('app').keys()].sort()).toEqual(['g1', 'g3']);
    store.close();
  });

  it('a failed incremental read reports no group and stores nothing', async () => {
    const store = openStore();
    const source = seeded();
    (await read(source, store)).save();
    source.rounds.push([{ changed: [], members: [{ groupId: 'g1', added: [], removed: ['u1'] }], deleted: [] }, new SourceReadError('idp', 'page 2 failed')]);
    const result = await read(source, store);
    expect(result).toMatchObject({ mode: 'incremental', complete: false, groups: [], error: 'source "idp": page 2 failed' });
    result.save();
    expect(store.sourceGroups('app').get('g1')?.memberIds).toEqual(new Set(['u1', 'u2']));
    expect(store.cursor('app', 'groups.changeCursor')).toBe('cursor-1');
    store.close();
  });

  it('a read with a rejected object is incomplete and stores nothing', async () => {
    const store = openStore();
    const source = seeded();
    source.rejectNext = true;
    const result = await read(source, store);
    expect(result).toMatchObject({ complete: false, rejected: [{ label: 'groups page 1, item 2' }] });
    result.save();
    expect(store.cursor('app', 'groups.changeCursor')).toBeUndefined();
    expect(store.sourceGroups('app').size).toBe(0);
    store.close();
  });

  it('an expired cursor reads in full in the same call', async () => {
    const store = openStore();
    const source = seeded();
    (await read(source, store)).save();
    source.rounds.push([new CursorExpiredError('idp', 'Graph answered 410')]);
    source.calls = [];
    const fallbacks: string[] = [];
    const result = await readJobGroups(job(), groupsOf(job()), source as unknown as Source, realEnvironment, store, { ...options, onFallback: (r) => fallbacks.push(r) });
    expect(result).toMatchObject({ mode: 'full', complete: true, reason: 'the group change cursor expired' });
    expect(source.calls).toEqual(['readGroupChanges cursor-1', 'groupChangeCursor', 'readGroups g1,g2']);
    expect(fallbacks).toEqual([expect.stringContaining('change cursor no longer valid')]);
    store.close();
  });
});

describe('chooseGroupRead', () => {
  it('reads in full without a cursor, on --full, after the selection changed and once fullSyncEvery has passed', async () => {
    const store = openStore();
    const source = seeded() as unknown as Source;
    const j = job();
    expect(chooseGroupRead(j, groupsOf(j), source, store, options)).toMatchObject({ mode: 'full', reason: 'no group change cursor yet' });
    (await read(seeded(), store)).save();
    expect(chooseGroupRead(j, groupsOf(j), source, store, options)).toEqual({ mode: 'incremental', cursor: 'cursor-1', reason: 'group changes since the last cycle' });
    expect(chooseGroupRead(j, groupsOf(j), source, store, { ...options, full: true }).mode).toBe('full');
    expect(chooseGroupRead(j, groupsOf(j), source, store, { ...options, now: new Date(now.getTime() + options.fullSyncEvery) }).mode).toBe('full');
    const edited = job().config;
    const other = { ...j, config: { ...edited, scope: { ...edited.scope, groups: ['g1'] } } } as PreparedJob;
    expect(chooseGroupRead(other, groupsOf(other), source, store, options)).toMatchObject({ mode: 'full', reason: expect.stringContaining('changed since the last full group read') });
    // A source without a group change feed always reads in full.
    const plain = { kind: 'okta', readGroups: () => [] } as unknown as Source;
    expect(chooseGroupRead(j, groupsOf(j), plain, store, options).mode).toBe('full');
    store.close();
  });
});

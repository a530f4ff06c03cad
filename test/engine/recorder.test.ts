import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OutcomeRecorder } from '../../src/engine/recorder.js';
import { StateStore } from '../../src/state/store.js';

const dir = mkdtempSync(join(tmpdir(), 'provisiond-recorder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const open = () => StateStore.open(join(dir, `r${n++}.db`));
const noPending = { user: new Map(), group: new Map() };
const link = (sourceId: string, targetId: string, state: 'active' | 'deleted' = 'active') => ({ sourceId, targetId, label: sourceId, state, attributes: { userName: sourceId } });

describe('OutcomeRecorder', () => {
  it('writes outcomes in batches: nothing before the batch fills or is flushed, everything after', () => {
    const store = open();
    const recorder = new OutcomeRecorder(store, 'job', noPending, { maxBatch: 3, maxDelayMs: 60_000 });
    recorder.saveLink('user', link('a', 't1'));
    recorder.saveLink('user', link('b', 't2'));
    expect(store.linkIndex('job', 'user').size).toBe(0);
    recorder.saveLink('user', link('c', 't3'));
    expect([...store.linkIndex('job', 'user').keys()].sort()).toEqual(['a', 'b', 'c']);
    recorder.saveLink('user', link('d', 't4'));
    recorder.flush();
    expect(store.linkIndex('job', 'user').get('d')).toMatchObject({ targetId: 't4', state: 'active' });
    store.close();
  });

  it('flushes on its own after the delay', async () => {
    const store = open();
    const recorder = new OutcomeRecorder(store, 'job', noPending, { maxBatch: 100, maxDelayMs: 5 });
    recorder.saveLink('user', link('a', 't1'));
    await expect.poll(() => store.linkIndex('job', 'user').size).toBe(1);
    store.close();
  });

  it('refuses to give one target object to two source objects, in the snapshot or within the cycle', () => {
    const store = open();
    store.saveLink('job', 'user', link('ada', 't1'));
    const recorder = new OutcomeRecorder(store, 'job', noPending);
    expect(recorder.claim('user', 't1', { sourceId: 'ada', label: 'ada' })).toEqual({ ok: true });
    expect(recorder.claim('user', 't1', { sourceId: 'eve', label: 'eve' })).toEqual({ ok: false, owner: { sourceId: 'ada', label: 'ada' } });
    expect(recorder.claim('user', 't2', { sourceId: 'bob', label: 'bob' })).toEqual({ ok: true });
    expect(recorder.claim('user', 't2', { sourceId: 'eve', label: 'eve' })).toMatchObject({ ok: false, owner: { sourceId: 'bob' } });
    recorder.release('user', 't2', { sourceId: 'bob', label: 'bob' });
    expect(recorder.claim('user', 't2', { sourceId: 'eve', label: 'eve' })).toEqual({ ok: true });
    // A deleted link frees its target object; groups and users are apart.
    recorder.saveLink('user', link('ada', 't1', 'deleted'));
    expect(recorder.claim('user', 't1', { sourceId: 'eve', label: 'eve' })).toEqual({ ok: true });
    expect(recorder.claim('group', 't2', { sourceId: 'g', label: 'g' })).toEqual({ ok: true });
    // Once written, a link answers for its target object from the snapshot.
    recorder.saveLink('user', link('carl', 't9'));
    recorder.flush();
    expect(recorder.claim('user', 't9', { sourceId: 'eve', label: 'eve' })).toEqual({ ok: false, owner: { sourceId: 'carl', label: 'carl' } });
    store.close();
  });

  it('counts attempts per object version, and an auth refusal spends none', () => {
    const store = open();
    const failure = { sourceId: 's1', operation: 'update', label: 'ada', lastStatus: 500, lastError: 'boom', fingerprint: 'f1' };
    store.recordFailure('job', 'user', failure);
    const recorder = new OutcomeRecorder(store, 'job', { user: store.pendingEntries('job', 'user'), group: new Map() });
    expect(recorder.recordFailure('user', failure)).toBe(2);
    expect(recorder.recordFailure('user', { ...failure, sourceId: 's2', spendsAttempt: false })).toBe(0);
    recorder.flush();
    expect(store.pendingFailures('job').map((f) => [f.sourceId, f.attempts])).toEqual([
      ['s1', 2],
      ['s2', 0],
    ]);
    store.close();
  });

  it('clears the pending failure of an object that succeeds, whether it failed in an earlier cycle or earlier in this one', () => {
    const store = open();
    store.recordFailure('job', 'user', { sourceId: 'old', operation: 'create', label: 'old', lastStatus: 500, lastError: 'boom' });
    const recorder = new OutcomeRecorder(store, 'job', { user: store.pendingEntries('job', 'user'), group: new Map() }, { maxBatch: 1, maxDelayMs: 60_000 });
    recorder.recordFailure('user', { sourceId: 'now', operation: 'create', label: 'now', lastStatus: 500, lastError: 'boom' });
    expect(store.pendingFailures('job').map((f) => f.sourceId).sort()).toEqual(['now', 'old']);
    recorder.saveLink('user', link('old', 't1'));
    recorder.saveLink('user', link('now', 't2'));
    recorder.saveLink('user', link('never', 't3'));
    recorder.flush();
    expect(store.pendingFailures('job')).toEqual([]);
    expect(store.links('job', 'user').size).toBe(3);
    store.close();
  });

  it('hands a write that failed on its timer to the next caller instead of crashing the process', async () => {
    const store = open();
    const recorder = new OutcomeRecorder(store, 'job', noPending, { maxBatch: 100, maxDelayMs: 1 });
    store.close();
    recorder.saveLink('user', link('a', 't1'));
    await expect.poll(() => {
      try {
        recorder.flush();
        return 'no error';
      } catch (error) {
        return (error as Error).message;
      }
    }).toMatch(/not open/);
  });
});

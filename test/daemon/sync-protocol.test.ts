import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseSyncRequest, parseSyncResponse, summarize, toRequestBody } from '../../src/daemon/sync-protocol.js';
import { fakeReport, TempDirs } from './support.js';

const dirs = new TempDirs();
afterEach(() => {
  vi.useRealTimers();
  dirs.cleanup();
});

describe('the POST /sync protocol', () => {
  it('reads a request body, with defaults, and round-trips it', () => {
    expect(parseSyncRequest(undefined)).toEqual({ allowDeletes: false, full: false });
    expect(parseSyncRequest({ job: 'flip', allowDeletes: true, full: true })).toEqual({ jobName: 'flip', allowDeletes: true, full: true });
    expect(parseSyncRequest(toRequestBody({ jobName: 'flip', allowDeletes: false, full: true }))).toEqual({ jobName: 'flip', allowDeletes: false, full: true });
  });

  it('says what is wrong with a bad body', () => {
    expect(parseSyncRequest([])).toEqual({ error: 'expected a JSON object' });
    expect(parseSyncRequest({ job: 3 })).toEqual({ error: '"job" must be a job name' });
    expect(parseSyncRequest({ allowDeletes: 'yes' })).toEqual({ error: '"allowDeletes" must be true or false' });
    expect(parseSyncRequest({ force: true })).toEqual({ error: expect.stringContaining('"force"') });
  });

  it('trusts a daemon’s answer only when every report has a known outcome', () => {
    const report = { job: 'a', outcome: 'success', counts: {}, durationMs: 1 };
    expect(parseSyncResponse({ reports: [report] })).toEqual({ reports: [report] });
    expect(parseSyncResponse({ reports: [{ ...report, outcome: 'great' }] })).toBeUndefined();
    expect(parseSyncResponse({ error: 'x' })).toBeUndefined();
    expect(parseSyncResponse(null)).toBeUndefined();
  });

  it('checks the failures and the held objects a daemon reports before printing them', () => {
    const report = { job: 'a', outcome: 'guarded', counts: {}, durationMs: 1 };
    const failures = [{ kind: 'user', sourceId: 'u1', label: 'ada', operation: 'create', status: 400, error: 'no' }];
    const guard = { verdict: 'guarded', count: 1, objects: [{ kind: 'delete', sourceId: 'u2', label: 'bob' }] };
    expect(parseSyncResponse({ reports: [{ ...report, failures, guard }] })).toEqual({ reports: [{ ...report, failures, guard }] });
    expect(parseSyncResponse({ reports: [{ ...report, failures: [{ sourceId: 'u1' }] }] })).toBeUndefined();
    expect(parseSyncResponse({ reports: [{ ...report, guard: { ...guard, verdict: 'pass' } }] })).toBeUndefined();
  });

  it('summarizes a cycle with the objects it skipped, the operations that failed in this run (not before) and what the guard held', () => {
    const { store } = dirs.store();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00.000Z'));
    const earlier = store.startRun('app', 'full');
    store.recordFailure('app', 'user', { sourceId: 'old', operation: 'update', label: 'old@x', lastStatus: 500, lastError: 'earlier' });
    store.finishRun(earlier, 'failed', { failed: 1 });
    vi.setSystemTime(new Date('2026-01-01T00:40:00.000Z'));
    const runId = store.startRun('app', 'full');
    store.recordFailure('app', 'user', { sourceId: 'u7', operation: 'create', label: 'eve@x', lastStatus: 400, lastError: 'uniqueness' });
    store.finishRun(runId, 'failed', { failed: 1 });
    const held = { kind: 'delete' as const, sourceId: 'u2', label: 'bob@x', targetId: 't2', reason: 'hardDeleted' as const };
    const report = {
      ...fakeReport('app', 'failed', { failed: 1, skipped: 1, held: 1 }),
      runId,
      plan: { operations: [], skipped: [{ sourceId: 'u9', label: 'zed@x', error: 'mapping: userName is required' }] },
      guard: { verdict: 'guarded' as const, allowed: [], held: [held], reason: 'above maxDeletes' },
    };
    const summary = summarize(report, store);
    store.close();
    expect(summary.failures).toEqual([
      { kind: 'object', sourceId: 'u9', label: 'zed@x', operation: 'skipped', error: 'mapping: userName is required' },
      { kind: 'user', sourceId: 'u7', label: 'eve@x', operation: 'create', status: 400, error: 'uniqueness' },
    ]);
    expect(summary.guard).toEqual({ verdict: 'guarded', reason: 'above maxDeletes', count: 1, objects: [{ kind: 'delete', sourceId: 'u2', label: 'bob@x' }] });
    expect(parseSyncResponse(JSON.parse(JSON.stringify({ reports: [summary] })))).toEqual({ reports: [summary] });
  });
});

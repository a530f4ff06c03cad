import { describe, expect, it } from 'vitest';
import { parseSyncRequest, parseSyncResponse, toRequestBody } from '../../src/daemon/sync-protocol.js';

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
});

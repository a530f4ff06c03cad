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

  it('carries one user to provision, which needs a job and takes no cycle flags', () => {
    const request = { jobName: 'flip', allowDeletes: false, full: false, user: 'ada@contoso.com' };
    expect(parseSyncRequest(toRequestBody(request))).toEqual(request);
    expect(parseSyncRequest({ user: 'ada@contoso.com' })).toEqual({ error: '"user" needs "job": a user is provisioned by one job' });
    expect(parseSyncRequest({ job: 'flip', user: '' })).toEqual({ error: '"user" must be a source id or sign-in name' });
    expect(parseSyncRequest({ job: 'flip', user: 'ada', full: true })).toEqual({ error: expect.stringContaining('do not apply') });
  });

  it('trusts a one-user answer only when its steps are well formed', () => {
    const report = { job: 'a', outcome: 'success', counts: {}, durationMs: 1 };
    const user = { job: 'a', user: 'ada', sourceId: 's1', outcome: 'success', steps: [{ step: 1, title: 'Import user from source "corp"', outcome: 'ok', detail: 'ada' }], durationMs: 1 };
    expect(parseSyncResponse({ reports: [report], user })).toEqual({ reports: [report], user });
    expect(parseSyncResponse({ reports: [report], user: { ...user, outcome: 'fine' } })).toBeUndefined();
    expect(parseSyncResponse({ reports: [report], user: { ...user, steps: [{ step: 1 }] } })).toBeUndefined();
  });
});

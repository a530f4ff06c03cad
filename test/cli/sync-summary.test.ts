/** What --sync-now says at the end: per job the outcome, counts, failures, what the guard held and what to do. */
import { describe, expect, it } from 'vitest';
import { buildSyncSummary, formatSyncSummary, syncSummaryRecord } from '../../src/cli/sync-summary.js';
import type { CycleSummary } from '../../src/daemon/sync-protocol.js';

const guarded: CycleSummary = {
  job: 'flip',
  runId: 4,
  outcome: 'guarded',
  message: '3 disables/deletes planned, above safety.maxDeletes',
  counts: { read: 100, created: 1, linked: 1, updated: 2, held: 3, failed: 0, membersAdded: 4, membersRemoved: 1 },
  durationMs: 2500,
  guard: { verdict: 'guarded', reason: 'above safety.maxDeletes', count: 3, objects: [{ kind: 'delete', sourceId: 'u1', label: 'ada@x' }] },
};

const failed: CycleSummary = {
  job: 'hr',
  runId: 5,
  outcome: 'failed',
  counts: { read: 10, failed: 2, skipped: 1 },
  durationMs: 90,
  failures: [
    { kind: 'object', sourceId: 'u9', label: 'bob@x', operation: 'skipped', error: 'mapping: userName is required' },
    { kind: 'user', sourceId: 'u7', label: 'eve@x', operation: 'create', status: 400, error: 'uniqueness' },
  ],
};

describe('the --sync-now summary', () => {
  it('counts, the held objects and the command that releases them, for the config the user named', () => {
    const summary = buildSyncSummary([guarded], { command: 'provisiond --config x.yaml', exitCode: 3 });
    const [job] = summary.jobs;
    expect(job?.counts).toMatchObject({ read: 100, created: 2, updated: 2, disabled: 0, deleted: 0, membersAdded: 4, membersRemoved: 1, failed: 0 });
    expect(job?.held).toMatchObject({ count: 3, release: 'provisiond --config x.yaml --sync-now --job flip --allow-deletes' });
    expect(job?.next[0]).toContain('`provisiond --config x.yaml plan --job flip`');
    const text = formatSyncSummary(summary);
    expect(text).toContain('  job flip: GUARDED in 2.5s (run #4)');
    expect(text).toContain('    read 100 · created 2, updated 2, disabled 0, deleted 0, memberships +4 −1, failed 0');
    expect(text).toContain('      delete ada@x (u1)\n      … and 2 more');
    expect(text).toContain('    release them once: provisiond --config x.yaml --sync-now --job flip --allow-deletes');
    expect(text.trimEnd().split('\n').at(-1)).toBe('exit code 3: deprovisioning was held back by a safety guard');
    expect(text).not.toContain('\u001b[');
    expect(formatSyncSummary(summary, { color: true })).toContain('job flip: \u001b[33mGUARDED\u001b[0m in 2.5s');
  });

  it('a partial read is not released by --allow-deletes, and says so', () => {
    const partial: CycleSummary = { ...guarded, outcome: 'partial', guard: { ...guarded.guard!, verdict: 'partial' } };
    const [job] = buildSyncSummary([partial], { command: 'provisiond', exitCode: 3 }).jobs;
    expect(job?.held?.release).toBeNull();
    expect(job?.next.join(' ')).toContain('--allow-deletes does not release this');
    expect(formatSyncSummary(buildSyncSummary([partial], { command: 'provisiond', exitCode: 3 }))).not.toContain('release them once');
  });

  it('lists each failure with its object id, status and reason, and points at escrow', () => {
    const summary = buildSyncSummary([failed], { command: 'provisiond', exitCode: 1 });
    const text = formatSyncSummary(summary);
    expect(text).toContain('      ✗ skipped bob@x (u9): mapping: userName is required');
    expect(text).toContain('      ✗ create eve@x (u7): HTTP 400: uniqueness');
    expect(text).toContain('… and 1 more'); // 2 failed + 1 skipped, 2 listed
    expect(summary.jobs[0]?.next.join(' ')).toContain('`provisiond status --job hr`');
  });

  it('is one JSON record in JSON mode, at the level of its exit code', () => {
    const record = JSON.parse(syncSummaryRecord(buildSyncSummary([guarded, failed], { command: 'provisiond', exitCode: 1 }), new Date(0))) as Record<string, unknown>;
    expect(record).toMatchObject({ level: 'error', time: '1970-01-01T00:00:00.000Z', msg: 'sync-now summary: a cycle failed', exitCode: 1, exitMeaning: 'a cycle failed' });
    expect((record.jobs as unknown[]).length).toBe(2);
  });
});

import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { DaemonMetrics, tallyOperations } from '../../src/daemon/metrics.js';
import { parsePrometheusText, sampleValue } from './prometheus-text.js';
import { fakeReport, TempDirs } from './support.js';

const dirs = new TempDirs();
const packageVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
afterEach(() => dirs.cleanup());

describe('tallyOperations', () => {
  it('sorts a cycle’s counts into users, groups and members, each adding like with like, and nothing else', () => {
    const tally = tallyOperations({
      read: 10,
      inScope: 9,
      'planned.create': 3,
      'planned.update': 1,
      created: 2,
      linked: 1,
      updated: 0,
      failed: 1,
      deferred: 2,
      held: 4,
      skipped: 1,
      groupsCreated: 2,
      groupsFailed: 1,
      membersAdded: 40,
      membersRemoved: 3,
      membersFailed: 20,
      // Requests, not members: the failure rate's unit, not a metric family's.
      membershipFailed: 1,
      sourceRequests: 3,
      'op.create.created': 2,
      'op.create.failed': 1,
      'op.add-members.succeeded': 2,
    });
    expect(Object.fromEntries(tally.users)).toEqual({ created: 2, linked: 1, failed: 1, deferred: 2 });
    expect(Object.fromEntries(tally.groups)).toEqual({ created: 2, failed: 1 });
    expect(Object.fromEntries(tally.memberships)).toEqual({ added: 40, removed: 3, failed: 20 });
    expect({ held: tally.held, skipped: tally.skipped }).toEqual({ held: 4, skipped: 1 });
    expect(Object.fromEntries(tally.planned)).toEqual({ create: 3, update: 1 });
    expect(tally.byKind).toEqual([
      { kind: 'create', outcome: 'created', count: 2 },
      { kind: 'create', outcome: 'failed', count: 1 },
      { kind: 'add-members', outcome: 'succeeded', count: 2 },
    ]);
  });
});

describe('DaemonMetrics', () => {
  it('renders Prometheus text whose counters add up the cycles, and gauges read from the snapshot', async () => {
    const { store } = dirs.store();
    store.saveLink('app', 'user', { sourceId: 's1', targetId: 't1', label: 'ada', state: 'active', attributes: {} });
    store.saveLink('app', 'user', { sourceId: 's2', targetId: 't2', label: 'bob', state: 'disabled', attributes: {} });
    store.recordFailure('app', 'user', { sourceId: 's3', operation: 'create', label: 'cy', lastStatus: 500, lastError: 'boom' });
    const run = store.startRun('app', 'full');
    store.finishRun(run, 'success', { held: 2 });
    const metrics = new DaemonMetrics({ store, jobs: () => ['app'], nextRun: () => new Date(1_800_000_000_000), running: () => true });
    metrics.observeCycle(
      fakeReport('app', 'success', { 'planned.create': 3, created: 2, failed: 1, 'op.create.created': 2, 'op.create.failed': 1, sourceRequests: 4, sourceThrottledMs: 1500, targetRequests: 6, targetThrottledMs: 250 }, 2_000),
    );
    metrics.observeCycle(fakeReport('app', 'failed', { 'planned.update': 1, updated: 1, groupsCreated: 1, membersAdded: 20, held: 2 }, 500));
    metrics.observeCrash('app', 100);
    metrics.observeReload('refused');
    metrics.observeSyncRequest('unauthorized');
    metrics.observeSyncRequest('unknown_job');
    const { contentType, body } = await metrics.render();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = parsePrometheusText(body);
    const value = (name: string, labels: Record<string, string> = {}) => sampleValue(samples, name, labels);
    expect(value('provisiond_cycles_total', { job: 'app', outcome: 'success' })).toBe(1);
    expect(value('provisiond_cycles_total', { job: 'app', outcome: 'failed' })).toBe(2);
    expect(value('provisiond_user_operations_total', { job: 'app', outcome: 'created' })).toBe(2);
    expect(value('provisiond_user_operations_total', { job: 'app', outcome: 'failed' })).toBe(1);
    expect(value('provisiond_user_operations_total', { job: 'app', outcome: 'updated' })).toBe(1);
    expect(value('provisiond_group_operations_total', { job: 'app', outcome: 'created' })).toBe(1);
    expect(value('provisiond_membership_changes_total', { job: 'app', outcome: 'added' })).toBe(20);
    expect(value('provisiond_deprovisions_held_total', { job: 'app' })).toBe(2);
    // No family mixes units: groups and members are not user operations.
    expect(samples.filter((s) => s.name === 'provisiond_user_operations_total').map((s) => s.labels.outcome).sort()).toEqual(['created', 'failed', 'updated']);
    expect(value('provisiond_operations_planned_total', { job: 'app', kind: 'create' })).toBe(3);
    expect(value('provisiond_operations_by_kind_total', { job: 'app', kind: 'create', outcome: 'created' })).toBe(2);
    expect(value('provisiond_operations_by_kind_total', { job: 'app', kind: 'create', outcome: 'failed' })).toBe(1);
    expect(value('provisiond_cycle_duration_seconds_count', { job: 'app' })).toBe(3);
    expect(value('provisiond_cycle_duration_seconds_sum', { job: 'app' })).toBeCloseTo(2.6);
    expect(value('provisiond_source_requests_total', { job: 'app' })).toBe(4);
    expect(value('provisiond_source_throttled_seconds_total', { job: 'app' })).toBe(1.5);
    expect(value('provisiond_target_throttled_seconds_total', { job: 'app' })).toBe(0.25);
    expect(value('provisiond_linked_objects', { job: 'app', kind: 'user', state: 'active' })).toBe(1);
    expect(value('provisiond_linked_objects', { job: 'app', kind: 'user', state: 'disabled' })).toBe(1);
    expect(value('provisiond_pending_operations', { job: 'app' })).toBe(1);
    expect(value('provisiond_held_operations', { job: 'app' })).toBe(2);
    // The recorded finish of the last successful run, whenever that was.
    expect(value('provisiond_last_success_timestamp_seconds', { job: 'app' })).toBe(Date.parse(store.latestRun('app', ['success'])!.finishedAt!) / 1000);
    expect(value('provisiond_next_run_timestamp_seconds', { job: 'app' })).toBe(1_800_000_000);
    expect(value('provisiond_cycle_running', { job: 'app' })).toBe(1);
    expect(value('provisiond_config_reloads_total', { result: 'refused' })).toBe(1);
    expect(value('provisiond_sync_requests_total', { result: 'unauthorized' })).toBe(1);
    expect(value('provisiond_sync_requests_total', { result: 'unknown_job' })).toBe(1);
    expect(value('provisiond_build_info', { version: packageVersion, node: process.version })).toBe(1);
    // The last finished run (the store's, here the 'success' above) is 1, the other outcomes 0.
    expect(samples.filter((s) => s.name === 'provisiond_last_cycle_outcome').map((s) => [s.labels.outcome, s.value])).toEqual([
      ['success', 1],
      ['failed', 0],
      ['partial', 0],
      ['guarded', 0],
      ['quarantined', 0],
    ]);
    // The process's own metrics come along (memory, CPU, event loop).
    expect(samples.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
    store.close();
  });

  it('shows a running cycle’s phase, done, total and ETA as gauges, and nothing once it ended', async () => {
    const { store } = dirs.store();
    const run = store.startRun('app', 'full');
    store.saveRunProgress(run, { phase: 'sync users', done: 41_000, total: 100_000, rate: 612.5, etaSeconds: 96, at: '2026-01-01T00:00:10.000Z' });
    const metrics = new DaemonMetrics({ store, jobs: () => ['app'], nextRun: () => undefined, running: () => true });
    const value = async (name: string) => sampleValue(parsePrometheusText((await metrics.render()).body), name, { job: 'app', phase: 'sync users' });
    expect(await value('provisiond_cycle_progress_done')).toBe(41_000);
    expect(await value('provisiond_cycle_progress_total')).toBe(100_000);
    expect(await value('provisiond_cycle_progress_eta_seconds')).toBe(96);
    store.finishRun(run, 'success', {});
    expect(parsePrometheusText((await metrics.render()).body).filter((s) => s.name.startsWith('provisiond_cycle_progress'))).toEqual([]);
  });
});

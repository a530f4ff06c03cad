/** Scheduled reconciliation in the daemon: queued behind the job's cycle, under its lease; its last result in status and /metrics. */
import { afterEach, describe, expect, it } from 'vitest';
import { CycleCoordinator, type RunJob, type RunReconcile } from '../../src/daemon/cycles.js';
import { currentProcessOwner, jobLeaseName, Leases } from '../../src/daemon/lock.js';
import { DaemonMetrics } from '../../src/daemon/metrics.js';
import { collectStatus, formatStatus } from '../../src/daemon/status.js';
import type { CycleReport } from '../../src/engine/cycle.js';
import { summaryOf, type ReconcileReport } from '../../src/engine/reconcile/report.js';
import { fakeReport, recordingLogger, TempDirs, testConfig, waitFor } from './support.js';

const dirs = new TempDirs();
afterEach(() => dirs.cleanup());

function report(job: string, counts: Partial<ReconcileReport['counts']>): ReconcileReport {
  const zero = { appUsers: 0, appGroups: 0, sourceUsers: 0, inSync: 0, drifted: 0, missingInApp: 0, unmanaged: 0, unmanagedMatching: 0, membershipDrift: 0, pendingCreate: 0, notCompared: 0, skipped: 0 };
  return {
    job,
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 5,
    outcome: 'drift',
    appRead: 'listed',
    ignored: [],
    notes: [],
    errors: [],
    counts: { ...zero, ...counts },
    drifted: [],
    missingInApp: [],
    unmanaged: [],
    membership: [],
    pendingCreate: [],
  };
}

describe('scheduled reconciliation', () => {
  it('waits for the running cycle, runs holding the job lease, and skips a start while one is queued', async () => {
    const { store } = dirs.store();
    const { log, records } = recordingLogger();
    const leases = new Leases(store, currentProcessOwner(), log, { ttlMs: 30_000, pollMs: 20 });
    const order: string[] = [];
    let endCycle: (() => void) | undefined;
    const runJob: RunJob = (_loaded, job) =>
      new Promise<CycleReport>((resolve) => {
        order.push('cycle');
        endCycle = () => {
          order.push('cycle end');
          resolve(fakeReport(job));
        };
      });
    let endReconcile: (() => void) | undefined;
    const runReconcile: RunReconcile = (_loaded, job) => {
      expect(leases.holds(jobLeaseName(job))).toBe(true);
      order.push('reconcile');
      return new Promise((resolve) => {
        endReconcile = () => resolve({ outcome: 'in-sync' });
      });
    };
    const coordinator = new CycleCoordinator({ config: () => testConfig(['app']), store, leases, log, runJob, runReconcile });
    coordinator.scheduled('app');
    await waitFor(() => endCycle !== undefined);
    coordinator.scheduledReconcile('app');
    coordinator.scheduledReconcile('app');
    expect(records.filter((r) => String(r.msg).includes('previous reconcile of this job is still running'))).toHaveLength(1);
    expect(order).toEqual(['cycle']);
    endCycle!();
    await waitFor(() => endReconcile !== undefined);
    expect(order).toEqual(['cycle', 'cycle end', 'reconcile']);
    expect(coordinator.isRunning('app')).toBe(true);
    endReconcile!();
    await waitFor(() => !coordinator.isRunning('app'));
    expect(store.lease(jobLeaseName('app'))).toBeUndefined();
    store.close();
  });

  it('shows the last result in status and as per-job gauges', async () => {
    const { store, path } = dirs.store();
    store.saveReconcileResult('app', JSON.stringify(summaryOf(report('app', { drifted: 2, missingInApp: 1, unmanaged: 3, pendingCreate: 4 }))), new Date('2026-01-01T00:01:00.000Z'));
    const status = collectStatus(store, path, ['app'], currentProcessOwner(), 5);
    expect(status.jobs[0]?.lastReconcile).toMatchObject({ outcome: 'drift', counts: { drifted: 2, missingInApp: 1, unmanaged: 3 } });
    expect(formatStatus(status)).toContain('last reconcile: 2026-01-01T00:01:00.000Z  drift  2 drifted, 1 missing, 0 membership drift, 3 unmanaged, 4 pending create');
    const metrics = new DaemonMetrics({ store, jobs: () => ['app'], nextRun: () => undefined, running: () => false });
    const { body } = await metrics.render();
    expect(body).toContain('provisiond_reconcile_objects{job="app",category="drifted"} 2');
    expect(body).toContain('provisiond_reconcile_objects{job="app",category="missingInApp"} 1');
    expect(body).toContain('provisiond_reconcile_objects{job="app",category="unmanaged"} 3');
    expect(body).toContain(`provisiond_reconcile_last_timestamp_seconds{job="app",outcome="drift"} ${Date.parse('2026-01-01T00:01:00.000Z') / 1000}`);
    store.close();
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../src/cli/runner.js';
import { CycleCoordinator, ShuttingDownError, type JobRunOptions, type RunJob } from '../../src/daemon/cycles.js';
import { currentProcessOwner, jobLeaseName, Leases } from '../../src/daemon/lock.js';
import type { CycleReport } from '../../src/engine/cycle.js';
import type { StateStore } from '../../src/state/store.js';
import { fakeReport, recordingLogger, TempDirs, testConfig, waitFor } from './support.js';

const dirs = new TempDirs();
afterEach(() => dirs.cleanup());

interface Call {
  job: string;
  options: JobRunOptions;
  finish: (report?: CycleReport) => void;
  fail: (error: Error) => void;
}

/** A runJob whose cycles end when the test says so, and that checks it holds the job's lease. */
function controllableRunJob(store: StateStore, leases: () => Leases): { runJob: RunJob; calls: Call[]; maxConcurrent: () => number } {
  const calls: Call[] = [];
  let running = 0;
  let max = 0;
  const runJob: RunJob = (_loaded, job, options) => {
    expect(leases().holds(jobLeaseName(job))).toBe(true);
    expect(store.lease(jobLeaseName(job))?.holder).toBe(leases().owner.holder);
    running++;
    max = Math.max(max, running);
    return new Promise<CycleReport>((resolve, reject) => {
      calls.push({
        job,
        options,
        finish: (report) => {
          running--;
          resolve(report ?? fakeReport(job));
        },
        fail: (error) => {
          running--;
          reject(error);
        },
      });
    });
  };
  return { runJob, calls, maxConcurrent: () => max };
}

function setup(jobs = ['app']) {
  const { store } = dirs.store();
  const { log, records } = recordingLogger();
  const leases = new Leases(store, currentProcessOwner(), log, { ttlMs: 30_000, pollMs: 20 });
  const { runJob, calls, maxConcurrent } = controllableRunJob(store, () => leases);
  const ended: string[] = [];
  const coordinator = new CycleCoordinator({ config: () => testConfig(jobs), store, leases, log, runJob, onCycleEnd: (job) => ended.push(job) });
  return { store, log, records, leases, calls, coordinator, ended, maxConcurrent };
}

describe('CycleCoordinator', () => {
  it('skips a scheduled start while the job’s cycle runs: a cycle never overlaps itself', async () => {
    const { coordinator, calls, records, ended, store, maxConcurrent } = setup();
    coordinator.scheduled('app');
    await waitFor(() => calls.length === 1);
    expect(coordinator.isRunning('app')).toBe(true);
    // A start that finds the job busy is refused on the spot, not queued.
    coordinator.scheduled('app');
    coordinator.scheduled('app');
    expect(records.filter((r) => String(r.msg).includes('still running; skipping'))).toHaveLength(2);
    expect(calls).toHaveLength(1);
    calls[0]!.finish();
    await waitFor(() => ended.length === 1);
    expect(coordinator.isRunning('app')).toBe(false);
    expect(store.lease(jobLeaseName('app'))).toBeUndefined();
    coordinator.scheduled('app');
    await waitFor(() => calls.length === 2);
    expect(calls[1]!.options).toEqual({ allowDeletes: false, force: false });
    calls[1]!.finish();
    expect(maxConcurrent()).toBe(1);
    store.close();
  });

  it('runs a requested cycle after the running one, with the request’s options, and answers with its summary', async () => {
    const { coordinator, calls, store, maxConcurrent } = setup();
    coordinator.scheduled('app');
    await waitFor(() => calls.length === 1);
    const answer = coordinator.request({ allowDeletes: true, full: true });
    // maxConcurrent below proves it waited; no fixed pause needed to "see" that it did.
    expect(calls).toHaveLength(1);
    calls[0]!.finish();
    await waitFor(() => calls.length === 2);
    expect(calls[1]!.options).toEqual({ allowDeletes: true, force: true, full: true });
    calls[1]!.finish(fakeReport('app', 'guarded', { created: 2, held: 7 }));
    expect(await answer).toEqual([{ job: 'app', runId: 1, outcome: 'guarded', counts: { created: 2, held: 7 }, durationMs: 10 }]);
    expect(maxConcurrent()).toBe(1);
    store.close();
  });

  it('runs the jobs of one request side by side, each in its own lane', async () => {
    const { coordinator, calls, store } = setup(['a', 'b']);
    const answer = coordinator.request({ allowDeletes: false, full: false });
    await waitFor(() => calls.length === 2);
    calls.forEach((c) => c.finish());
    expect((await answer).map((s) => s.job).sort()).toEqual(['a', 'b']);
    await expect(coordinator.request({ jobName: 'nope', allowDeletes: false, full: false })).rejects.toThrow(UsageError);
    store.close();
  });

  it('leaves a job to the process that holds its lease: a scheduled start is skipped, a request waits', async () => {
    const { coordinator, calls, records, store, log } = setup();
    const oneShot = new Leases(store, { ...currentProcessOwner(), pid: process.ppid }, log);
    oneShot.tryAcquire(jobLeaseName('app'));
    coordinator.scheduled('app');
    await waitFor(() => records.some((r) => String(r.msg).includes('another process is running this job')), 'the skipped start');
    const answer = coordinator.request({ allowDeletes: false, full: false });
    await waitFor(() => records.some((r) => String(r.msg).includes('waiting for another process')), 'the request to wait');
    // It looks at the lease again (and again) and still does not start while the other holds it.
    const attempts = vi.spyOn(store, 'acquireLease');
    await waitFor(() => attempts.mock.calls.length >= 2, 'two more looks at the lease');
    expect(calls).toHaveLength(0);
    oneShot.releaseAll();
    await waitFor(() => calls.length === 1);
    calls[0]!.finish();
    expect(await answer).toHaveLength(1);
    store.close();
  });

  it('turns a crashed cycle into a failed summary and closes its run', async () => {
    const { coordinator, calls, store } = setup();
    const answer = coordinator.request({ allowDeletes: false, full: false });
    await waitFor(() => calls.length === 1);
    store.startRun('app', 'full');
    calls[0]!.fail(new Error('disk I/O error'));
    expect(await answer).toEqual([expect.objectContaining({ job: 'app', outcome: 'failed', message: 'cycle crashed: disk I/O error' })]);
    expect(store.latestRun('app')).toMatchObject({ outcome: 'failed', message: 'crashed: disk I/O error' });
    store.close();
  });

  it('answers a request for every job even when one job’s cycle cannot start, and runs the others', async () => {
    const { coordinator, calls, store, records } = setup(['a', 'b']);
    const acquire = store.acquireLease.bind(store);
    vi.spyOn(store, 'acquireLease').mockImplementation((lease, stale) => {
      if (lease.name === jobLeaseName('a')) throw new Error('database disk image is malformed');
      return acquire(lease, stale);
    });
    const answer = coordinator.request({ allowDeletes: false, full: false });
    await waitFor(() => calls.length === 1, 'job b to start');
    expect(calls[0]!.job).toBe('b');
    calls[0]!.finish();
    expect(await answer).toEqual([
      { job: 'a', outcome: 'failed', message: 'cycle could not run: database disk image is malformed', counts: {}, durationMs: 0 },
      expect.objectContaining({ job: 'b', outcome: 'success' }),
    ]);
    expect(records.find((r) => r.msg === 'requested cycle could not run')).toMatchObject({ level: 'error', job: 'a' });
    vi.restoreAllMocks();
    store.close();
  });

  it('drains: no new cycles, queued requests refused, and it says whether the running ones finished in time', async () => {
    const { coordinator, calls, store } = setup();
    coordinator.scheduled('app');
    await waitFor(() => calls.length === 1);
    const queued = coordinator.request({ allowDeletes: false, full: false });
    const drained = coordinator.drain(100);
    expect(await drained).toBe(false);
    await expect(coordinator.request({ allowDeletes: false, full: false })).rejects.toThrow(ShuttingDownError);
    calls[0]!.finish();
    await expect(queued).rejects.toThrow(ShuttingDownError);
    expect(calls).toHaveLength(1);
    expect(await coordinator.drain(100)).toBe(true);
    store.close();
  });

  it('provisions one user in the job’s lane: after the running cycle, under the job’s lease', async () => {
    const { store } = dirs.store();
    const { log } = recordingLogger();
    const leases = new Leases(store, currentProcessOwner(), log, { ttlMs: 30_000, pollMs: 20 });
    const { runJob, calls } = controllableRunJob(store, () => leases);
    const users: string[] = [];
    const coordinator = new CycleCoordinator({
      config: () => testConfig(['app']),
      store,
      leases,
      log,
      runJob,
      runUser: async (_loaded, job, user) => {
        expect(leases.holds(jobLeaseName(job))).toBe(true);
        users.push(user);
        return { job, user, outcome: 'success', steps: [], durationMs: 1 };
      },
    });
    coordinator.scheduled('app');
    await waitFor(() => calls.length === 1);
    const answer = coordinator.provisionUser('app', 'ada@contoso.com');
    expect(users).toEqual([]);
    calls[0]!.finish();
    expect(await answer).toMatchObject({ job: 'app', user: 'ada@contoso.com', outcome: 'success' });
    expect(users).toEqual(['ada@contoso.com']);
    expect(store.lease(jobLeaseName('app'))).toBeUndefined();
    await expect(coordinator.provisionUser('nope', 'ada')).rejects.toThrow(UsageError);
    store.close();
  });
});

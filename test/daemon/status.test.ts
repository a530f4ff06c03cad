import { afterEach, describe, expect, it } from 'vitest';
import { currentProcessOwner, DAEMON_LEASE, jobLeaseName, Leases } from '../../src/daemon/lock.js';
import { collectStatus, formatStatus } from '../../src/daemon/status.js';
import { recordingLogger, TempDirs } from './support.js';

const dirs = new TempDirs();
afterEach(() => dirs.cleanup());

describe('status', () => {
  it('shows each job’s runs, next run, running cycle and pending failures from the state database', () => {
    const { store, path } = dirs.store();
    const first = store.startRun('app', 'full');
    store.finishRun(first, 'success', { read: 3, created: 3, failed: 0 });
    const second = store.startRun('app', 'full');
    store.finishRun(second, 'failed', { read: 3, updated: 1, failed: 1 }, 'the target refused 1 operation');
    store.recordFailure('app', 'user', { sourceId: 's1', operation: 'update', label: 'ada@example.com', lastStatus: 500, lastError: 'Internal Server Error' });
    const daemon = new Leases(store, currentProcessOwner(), recordingLogger().log);
    daemon.tryAcquire(DAEMON_LEASE, {
      address: 'http://127.0.0.1:8080',
      detail: JSON.stringify({ startedAt: '2026-01-01T00:00:00.000Z', schedules: { app: 'every 40m' }, nextRuns: { app: '2026-01-01T00:40:00.000Z' } }),
    });
    daemon.tryAcquire(jobLeaseName('app'));

    // `status` is its own process: observe from another pid on this host.
    const report = collectStatus(store, path, ['app', 'other'], { ...currentProcessOwner(), pid: process.ppid }, 5);
    expect(report.daemon).toMatchObject({ pid: process.pid, address: 'http://127.0.0.1:8080', startedAt: '2026-01-01T00:00:00.000Z' });
    expect(report.jobs[0]).toMatchObject({ job: 'app', schedule: 'every 40m', nextRunAt: '2026-01-01T00:40:00.000Z', runningBy: 'the daemon' });
    expect(report.jobs[0]!.runs.map((r) => r.outcome)).toEqual(['failed', 'success']);
    expect(report.jobs[0]!.pending).toHaveLength(1);
    expect(report.jobs[1]).toMatchObject({ job: 'other', runs: [], pending: [] });

    const text = formatStatus(report);
    expect(text).toContain(`daemon: running, pid ${process.pid}`);
    expect(text).toContain('job app (every 40m)');
    expect(text).toContain('next run:  2026-01-01T00:40:00.000Z');
    expect(text).toContain('running:   now, by the daemon');
    // A table: one row per run under its column titles, counters that no run has left out.
    const runs = text.split('\n').filter((line) => /^ {4}(RUN|#\d)/.test(line));
    expect(runs[0]).toBe('    RUN  STARTED               TOOK  OUTCOME  READ  CREATED  UPDATED  FAILED  MESSAGE');
    expect(runs[1]).toMatch(/^ {4}#2 {3}\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ +\d+ms {2}failed {6}3 {8}- {8}1 {7}1 {2}the target refused 1 operation$/);
    expect(runs[2]).toMatch(/^ {4}#1 {3}\S+ \S+ +\d+ms {2}success {5}3 {8}3 {8}- {7}0$/);
    expect(text).toMatch(/OBJECT {16}OPERATION {2}ATTEMPTS {2}LAST FAILED {11}NEXT TRY {4}ERROR\n {4}user ada@example\.com {2}update {12}1 {2}\S+ \S+ {2}next cycle {2}500 Internal Server Error/);
    daemon.releaseAll();
    store.close();
  });

  it('says when no daemon runs, ignoring a dead one’s lease', () => {
    const { store, path } = dirs.store();
    store.acquireLease({ name: DAEMON_LEASE, holder: 'gone', pid: 1, hostname: 'elsewhere', address: 'http://x', detail: '{}', expiresAt: Date.now() - 1 }, () => false);
    const text = formatStatus(collectStatus(store, path, ['app'], currentProcessOwner(), 5));
    expect(text).toContain('daemon: not running (nothing is scheduled)');
    expect(text).toContain('next run:  -');
    expect(text).toContain('last runs: none');
    store.close();
  });
});

describe('status of a quarantined job', () => {
  it('says until when scheduled cycles are skipped and why', () => {
    const { store, path } = dirs.store();
    const until = new Date(Date.now() + 3_600_000).toISOString();
    store.saveCursor('app', 'quarantine', JSON.stringify({ since: '2026-01-01T00:00:00.000Z', until, level: 1, reason: 'the target refused our credentials (HTTP 401); check target.token' }));
    const report = collectStatus(store, path, ['app'], { ...currentProcessOwner(), pid: process.ppid }, 5);
    expect(report.jobs[0]?.quarantine).toMatchObject({ until, level: 1 });
    expect(formatStatus(report)).toContain(`QUARANTINED until ${until} (since 2026-01-01T00:00:00.000Z): the target refused our credentials (HTTP 401); check target.token`);
    store.close();
  });

  it('shows where a running cycle is: its phase, done/total, rate and ETA', () => {
    const { store, path } = dirs.store();
    const run = store.startRun('app', 'full');
    store.saveRunProgress(run, { phase: 'sync users', done: 41_000, total: 100_000, rate: 612.5, etaSeconds: 96, at: '2026-01-01T00:00:10.000Z' });
    const report = collectStatus(store, path, ['app'], { ...currentProcessOwner(), pid: process.ppid }, 5);
    expect(report.jobs[0]!.runs[0]).toMatchObject({ outcome: 'running', progress: { phase: 'sync users', done: 41_000, total: 100_000 } });
    expect(formatStatus(report)).toMatch(/running: sync users 41000\/100000 at 612\.5\/s, ETA 1m36s/);
    store.finishRun(run, 'success', { read: 100_000 });
    expect(collectStatus(store, path, ['app'], { ...currentProcessOwner(), pid: process.ppid }, 5).jobs[0]!.runs[0]!.progress).toBeUndefined();
  });
});

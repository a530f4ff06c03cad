import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { currentProcessOwner, DAEMON_LEASE, jobLeaseName, Leases, staleReason, type LeaseOwner } from '../../src/daemon/lock.js';
import { StateStore, type LeaseRecord } from '../../src/state/store.js';
import { recordingLogger, TempDirs, waitFor } from './support.js';

const dirs = new TempDirs();
afterEach(() => dirs.cleanup());

const timing = { ttlMs: 30_000, pollMs: 20 };

/** The pid of a process that existed and has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('spawn', resolve));
  const pid = child.pid as number;
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  return pid;
}

function lease(overrides: Partial<LeaseRecord>): LeaseRecord {
  return { name: 'job:app', holder: 'h', pid: 1, hostname: 'host-a', address: null, detail: '{}', acquiredAt: '', expiresAt: Date.now() + 60_000, ...overrides };
}

describe('staleReason', () => {
  const me: LeaseOwner = { holder: 'me', pid: process.pid, hostname: 'host-a' };

  it('keeps a live holder on this host, and any unexpired holder on another host', () => {
    expect(staleReason(lease({ pid: process.ppid }), me)).toBeUndefined();
    expect(staleReason(lease({ pid: 999_999_999, hostname: 'host-b' }), me)).toBeUndefined();
  });

  it('gives up an expired lease, wherever its holder is', () => {
    expect(staleReason(lease({ hostname: 'host-b', expiresAt: Date.now() - 1 }), me)).toMatch(/stopped renewing/);
  });

  it('gives up a lease whose pid is now ours under another holder id (a restarted container is pid 1 again)', () => {
    expect(staleReason(lease({ pid: process.pid, holder: 'previous-life' }), me)).toMatch(/now belongs to this process/);
    expect(staleReason(lease({ pid: process.pid, holder: 'me' }), me)).toBeUndefined();
  });

  it('gives up a lease whose process is gone', async () => {
    expect(staleReason(lease({ pid: await deadPid() }), me)).toMatch(/no longer running/);
  });
});

describe('Leases', () => {
  it('lets one process hold a lease at a time, and the next take it once released', () => {
    const { store } = dirs.store();
    const { log } = recordingLogger();
    const first = new Leases(store, currentProcessOwner(), log, timing);
    const second = new Leases(store, { ...currentProcessOwner(), pid: process.ppid }, log, timing);
    expect(first.tryAcquire(jobLeaseName('app')).acquired).toBe(true);
    const refused = second.tryAcquire(jobLeaseName('app'));
    expect(refused).toMatchObject({ acquired: false, current: { holder: first.owner.holder, pid: process.pid } });
    // Re-acquiring one's own lease is fine (and renews it).
    expect(first.tryAcquire(jobLeaseName('app')).acquired).toBe(true);
    first.release(jobLeaseName('app'));
    expect(second.tryAcquire(jobLeaseName('app')).acquired).toBe(true);
    expect(store.lease(jobLeaseName('app'))).toMatchObject({ pid: process.ppid });
    second.releaseAll();
    expect(store.leases()).toEqual([]);
    store.close();
  });

  it('is exclusive across connections to the same database file (as two processes have)', () => {
    const { store, path } = dirs.store();
    const other = StateStore.open(path);
    const { log } = recordingLogger();
    const here = new Leases(store, currentProcessOwner(), log, timing);
    const there = new Leases(other, { ...currentProcessOwner(), pid: process.ppid }, log, timing);
    expect(here.tryAcquire(jobLeaseName('app')).acquired).toBe(true);
    expect(there.tryAcquire(jobLeaseName('app')).acquired).toBe(false);
    here.releaseAll();
    expect(there.tryAcquire(jobLeaseName('app')).acquired).toBe(true);
    there.releaseAll();
    other.close();
    store.close();
  });

  it('reclaims the lease of a dead process and closes the run it left running', async () => {
    const { store } = dirs.store();
    const { log, records } = recordingLogger();
    const pid = await deadPid();
    const runId = store.startRun('app', 'full');
    store.acquireLease({ name: jobLeaseName('app'), holder: 'dead', pid, hostname: currentProcessOwner().hostname, address: null, detail: '{}', expiresAt: Date.now() + 3_600_000 }, () => false);
    const leases = new Leases(store, currentProcessOwner(), log, timing);
    const result = leases.tryAcquire(jobLeaseName('app'));
    expect(result).toMatchObject({ acquired: true, reclaimed: { holder: 'dead', pid } });
    expect(records.find((r) => r.lease === 'job:app')?.msg).toMatch(/reclaimed lease job:app: its holder \(pid \d+\) is no longer running/);
    const run = store.recentRuns('app', 1)[0];
    expect(run).toMatchObject({ id: runId, outcome: 'failed' });
    expect(run?.message).toMatch(/^interrupted: /);
    leases.releaseAll();
    store.close();
  });

  it('waits for a live holder, telling who it waits for once', async () => {
    const { store } = dirs.store();
    const { log } = recordingLogger();
    const holder = new Leases(store, currentProcessOwner(), log, timing);
    const waiter = new Leases(store, { ...currentProcessOwner(), pid: process.ppid }, log, timing);
    holder.tryAcquire(DAEMON_LEASE, { address: 'http://127.0.0.1:1' });
    const told: LeaseRecord[] = [];
    let acquired = false;
    const attempts = vi.spyOn(store, 'acquireLease');
    const waiting = waiter.acquire(DAEMON_LEASE, { onWait: (current) => told.push(current) }).then(() => (acquired = true));
    // Three refused attempts: it was told once and kept waiting, without being told again.
    await waitFor(() => attempts.mock.calls.length >= 3, 'three attempts at the lease');
    expect(acquired).toBe(false);
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ address: 'http://127.0.0.1:1', pid: process.pid });
    holder.release(DAEMON_LEASE);
    await waiting;
    expect(acquired).toBe(true);
    expect(told).toHaveLength(1);
    waiter.releaseAll();
    store.close();
  });

  it('gives up waiting when its signal aborts', async () => {
    const { store } = dirs.store();
    const { log } = recordingLogger();
    new Leases(store, currentProcessOwner(), log, timing).tryAcquire('job:app');
    const waiter = new Leases(store, { ...currentProcessOwner(), pid: process.ppid }, log, timing);
    const controller = new AbortController();
    const waiting = waiter.acquire('job:app', { signal: controller.signal });
    controller.abort(new Error('stopping'));
    await expect(waiting).rejects.toThrow('stopping');
    store.close();
  });

  it('renews what it holds, publishes detail, and notices a lease it lost', () => {
    const { store } = dirs.store();
    const { log, records } = recordingLogger();
    const leases = new Leases(store, currentProcessOwner(), log, { ttlMs: 1_000, pollMs: 10 });
    leases.tryAcquire(DAEMON_LEASE, { detail: '{"a":1}' });
    const before = store.lease(DAEMON_LEASE)!.expiresAt;
    leases.publish(DAEMON_LEASE, '{"a":2}');
    // A renewal in the same millisecond would not move the expiry: wait for the clock to tick.
    while (Date.now() + 1_000 <= before);
    leases.renew();
    expect(store.lease(DAEMON_LEASE)!.expiresAt).toBeGreaterThan(before);
    expect(store.lease(DAEMON_LEASE)!.detail).toBe('{"a":2}');
    // Someone else took it (we stalled past the TTL).
    store.releaseLease(DAEMON_LEASE, leases.owner.holder);
    store.acquireLease({ name: DAEMON_LEASE, holder: 'usurper', pid: 1, hostname: 'x', address: null, detail: '{}', expiresAt: Date.now() + 1_000 }, () => true);
    leases.renew();
    expect(leases.holds(DAEMON_LEASE)).toBe(false);
    expect(records.some((r) => r.level === 'error' && String(r.msg).includes('lost lease daemon'))).toBe(true);
    store.close();
  });
});


/**
 * Leases in the state database: "one writer per job" across processes, and where the running
 * daemon can be reached.
 *
 * - `job:<name>` is held by whoever runs a cycle of that job (the daemon or a `--sync-now`) for
 *   exactly as long as the cycle runs, so a one-shot can wait for the daemon's cycle to end.
 * - `daemon` is held by the daemon for its whole life and carries its HTTP address (for the
 *   `--sync-now` hand-off) and its next run per job (for `status`).
 *
 * A holder renews its leases every third of the TTL. A lease is taken from its holder when it has
 * expired, or at once when the holder's process is visibly gone: same host and the pid no longer
 * exists, or the pid is now ours under a different holder id (a restarted container is pid 1 again).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../log.js';
import type { LeaseAcquisition, LeaseRecord, StateStore } from '../state/store.js';

export const DAEMON_LEASE = 'daemon';

export function jobLeaseName(job: string): string {
  return `job:${job}`;
}

/** This process, as a lease holder. */
export interface LeaseOwner {
  readonly holder: string;
  readonly pid: number;
  readonly hostname: string;
}

export function currentProcessOwner(): LeaseOwner {
  return { holder: randomUUID(), pid: process.pid, hostname: hostname() };
}

export interface LeaseTiming {
  /** How long a lease outlives its holder's last renewal. */
  readonly ttlMs: number;
  /** How often a waiting process looks at the lease again. */
  readonly pollMs: number;
}

export const DEFAULT_LEASE_TIMING: LeaseTiming = { ttlMs: 30_000, pollMs: 250 };

/** Why `lease` may be taken from its holder, or undefined while the holder may still be alive. */
export function staleReason(lease: LeaseRecord, observer: LeaseOwner, now = Date.now()): string | undefined {
  if (lease.expiresAt <= now) return `its holder (pid ${lease.pid} on ${lease.hostname}) stopped renewing it`;
  // Another host's processes cannot be seen from here: only the expiry tells.
  if (lease.hostname !== observer.hostname) return undefined;
  if (lease.pid === observer.pid) {
    return lease.holder === observer.holder ? undefined : `its pid ${lease.pid} now belongs to this process (the holder was restarted)`;
  }
  return isProcessAlive(lease.pid) ? undefined : `its holder (pid ${lease.pid}) is no longer running`;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function describeHolder(lease: LeaseRecord): string {
  return `pid ${lease.pid} on ${lease.hostname}`;
}

interface HeldLease {
  address: string | null;
  detail: string;
}

export interface LeasePublication {
  /** Where this process answers POST /sync. */
  readonly address?: string;
  /** JSON for `status`. */
  readonly detail?: string;
}

/** The leases this process holds, kept alive by one renewal timer. */
export class Leases {
  private readonly held = new Map<string, HeldLease>();
  private renewal: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: StateStore,
    readonly owner: LeaseOwner,
    private readonly log: Logger,
    readonly timing: LeaseTiming = DEFAULT_LEASE_TIMING,
  ) {}

  /** One attempt; a reclaimed lease is logged, and a job's cycle its dead holder left 'running' is closed. */
  tryAcquire(name: string, publication: LeasePublication = {}): LeaseAcquisition {
    const address = publication.address ?? null;
    const detail = publication.detail ?? '{}';
    let reason: string | undefined;
    const result = this.store.acquireLease(
      { name, holder: this.owner.holder, pid: this.owner.pid, hostname: this.owner.hostname, address, detail, expiresAt: Date.now() + this.timing.ttlMs },
      (current) => (reason = staleReason(current, this.owner)) !== undefined,
    );
    if (!result.acquired) return result;
    this.held.set(name, { address, detail });
    this.startRenewal();
    if (result.reclaimed) {
      this.log.warn({ lease: name, previousHolder: describeHolder(result.reclaimed) }, `reclaimed lease ${name}: ${reason}`);
      const job = name.startsWith('job:') ? name.slice('job:'.length) : undefined;
      if (job !== undefined) {
        this.store.interruptRunningRuns(job, `interrupted: ${reason} before the cycle finished; every confirmed operation is recorded`);
      }
    }
    return result;
  }

  /**
   * Waits until the lease is ours. `onWait` hears about the holder once, when the first attempt
   * is refused; an aborted `signal` gives up with its reason.
   */
  async acquire(name: string, options: { signal?: AbortSignal; onWait?: (holder: LeaseRecord) => void; publication?: LeasePublication } = {}): Promise<void> {
    let told = false;
    for (;;) {
      options.signal?.throwIfAborted();
      const result = this.tryAcquire(name, options.publication);
      if (result.acquired) return;
      if (!told) {
        told = true;
        options.onWait?.(result.current);
      }
      await sleep(this.timing.pollMs, options.signal);
    }
  }

  holds(name: string): boolean {
    return this.held.has(name);
  }

  /** Replaces what the lease tells `status`; written at the next renewal. */
  publish(name: string, detail: string): void {
    const lease = this.held.get(name);
    if (lease) lease.detail = detail;
  }

  release(name: string): void {
    if (!this.held.delete(name)) return;
    this.store.releaseLease(name, this.owner.holder);
    if (this.held.size === 0) this.stopRenewal();
  }

  releaseAll(): void {
    for (const name of [...this.held.keys()]) this.release(name);
  }

  /** Renews every held lease now (the timer does this every third of the TTL). */
  renew(): void {
    const expiresAt = Date.now() + this.timing.ttlMs;
    for (const [name, lease] of this.held) {
      if (!this.store.renewLease(name, this.owner.holder, expiresAt, lease.detail)) {
        // Only possible after this process stalled past the TTL: another process may be writing now.
        this.held.delete(name);
        this.log.error({ lease: name }, `lost lease ${name} to another process after failing to renew it in time`);
      }
    }
  }

  private startRenewal(): void {
    if (this.renewal) return;
    this.renewal = setInterval(() => this.renew(), Math.max(1, Math.floor(this.timing.ttlMs / 3)));
    // The timer keeps leases alive; it must not keep a finished process alive.
    this.renewal.unref();
  }

  private stopRenewal(): void {
    clearInterval(this.renewal);
    this.renewal = undefined;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

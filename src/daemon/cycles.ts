/**
 * Runs the daemon's cycles: one at a time per job in this process (a queue per job), and one
 * writer per job across processes (the job's lease). A scheduled start that finds its job busy
 * is skipped; a requested one (POST /sync) waits its turn, so it reads the source after the
 * request was made.
 */
import type { LoadedConfig } from '../config/load.js';
import type { CycleReport } from '../engine/cycle.js';
import type { OnDemandReport } from '../engine/on-demand.js';
import type { Logger } from '../log.js';
import type { StateStore } from '../state/store.js';
import { selectJobs } from '../cli/runner.js';
import { describeHolder, jobLeaseName, type Leases } from './lock.js';
import type { DaemonMetrics } from './metrics.js';
import { summarize, type CycleRequest, type CycleSummary } from './sync-protocol.js';

/** Runs one cycle of one job (the engine, through the CLI's runner); a seam for tests. */
export type RunJob = (loaded: LoadedConfig, job: string, options: JobRunOptions) => Promise<CycleReport>;

/** Provisions one user of one job (provision on demand); a seam for tests. */
export type RunUser = (loaded: LoadedConfig, job: string, user: string) => Promise<OnDemandReport>;

export interface JobRunOptions {
  readonly allowDeletes: boolean;
  /** An operator asked for this cycle (POST /sync): a quarantined job runs anyway. */
  readonly force: boolean;
  /** Read the whole directory (--full, or POST /sync with full: true). */
  readonly full?: boolean;
}

/** Runs one scheduled reconcile of one job (report, or repair with jobs[].reconcile.repair); a seam for tests. */
export type RunReconcile = (loaded: LoadedConfig, job: string) => Promise<{ readonly outcome: string }>;

/** This daemon cannot run a requested cycle now (POST /sync answers 503). */
export class UnavailableError extends Error {
  override name = 'UnavailableError';
}

export class ShuttingDownError extends UnavailableError {
  override name = 'ShuttingDownError';
  constructor() {
    super('provisiond is shutting down; no new cycles start');
  }
}

export interface CycleCoordinatorDependencies {
  /** The config in force: read when a cycle starts, so a reload applies from the next cycle on. */
  readonly config: () => LoadedConfig;
  readonly store: StateStore;
  readonly leases: Leases;
  readonly log: Logger;
  readonly runJob: RunJob;
  /** Provision on demand (POST /sync with a user); without it, such requests are refused. */
  readonly runUser?: RunUser;
  /** Scheduled reconciliation (schedule.reconcileEvery). */
  readonly runReconcile?: RunReconcile;
  readonly metrics?: DaemonMetrics;
  /** Told after each cycle of a job, e.g. to log its next run. */
  readonly onCycleEnd?: (job: string) => void;
}

interface Lane {
  /** Cycles queued or running in this process. */
  size: number;
  tail: Promise<unknown>;
}

export class CycleCoordinator {
  private readonly lanes = new Map<string, Lane>();
  private readonly inFlight = new Map<string, Promise<unknown>>();
  /** Jobs with a reconcile queued or running. */
  private readonly reconciling = new Set<string>();
  private readonly stopping = new AbortController();

  constructor(private readonly deps: CycleCoordinatorDependencies) {}

  /** A scheduled start: runs unless this job's previous cycle is still running (or queued). */
  scheduled(job: string): void {
    if (this.stopping.signal.aborted) return;
    const lane = this.lane(job);
    if (lane.size > 0) {
      this.deps.log.warn({ job }, 'the previous cycle of this job is still running; skipping this scheduled start');
      return;
    }
    this.enqueue(job, 'scheduled', { allowDeletes: false, force: false }).catch((error: unknown) => {
      if (!(error instanceof ShuttingDownError)) this.deps.log.error({ job, error: messageOf(error) }, 'scheduled cycle could not run');
    });
  }

  /**
   * A scheduled reconcile: queued behind the job's running cycle (a reconcile beside a cycle would
   * see half its work), skipped while an earlier reconcile of the job is still queued or running.
   */
  scheduledReconcile(job: string): void {
    const run = this.deps.runReconcile;
    if (this.stopping.signal.aborted || !run) return;
    if (this.reconciling.has(job)) {
      this.deps.log.warn({ job }, 'the previous reconcile of this job is still running; skipping this scheduled start');
      return;
    }
    this.reconciling.add(job);
    const lane = this.lane(job);
    lane.size++;
    const task = lane.tail.then(() => this.reconcileOne(job, run));
    lane.tail = task.then(
      () => lane.size--,
      () => lane.size--,
    );
    task
      .catch((error: unknown) => {
        if (!(error instanceof ShuttingDownError)) this.deps.log.error({ job, error: messageOf(error) }, 'scheduled reconcile could not run');
      })
      .finally(() => this.reconciling.delete(job));
  }

  private async reconcileOne(job: string, run: RunReconcile): Promise<void> {
    const { leases, log } = this.deps;
    if (this.stopping.signal.aborted) throw new ShuttingDownError();
    const loaded = this.deps.config();
    if (!loaded.jobs.some((j) => j.config.name === job)) return;
    const lease = jobLeaseName(job);
    const attempt = leases.tryAcquire(lease);
    if (!attempt.acquired) {
      log.info({ job, holder: describeHolder(attempt.current) }, 'another process is running this job; skipping this scheduled reconcile');
      return;
    }
    log.info({ job, trigger: 'scheduled' }, 'reconcile starting');
    const running = run(loaded, job);
    this.inFlight.set(job, running);
    try {
      await running;
    } finally {
      this.inFlight.delete(job);
      leases.release(lease);
    }
  }

  /** A requested cycle of each selected job, each after the job's current cycle. Throws UsageError for an unknown job. */
  async request(request: CycleRequest): Promise<CycleSummary[]> {
    if (this.stopping.signal.aborted) throw new ShuttingDownError();
    const jobs = selectJobs(this.deps.config(), request.jobName).map((j) => j.config.name);
    const summaries = await Promise.all(
      jobs.map((job) =>
        this.enqueue(job, 'requested', { allowDeletes: request.allowDeletes, force: true, full: request.full }).catch((error: unknown): CycleSummary => {
          // Shutting down refuses the whole request; anything else fails this job only, and the others' answers still come back.
          if (error instanceof UnavailableError) throw error;
          const message = `cycle could not run: ${messageOf(error)}`;
          this.deps.log.error({ job, error: messageOf(error) }, 'requested cycle could not run');
          return { job, outcome: 'failed', message, counts: {}, durationMs: 0 };
        }),
      ),
    );
    return summaries.filter((s): s is CycleSummary => s !== undefined);
  }

  /**
   * Provision on demand: one user of one job, in the job's lane like a requested cycle (after the
   * one running, under the job's lease). Throws UsageError for an unknown job.
   */
  async provisionUser(jobName: string, user: string): Promise<OnDemandReport> {
    if (this.stopping.signal.aborted) throw new ShuttingDownError();
    const runUser = this.deps.runUser;
    if (!runUser) throw new UnavailableError('this daemon does not provision single users');
    const [job] = selectJobs(this.deps.config(), jobName).map((j) => j.config.name) as [string];
    const lane = this.lane(job);
    lane.size++;
    const run = lane.tail.then(async () => {
      if (this.stopping.signal.aborted) throw new ShuttingDownError();
      const lease = jobLeaseName(job);
      await this.deps.leases.acquire(lease, {
        signal: this.stopping.signal,
        onWait: (holder) => this.deps.log.info({ job, holder: describeHolder(holder) }, 'waiting for another process to finish its cycle of this job'),
      });
      this.deps.log.info({ job, user }, 'provision on demand starting');
      const running = runUser(this.deps.config(), job, user);
      this.inFlight.set(job, running);
      try {
        return await running;
      } finally {
        this.inFlight.delete(job);
        this.deps.leases.release(lease);
      }
    });
    lane.tail = run.then(
      () => lane.size--,
      () => lane.size--,
    );
    return run;
  }

  isRunning(job: string): boolean {
    return this.inFlight.has(job);
  }

  runningJobs(): string[] {
    return [...this.inFlight.keys()];
  }

  /**
   * Stops starting cycles (queued ones are refused, waits for a lease are given up) and waits up to
   * `timeoutMs` for the running ones. Resolves true when they all finished in time.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    this.stopping.abort(new ShuttingDownError());
    const running = Promise.allSettled([...this.inFlight.values()]).then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([running, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private lane(job: string): Lane {
    let lane = this.lanes.get(job);
    if (!lane) {
      lane = { size: 0, tail: Promise.resolve() };
      this.lanes.set(job, lane);
    }
    return lane;
  }

  private enqueue(job: string, trigger: 'scheduled' | 'requested', options: JobRunOptions): Promise<CycleSummary | undefined> {
    const lane = this.lane(job);
    lane.size++;
    const run = lane.tail.then(() => this.runOne(job, trigger, options));
    lane.tail = run.then(
      () => lane.size--,
      () => lane.size--,
    );
    return run;
  }

  private async runOne(job: string, trigger: 'scheduled' | 'requested', options: JobRunOptions): Promise<CycleSummary | undefined> {
    const { leases, log } = this.deps;
    if (this.stopping.signal.aborted) throw new ShuttingDownError();
    const loaded = this.deps.config();
    if (!loaded.jobs.some((j) => j.config.name === job)) {
      log.warn({ job }, 'the job is no longer in the config; not running it');
      return undefined;
    }
    const lease = jobLeaseName(job);
    if (trigger === 'scheduled') {
      const attempt = leases.tryAcquire(lease);
      if (!attempt.acquired) {
        log.info({ job, holder: describeHolder(attempt.current) }, 'another process is running this job (a --sync-now); skipping this scheduled start');
        return undefined;
      }
    } else {
      await leases.acquire(lease, {
        signal: this.stopping.signal,
        onWait: (holder) => log.info({ job, holder: describeHolder(holder) }, 'waiting for another process to finish its cycle of this job'),
      });
    }
    log.info({ job, trigger, ...(options.allowDeletes ? { allowDeletes: true } : {}) }, 'cycle starting');
    const cycle = this.runHoldingLease(loaded, job, options);
    this.inFlight.set(job, cycle);
    try {
      return await cycle;
    } finally {
      this.inFlight.delete(job);
      leases.release(lease);
      this.deps.onCycleEnd?.(job);
    }
  }

  private async runHoldingLease(loaded: LoadedConfig, job: string, options: JobRunOptions): Promise<CycleSummary> {
    const started = Date.now();
    try {
      const report = await this.deps.runJob(loaded, job, options);
      this.deps.metrics?.observeCycle(report);
      return summarize(report, this.deps.store);
    } catch (error) {
      // The engine reports what it can; an exception is a bug or a broken dependency (the state database).
      const message = messageOf(error);
      const durationMs = Date.now() - started;
      this.deps.log.error({ job, error: message }, 'cycle crashed');
      this.deps.metrics?.observeCrash(job, durationMs);
      try {
        this.deps.store.interruptRunningRuns(job, `crashed: ${message}`);
      } catch {
        // The store itself may be what broke; the next start reconciles from the snapshot.
      }
      return { job, outcome: 'failed', message: `cycle crashed: ${message}`, counts: {}, durationMs };
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

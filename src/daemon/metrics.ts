/**
 * Prometheus metrics for /metrics. Counters and the duration histogram move with each cycle this
 * daemon runs; gauges about the snapshot (links, pending failures, last success) are read from
 * the state database at scrape time, so they also reflect cycles a `--sync-now` ran beside it.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { readQuarantine } from '../engine/cycle.js';
import type { CycleOutcome, CycleReport } from '../engine/cycle.js';
import { lastReconcile } from '../engine/reconcile/report.js';
import type { CycleProgress, StateStore } from '../state/store.js';
import { productVersion } from '../version.js';
import type { SyncRequestResult } from './http.js';

export interface MetricSources {
  readonly store: StateStore;
  jobs(): readonly string[];
  nextRun(job: string): Date | undefined;
  running(job: string): boolean;
}

/**
 * A cycle report's counts, sorted into families that each add up to something: user operations
 * (one per user the cycle acted on, sent or not), group operations (one per group), membership
 * changes (one per member added to or removed from a group, in however many requests); beside
 * them, deprovisioning the safety guard held back (users' and groups') and source objects skipped.
 * Each family maps the report's count key to the metric's `outcome` label.
 */
export const USER_OUTCOMES = {
  created: 'created',
  recreated: 'recreated',
  linked: 'linked',
  updated: 'updated',
  enabled: 'enabled',
  disabled: 'disabled',
  deleted: 'deleted',
  failed: 'failed',
  // Not sent because the target refused the credentials earlier in the cycle.
  notSent: 'notSent',
  // Escrow: a failed operation waiting for its retry time, or parked until the user changes.
  deferred: 'deferred',
  parked: 'parked',
} as const;

export const GROUP_OUTCOMES = {
  groupsCreated: 'created',
  groupsLinked: 'linked',
  groupsUpdated: 'updated',
  groupsDeleted: 'deleted',
  groupsFailed: 'failed',
} as const;

export const MEMBERSHIP_OUTCOMES = {
  membersAdded: 'added',
  membersRemoved: 'removed',
  membersFailed: 'failed',
} as const;

const RECONCILE_CATEGORIES = ['drifted', 'missingInApp', 'unmanaged', 'membershipDrift', 'pendingCreate'] as const;

const PLANNED_PREFIX = 'planned.';
const BY_KIND_PREFIX = 'op.';

export interface OperationTally {
  readonly users: ReadonlyMap<string, number>;
  readonly groups: ReadonlyMap<string, number>;
  readonly memberships: ReadonlyMap<string, number>;
  /** Disables and deletes (users' and groups') a safety guard held back. */
  readonly held: number;
  /** Objects left out: unmappable, unusable in the source's answer, or in conflict with another. */
  readonly skipped: number;
  readonly planned: ReadonlyMap<string, number>;
  /** Sent operations by kind and outcome, from the cycle's `op.<kind>.<outcome>` counts. */
  readonly byKind: readonly { readonly kind: string; readonly outcome: string; readonly count: number }[];
}

export function tallyOperations(counts: Readonly<Record<string, number>>): OperationTally {
  const family = (outcomes: Readonly<Record<string, string>>): Map<string, number> => {
    const tally = new Map<string, number>();
    for (const [key, outcome] of Object.entries(outcomes)) {
      const count = counts[key] ?? 0;
      if (count > 0) tally.set(outcome, count);
    }
    return tally;
  };
  const planned = new Map<string, number>();
  for (const [key, count] of Object.entries(counts)) {
    if (key.startsWith(PLANNED_PREFIX) && count > 0) planned.set(key.slice(PLANNED_PREFIX.length), count);
  }
  const byKind = Object.entries(counts).flatMap(([key, count]) => {
    if (!key.startsWith(BY_KIND_PREFIX) || count <= 0) return [];
    const rest = key.slice(BY_KIND_PREFIX.length);
    const dot = rest.lastIndexOf('.');
    return dot > 0 ? [{ kind: rest.slice(0, dot), outcome: rest.slice(dot + 1), count }] : [];
  });
  return {
    users: family(USER_OUTCOMES),
    groups: family(GROUP_OUTCOMES),
    memberships: family(MEMBERSHIP_OUTCOMES),
    held: counts.held ?? 0,
    skipped: counts.skipped ?? 0,
    planned,
    byKind,
  };
}

/** Outcomes of runs that got as far as the guard (a quarantined run stops before it). */
const GUARDED_RUNS = ['success', 'failed', 'partial', 'guarded'] as const;
const FINISHED_RUNS: readonly CycleOutcome[] = ['success', 'failed', 'partial', 'guarded', 'quarantined'];

export class DaemonMetrics {
  readonly registry = new Registry();
  private readonly cycles: Counter<'job' | 'outcome'>;
  private readonly userOperations: Counter<'job' | 'outcome'>;
  private readonly groupOperations: Counter<'job' | 'outcome'>;
  private readonly membershipChanges: Counter<'job' | 'outcome'>;
  private readonly deprovisionsHeld: Counter<'job'>;
  private readonly skippedObjects: Counter<'job'>;
  private readonly planned: Counter<'job' | 'kind'>;
  private readonly operationsByKind: Counter<'job' | 'kind' | 'outcome'>;
  private readonly duration: Histogram<'job'>;
  private readonly sourceRequests: Counter<'job'>;
  private readonly sourceThrottled: Counter<'job'>;
  private readonly targetRequests: Counter<'job'>;
  private readonly targetRetries: Counter<'job'>;
  private readonly targetThrottled: Counter<'job'>;
  private readonly reloads: Counter<'result'>;
  private readonly syncRequests: Counter<'result'>;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'provisiond_build_info',
      help: 'Always 1; its labels say which provisiond and which Node.js run',
      labelNames: ['version', 'node'],
      registers,
    }).set({ version: productVersion(), node: process.version }, 1);
    this.cycles = new Counter({ name: 'provisiond_cycles_total', help: 'Cycles run by this daemon, by job and outcome', labelNames: ['job', 'outcome'], registers });
    this.operationsByKind = new Counter({
      name: 'provisiond_operations_by_kind_total',
      help: 'Operations sent to the target by job, kind (create, update, enable, disable, delete, create-group, add-members, …) and outcome',
      labelNames: ['job', 'kind', 'outcome'],
      registers,
    });
    const outcomes = (family: Readonly<Record<string, string>>) => Object.values(family).join(', ');
    this.userOperations = new Counter({
      name: 'provisiond_user_operations_total',
      help: `User operations by job and outcome (${outcomes(USER_OUTCOMES)}): one per user a cycle acted on`,
      labelNames: ['job', 'outcome'],
      registers,
    });
    this.groupOperations = new Counter({
      name: 'provisiond_group_operations_total',
      help: `Group operations by job and outcome (${outcomes(GROUP_OUTCOMES)}): one per group a cycle created, updated or deleted`,
      labelNames: ['job', 'outcome'],
      registers,
    });
    this.membershipChanges = new Counter({
      name: 'provisiond_membership_changes_total',
      help: `Group members by job and outcome (${outcomes(MEMBERSHIP_OUTCOMES)}): one per member added to or removed from a group`,
      labelNames: ['job', 'outcome'],
      registers,
    });
    this.deprovisionsHeld = new Counter({
      name: 'provisiond_deprovisions_held_total',
      help: 'Disables and deletes (users and groups) a safety guard held back, counted in each cycle that held them',
      labelNames: ['job'],
      registers,
    });
    this.skippedObjects = new Counter({
      name: 'provisiond_skipped_objects_total',
      help: 'Source objects a cycle left out (unmappable, unusable in the source answer, in conflict with another)',
      labelNames: ['job'],
      registers,
    });
    this.planned = new Counter({
      name: 'provisiond_operations_planned_total',
      help: 'Operations planned, by job and kind (create, update, enable, disable, delete, …)',
      labelNames: ['job', 'kind'],
      registers,
    });
    this.duration = new Histogram({
      name: 'provisiond_cycle_duration_seconds',
      help: 'Wall time of a cycle, read to record',
      labelNames: ['job'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 2400, 3600],
      registers,
    });
    this.sourceRequests = new Counter({ name: 'provisiond_source_requests_total', help: 'Requests to the identity provider', labelNames: ['job'], registers });
    this.sourceThrottled = new Counter({
      name: 'provisiond_source_throttled_seconds_total',
      help: 'Time spent waiting out identity provider throttling (429/503 Retry-After)',
      labelNames: ['job'],
      registers,
    });
    this.targetRequests = new Counter({ name: 'provisiond_target_requests_total', help: 'Requests to the SCIM target, retries included', labelNames: ['job'], registers });
    this.targetRetries = new Counter({ name: 'provisiond_target_retries_total', help: 'SCIM requests retried', labelNames: ['job'], registers });
    this.targetThrottled = new Counter({
      name: 'provisiond_target_throttled_seconds_total',
      help: 'Time spent waiting out SCIM target throttling and retry backoff',
      labelNames: ['job'],
      registers,
    });
    this.reloads = new Counter({ name: 'provisiond_config_reloads_total', help: 'Config reloads, by result (applied, refused)', labelNames: ['result'], registers });
    this.syncRequests = new Counter({
      name: 'provisiond_sync_requests_total',
      help: 'POST /sync requests by result, counted when answered: accepted (the cycles ran), unauthorized, disabled (no server.token), invalid (body), unknown_job, unavailable (shutting down, or not serving the database), error',
      labelNames: ['result'],
      registers,
    });

    const perJob = (gauge: Gauge<'job'>, value: (job: string) => number | undefined): void => {
      gauge.reset();
      for (const job of sources.jobs()) {
        const v = value(job);
        if (v !== undefined) gauge.set({ job }, v);
      }
    };
    new Gauge({
      name: 'provisiond_linked_objects',
      help: 'Objects in the snapshot linked to a target object, by job, kind and state',
      labelNames: ['job', 'kind', 'state'],
      registers,
      collect() {
        this.reset();
        for (const job of sources.jobs()) {
          for (const { kind, state, count } of sources.store.linkCounts(job)) this.set({ job, kind, state }, count);
        }
      },
    });
    new Gauge({
      name: 'provisiond_pending_operations',
      help: 'Failed operations in escrow, retried next cycle',
      labelNames: ['job'],
      registers,
      collect() {
        perJob(this, (job) => sources.store.pendingFailures(job).length);
      },
    });
    new Gauge({
      name: 'provisiond_held_operations',
      help: 'Disables and deletes the last finished cycle held back by a safety guard',
      labelNames: ['job'],
      registers,
      collect() {
        perJob(this, (job) => sources.store.latestRun(job, GUARDED_RUNS)?.counts.held ?? 0);
      },
    });
    // From the state database, so a --sync-now's cycle counts as well as the daemon's own.
    new Gauge({
      name: 'provisiond_last_cycle_outcome',
      help: `1 for the outcome of the job's last finished cycle, 0 for the others (${FINISHED_RUNS.join(', ')}); absent before its first cycle`,
      labelNames: ['job', 'outcome'],
      registers,
      collect() {
        this.reset();
        for (const job of sources.jobs()) {
          const last = sources.store.latestRun(job, FINISHED_RUNS);
          if (last) for (const outcome of FINISHED_RUNS) this.set({ job, outcome }, last.outcome === outcome ? 1 : 0);
        }
      },
    });
    new Gauge({
      name: 'provisiond_last_cycle_timestamp_seconds',
      help: "When the job's last finished cycle ended, whatever its outcome (Unix time)",
      labelNames: ['job'],
      registers,
      collect() {
        perJob(this, (job) => {
          const finishedAt = sources.store.latestRun(job, FINISHED_RUNS)?.finishedAt;
          return finishedAt ? Date.parse(finishedAt) / 1000 : undefined;
        });
      },
    });
    new Gauge({
      name: 'provisiond_last_success_timestamp_seconds',
      help: 'When the last successful cycle of the job finished (Unix time)',
      labelNames: ['job'],
      registers,
      collect() {
        perJob(this, (job) => {
          const finishedAt = sources.store.latestRun(job, ['success'])?.finishedAt;
          return finishedAt ? Date.parse(finishedAt) / 1000 : undefined;
        });
      },
    });
    new Gauge({
      name: 'provisiond_next_run_timestamp_seconds',
      help: 'When the next scheduled cycle of the job starts (Unix time)',
      labelNames: ['job'],
      registers,
      collect() {
        perJob(this, (job) => {
          const next = sources.nextRun(job);
          return next ? next.getTime() / 1000 : undefined;
        });
      },
    });
    new Gauge({
      name: 'provisiond_quarantined_until_timestamp_seconds',
      help: 'While the job is quarantined (its target failing wholesale), when scheduled cycles resume (Unix time); absent otherwise',
      labelNames: ['job'],
      registers,
      collect() {
        perJob(this, (job) => {
          const until = readQuarantine(sources.store, job)?.until;
          return until && Date.parse(until) > Date.now() ? Date.parse(until) / 1000 : undefined;
        });
      },
    });
    // While a cycle runs: its current phase, read from the run's progress in the state database.
    const progressGauges: readonly [string, string, (progress: CycleProgress) => number | undefined][] = [
      ['provisiond_cycle_progress_done', 'While a cycle runs: work done in its current phase (label phase: read groups, sync users, sync groups, sync memberships, deprovision users)', (p) => p.done],
      ['provisiond_cycle_progress_total', 'While a cycle runs: the work its current phase has in all, when known', (p) => p.total],
      ['provisiond_cycle_progress_eta_seconds', 'While a cycle runs: seconds left in its current phase at the current rate, when known', (p) => p.etaSeconds],
    ];
    for (const [name, help, valueOf] of progressGauges) {
      new Gauge({
        name,
        help,
        labelNames: ['job', 'phase'],
        registers,
        collect() {
          this.reset();
          for (const job of sources.jobs()) {
            const progress = sources.store.latestRun(job, ['running'])?.progress;
            const value = progress && valueOf(progress);
            if (progress && value !== undefined) this.set({ job, phase: progress.phase }, value);
          }
        },
      });
    }
    // The job's last reconcile (provisiond reconcile or schedule.reconcileEvery), from the state database.
    new Gauge({
      name: 'provisiond_reconcile_objects',
      help: 'What the last reconcile of the job found, by category: drifted, missingInApp, unmanaged, membershipDrift, pendingCreate',
      labelNames: ['job', 'category'],
      registers,
      collect() {
        this.reset();
        for (const job of sources.jobs()) {
          const last = lastReconcile(sources.store, job);
          if (!last || last.outcome === 'failed') continue;
          for (const category of RECONCILE_CATEGORIES) this.set({ job, category }, last.counts[category]);
        }
      },
    });
    new Gauge({
      name: 'provisiond_reconcile_last_timestamp_seconds',
      help: 'When the last reconcile of the job finished (Unix time), by outcome: in-sync, drift or failed',
      labelNames: ['job', 'outcome'],
      registers,
      collect() {
        this.reset();
        for (const job of sources.jobs()) {
          const last = lastReconcile(sources.store, job);
          if (last) this.set({ job, outcome: last.outcome }, Date.parse(last.finishedAt) / 1000);
        }
      },
    });
    new Gauge({
      name: 'provisiond_cycle_running',
      help: '1 while a cycle of the job runs in this daemon',
      labelNames: ['job'],
      registers,
      collect() {
        perJob(this, (job) => (sources.running(job) ? 1 : 0));
      },
    });
  }

  observeCycle(report: CycleReport): void {
    const job = report.job;
    this.cycles.inc({ job, outcome: report.outcome });
    this.duration.observe({ job }, report.durationMs / 1000);
    const counts = report.counts;
    const tally = tallyOperations(counts);
    for (const [outcome, count] of tally.users) this.userOperations.inc({ job, outcome }, count);
    for (const [outcome, count] of tally.groups) this.groupOperations.inc({ job, outcome }, count);
    for (const [outcome, count] of tally.memberships) this.membershipChanges.inc({ job, outcome }, count);
    if (tally.held > 0) this.deprovisionsHeld.inc({ job }, tally.held);
    if (tally.skipped > 0) this.skippedObjects.inc({ job }, tally.skipped);
    for (const [kind, count] of tally.planned) this.planned.inc({ job, kind }, count);
    for (const { kind, outcome, count } of tally.byKind) this.operationsByKind.inc({ job, kind, outcome }, count);
    this.sourceRequests.inc({ job }, counts.sourceRequests ?? 0);
    this.sourceThrottled.inc({ job }, (counts.sourceThrottledMs ?? 0) / 1000);
    this.targetRequests.inc({ job }, counts.targetRequests ?? 0);
    this.targetRetries.inc({ job }, counts.targetRetries ?? 0);
    this.targetThrottled.inc({ job }, (counts.targetThrottledMs ?? 0) / 1000);
  }

  /** A cycle that ended in an exception rather than a report. */
  observeCrash(job: string, durationMs: number): void {
    this.cycles.inc({ job, outcome: 'failed' });
    this.duration.observe({ job }, durationMs / 1000);
  }

  observeReload(result: 'applied' | 'refused'): void {
    this.reloads.inc({ result });
  }

  observeSyncRequest(result: SyncRequestResult): void {
    this.syncRequests.inc({ result });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

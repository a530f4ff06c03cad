/**
 * Prometheus metrics for /metrics. Counters and the duration histogram move with each cycle this
 * daemon runs; gauges about the snapshot (links, pending failures, last success) are read from
 * the state database at scrape time, so they also reflect cycles a `--sync-now` ran beside it.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { readQuarantine } from '../engine/cycle.js';
import type { CycleReport } from '../engine/cycle.js';
import { lastReconcile } from '../engine/reconcile/report.js';
import type { CycleProgress, StateStore } from '../state/store.js';

export interface MetricSources {
  readonly store: StateStore;
  jobs(): readonly string[];
  nextRun(job: string): Date | undefined;
  running(job: string): boolean;
}

/**
 * Counts in a cycle report that are operation outcomes: the apply stage's results for users and
 * groups, plus what the guard held back and escrow deferred or parked. `failed` is every failed
 * operation, users' and groups' alike. Kind and outcome are separate counters because the report
 * has them separately (`planned.<kind>`, and one count per result): an update can end
 * `recreated`, so a kind×outcome product would be a guess.
 */
export const OPERATION_OUTCOMES = [
  'created',
  'recreated',
  'linked',
  'updated',
  'enabled',
  'disabled',
  'deleted',
  'failed',
  // Not sent because the target refused the credentials earlier in the cycle.
  'notSent',
  'held',
  'deferred',
  'parked',
  'skipped',
  'groupsCreated',
  'groupsLinked',
  'groupsUpdated',
  'groupsDeleted',
  'membersAdded',
  'membersRemoved',
] as const;

const RECONCILE_CATEGORIES = ['drifted', 'missingInApp', 'unmanaged', 'membershipDrift', 'pendingCreate'] as const;

const PLANNED_PREFIX = 'planned.';
const BY_KIND_PREFIX = 'op.';

export interface OperationTally {
  readonly outcomes: ReadonlyMap<string, number>;
  readonly planned: ReadonlyMap<string, number>;
  /** Sent operations by kind and outcome, from the cycle's `op.<kind>.<outcome>` counts. */
  readonly byKind: readonly { readonly kind: string; readonly outcome: string; readonly count: number }[];
}

export function tallyOperations(counts: Readonly<Record<string, number>>): OperationTally {
  const outcomes = new Map<string, number>();
  for (const outcome of OPERATION_OUTCOMES) {
    const count = counts[outcome] ?? 0;
    if (count > 0) outcomes.set(outcome, count);
  }
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
  return { outcomes, planned, byKind };
}

/** Outcomes of runs that got as far as the guard (a quarantined run stops before it). */
const GUARDED_RUNS = ['success', 'failed', 'partial', 'guarded'] as const;

export class DaemonMetrics {
  readonly registry = new Registry();
  private readonly cycles: Counter<'job' | 'outcome'>;
  private readonly operations: Counter<'job' | 'outcome'>;
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
    this.cycles = new Counter({ name: 'provisiond_cycles_total', help: 'Cycles run by this daemon, by job and outcome', labelNames: ['job', 'outcome'], registers });
    this.operationsByKind = new Counter({
      name: 'provisiond_operations_by_kind_total',
      help: 'Operations sent to the target by job, kind (create, update, enable, disable, delete, create-group, add-members, …) and outcome',
      labelNames: ['job', 'kind', 'outcome'],
      registers,
    });
    this.operations = new Counter({
      name: 'provisiond_operations_total',
      help: `Operations by job and outcome (${OPERATION_OUTCOMES.join(', ')})`,
      labelNames: ['job', 'outcome'],
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
      help: 'POST /sync requests, by result (accepted, unauthorized, disabled, invalid)',
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
    for (const [outcome, count] of tally.outcomes) this.operations.inc({ job, outcome }, count);
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

  observeSyncRequest(result: 'accepted' | 'unauthorized' | 'disabled' | 'invalid'): void {
    this.syncRequests.inc({ result });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

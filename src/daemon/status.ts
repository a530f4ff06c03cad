/**
 * `provisiond status`: each job's recent runs, next run, the cycle running now and pending
 * failures, read from the state database alone, so it works beside a running daemon (WAL lets a
 * reader in while the daemon writes).
 */
import { formatTable } from '../cli/table.js';
import { readQuarantine } from '../engine/cycle.js';
import type { QuarantineState } from '../engine/quarantine.js';
import { lastReconcile, type ReconcileSummary } from '../engine/reconcile/report.js';
import type { LeaseRecord, PendingFailure, RunRecord, StateStore } from '../state/store.js';
import { DAEMON_LEASE, describeHolder, jobLeaseName, staleReason, type LeaseOwner } from './lock.js';
import type { DaemonDetail } from './daemon.js';

export interface DaemonStatus {
  readonly pid: number;
  readonly hostname: string;
  readonly address: string | null;
  readonly startedAt?: string;
}

export interface JobStatus {
  readonly job: string;
  readonly schedule?: string;
  /** Only while a daemon runs: nothing else schedules cycles. */
  readonly nextRunAt?: string;
  /** The process running a cycle of this job right now. */
  readonly runningBy?: string;
  readonly runs: readonly RunRecord[];
  readonly pending: readonly PendingFailure[];
  /** Scheduled cycles are skipped until then, because the target failed wholesale. */
  readonly quarantine?: QuarantineState;
  /** The last `provisiond reconcile` (or scheduled reconciliation) of the job. */
  readonly lastReconcile?: ReconcileSummary & { readonly finishedAt: string };
}

export interface StatusReport {
  readonly statePath: string;
  readonly daemon?: DaemonStatus;
  readonly jobs: readonly JobStatus[];
}

export function collectStatus(store: StateStore, statePath: string, jobs: readonly string[], observer: LeaseOwner, runsPerJob: number): StatusReport {
  const live = (lease: LeaseRecord | undefined) => (lease && staleReason(lease, observer) === undefined ? lease : undefined);
  const daemonLease = live(store.lease(DAEMON_LEASE));
  const detail = daemonLease ? parseDetail(daemonLease.detail) : undefined;
  return {
    statePath,
    ...(daemonLease
      ? {
          daemon: {
            pid: daemonLease.pid,
            hostname: daemonLease.hostname,
            address: daemonLease.address,
            ...(detail?.startedAt ? { startedAt: detail.startedAt } : {}),
          },
        }
      : {}),
    jobs: jobs.map((job) => {
      const running = live(store.lease(jobLeaseName(job)));
      const schedule = detail?.schedules?.[job];
      const nextRunAt = detail?.nextRuns?.[job];
      const quarantine = readQuarantine(store, job);
      const reconciled = lastReconcile(store, job);
      return {
        job,
        ...(schedule ? { schedule } : {}),
        ...(nextRunAt ? { nextRunAt } : {}),
        ...(running ? { runningBy: running.pid === daemonLease?.pid && running.hostname === daemonLease.hostname ? 'the daemon' : describeHolder(running) } : {}),
        runs: store.recentRuns(job, runsPerJob),
        pending: store.pendingFailures(job),
        ...(quarantine ? { quarantine } : {}),
        ...(reconciled ? { lastReconcile: reconciled } : {}),
      };
    }),
  };
}

function parseDetail(text: string): Partial<DaemonDetail> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' ? (value as Partial<DaemonDetail>) : undefined;
  } catch {
    return undefined;
  }
}

/** Result counts worth a glance, as table columns (several counters to one); the rest is in `--json`. */
const SHOWN_COUNTS: readonly { readonly title: string; readonly keys: readonly string[] }[] = [
  { title: 'READ', keys: ['read'] },
  { title: 'CREATED', keys: ['created', 'recreated', 'linked', 'groupsCreated', 'groupsLinked'] },
  { title: 'UPDATED', keys: ['updated', 'enabled', 'groupsUpdated'] },
  { title: 'DISABLED', keys: ['disabled'] },
  { title: 'DELETED', keys: ['deleted', 'groupsDeleted'] },
  { title: 'MEMBERS', keys: ['membersAdded', 'membersRemoved'] },
  { title: 'FAILED', keys: ['failed', 'groupsFailed', 'membershipFailed', 'skipped'] },
  { title: 'HELD', keys: ['held'] },
];

export function formatStatus(report: StatusReport): string {
  const lines: string[] = [`state: ${report.statePath}`];
  const daemon = report.daemon;
  lines.push(
    daemon
      ? `daemon: running, pid ${daemon.pid} on ${daemon.hostname}${daemon.startedAt ? ` since ${daemon.startedAt}` : ''}${daemon.address ? `, ${daemon.address}` : ''}`
      : 'daemon: not running (nothing is scheduled)',
  );
  for (const job of report.jobs) {
    lines.push('', `job ${job.job}${job.schedule ? ` (${job.schedule})` : ''}`);
    lines.push(`  next run:  ${job.nextRunAt ?? (daemon ? 'not scheduled' : '-')}`);
    if (job.runningBy) lines.push(`  running:   now, by ${job.runningBy}`);
    if (job.quarantine && Date.parse(job.quarantine.until) > Date.now()) {
      lines.push(`  QUARANTINED until ${job.quarantine.until} (since ${job.quarantine.since}): ${job.quarantine.reason}; \`provisiond --sync-now --job ${job.job}\` tries now`);
    }
    if (job.runs.length === 0) lines.push('  last runs: none');
    else {
      lines.push('  last runs:');
      // A counter none of these runs has (members, for a job without groups) is left out, to keep the table narrow.
      const shown = SHOWN_COUNTS.filter((c) => c.title === 'FAILED' || job.runs.some((run) => c.keys.some((k) => run.counts[k] !== undefined)));
      lines.push(
        ...formatTable(
          [{ title: 'RUN' }, { title: 'STARTED' }, { title: 'TOOK', align: 'right' }, { title: 'OUTCOME' }, ...shown.map((c) => ({ title: c.title, align: 'right' as const })), { title: 'MESSAGE' }],
          job.runs.map((run) => runRow(run, shown)),
          '    ',
        ),
      );
    }
    if (job.lastReconcile) lines.push(`  last reconcile: ${formatReconcileSummary(job.lastReconcile)}`);
    if (job.pending.length === 0) lines.push('  pending failures: none');
    else {
      lines.push(`  pending failures (${job.pending.length}; parked ones wait for a change at the source):`);
      lines.push(
        ...formatTable(
          [{ title: 'OBJECT' }, { title: 'OPERATION' }, { title: 'ATTEMPTS', align: 'right' }, { title: 'LAST FAILED' }, { title: 'NEXT TRY' }, { title: 'ERROR' }],
          job.pending.map((f) => [
            `${f.kind} ${f.label}`,
            f.operation,
            String(f.attempts),
            shortTime(f.lastFailedAt),
            f.nextAttemptAt ? shortTime(f.nextAttemptAt) : 'next cycle',
            `${f.lastStatus ?? '-'} ${f.lastError}`,
          ]),
          '    ',
        ),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

function formatReconcileSummary(last: ReconcileSummary & { readonly finishedAt: string }): string {
  if (last.outcome === 'failed' && last.error && !last.repair) return `${last.finishedAt}  failed — ${last.error}`;
  const c = last.counts;
  const found = `${c.drifted} drifted, ${c.missingInApp} missing, ${c.membershipDrift} membership drift, ${c.unmanaged} unmanaged, ${c.pendingCreate} pending create`;
  const r = last.repair;
  const repaired = r ? `; repaired: ${r.updated} updated, ${r.recreated} re-created, ${r.relinked} re-linked, ${r.adopted} adopted, ${r.membersAdded + r.membersRemoved} member change(s), ${r.failed} failed` : '';
  return `${last.finishedAt}  ${last.outcome}  ${found}${repaired}${last.error ? ` — ${last.error}` : ''}`;
}

function runRow(run: RunRecord, shown: typeof SHOWN_COUNTS): string[] {
  const progress = run.progress;
  const running = progress
    ? `running: ${progress.phase} ${progress.total === undefined ? progress.done : `${progress.done}/${progress.total}`} at ${progress.rate}/s${progress.etaSeconds === undefined ? '' : `, ETA ${formatDuration(progress.etaSeconds * 1000)}`}`
    : undefined;
  const took = run.finishedAt ? formatDuration(Date.parse(run.finishedAt) - Date.parse(run.startedAt)) : '…';
  const counts = shown.map(({ keys }) => {
    const present = keys.filter((k) => run.counts[k] !== undefined);
    return present.length === 0 ? '-' : String(present.reduce((n, k) => n + (run.counts[k] ?? 0), 0));
  });
  return [`#${run.id}`, shortTime(run.startedAt), took, run.outcome, ...counts, running ?? run.message ?? ''];
}

/** 2026-01-01T00:40:00.000Z → 2026-01-01 00:40:00Z: the same instant, easier on the eye. */
function shortTime(iso: string): string {
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(iso) ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z` : iso;
}
function formatDuration(ms: number): string {
  if (ms < 1_000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1_000)).padStart(2, '0')}s`;
}

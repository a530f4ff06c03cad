/**
 * What `--sync-now` says when it is done, for the person who ran it: per job the outcome, the
 * counts, each object that failed and why, what the safety guard held and the exact command that
 * releases it, and what to do next. A block of text on a terminal; one JSON line (the last line on
 * stdout) for log stores and scripts. Pure: run.ts prints it.
 */
import type { CycleSummary, ObjectFailure } from '../daemon/sync-protocol.js';
import { formatDuration } from '../log-pretty.js';
import { EXIT } from './exit.js';

export interface SummaryContext {
  /** How the user invoked provisiond, so that the commands we suggest work when pasted: `provisiond --config x.yaml`. */
  readonly command: string;
  readonly exitCode: number;
  /** Lines of failures and held objects shown per job (the JSON line carries everything the summary holds). */
  readonly listLimit?: number;
}

export interface JobSummary {
  readonly job: string;
  readonly runId?: number;
  readonly outcome: CycleSummary['outcome'];
  readonly durationMs: number;
  readonly message?: string;
  readonly counts: {
    readonly read: number;
    readonly created: number;
    readonly updated: number;
    readonly enabled: number;
    readonly disabled: number;
    readonly deleted: number;
    readonly membersAdded: number;
    readonly membersRemoved: number;
    readonly failed: number;
    readonly skipped: number;
    readonly parked: number;
  };
  readonly failures: readonly ObjectFailure[];
  /** Failed objects the summary does not name (the daemon lists LISTED_OBJECTS at most). */
  readonly failuresNotListed: number;
  readonly held?: CycleSummary['guard'] & { readonly release: string | null };
  /** What to do next, as sentences with the commands in backquotes. */
  readonly next: readonly string[];
}

export interface SyncNowSummary {
  readonly exitCode: number;
  readonly exitMeaning: string;
  readonly jobs: readonly JobSummary[];
}

const EXIT_MEANINGS: Record<number, string> = {
  [EXIT.ok]: 'every cycle succeeded',
  [EXIT.failed]: 'a cycle failed',
  [EXIT.config]: 'bad config or usage',
  [EXIT.held]: 'deprovisioning was held back by a safety guard',
};

export function buildSyncSummary(summaries: readonly CycleSummary[], context: SummaryContext): SyncNowSummary {
  return {
    exitCode: context.exitCode,
    exitMeaning: EXIT_MEANINGS[context.exitCode] ?? 'unknown',
    jobs: summaries.map((s) => jobSummary(s, context.command)),
  };
}

function jobSummary(summary: CycleSummary, command: string): JobSummary {
  const c = summary.counts;
  const n = (...keys: string[]) => keys.reduce((sum, key) => sum + (c[key] ?? 0), 0);
  const counts = {
    read: n('read'),
    created: n('created', 'recreated', 'linked', 'groupsCreated', 'groupsLinked'),
    updated: n('updated', 'groupsUpdated'),
    enabled: n('enabled'),
    disabled: n('disabled'),
    deleted: n('deleted', 'groupsDeleted'),
    membersAdded: n('membersAdded'),
    membersRemoved: n('membersRemoved'),
    failed: n('failed', 'groupsFailed', 'membershipFailed'),
    skipped: n('skipped'),
    parked: n('parked'),
  };
  const failures = summary.failures ?? [];
  const job = summary.job;
  const rerun = `${command} --sync-now --job ${job}`;
  const guard = summary.guard;
  const release = guard?.verdict === 'guarded' ? `${rerun} --allow-deletes` : null;
  const next: string[] = [];
  if (guard?.verdict === 'guarded') {
    next.push(
      `Review the ${guard.count} held disable(s)/delete(s) with \`${command} plan --job ${job}\`. If they are expected, release them once with \`${release}\` (or raise safety.maxDeletes); if not, check the source and the job's scope — nothing was deprovisioned.`,
    );
  } else if (guard?.verdict === 'partial') {
    next.push(
      `Nothing was disabled or deleted, because the source read was incomplete or shrank more than safety.maxSourceDrop allows; --allow-deletes does not release this. Fix the read (see the reason above), then run \`${rerun}\` again.`,
    );
  }
  if (summary.outcome === 'failed') {
    if (failures.length > 0 || counts.failed + counts.skipped > 0) {
      next.push(
        `Failed operations stay in escrow and are retried by every cycle (\`${command} status --job ${job}\` lists them); fix what their errors name — the app's data, the mapping, or the source object — then run \`${rerun}\`.`,
      );
    } else {
      next.push(`Fix the cause in the reason above, then run \`${rerun}\` again.`);
    }
  }
  if (counts.parked > 0) {
    next.push(`${counts.parked} object(s) are parked after failing too often: they are retried when they change at the source; \`${command} status --job ${job}\` lists them.`);
  }
  if (summary.outcome === 'quarantined') next.push(`The job's target is quarantined after failing wholesale; \`${rerun}\` tries now.`);
  const listed = failures.length;
  return {
    job,
    ...(summary.runId === undefined ? {} : { runId: summary.runId }),
    outcome: summary.outcome,
    durationMs: summary.durationMs,
    ...(summary.message ? { message: summary.message } : {}),
    counts,
    failures,
    failuresNotListed: Math.max(0, counts.failed + counts.skipped - listed),
    ...(guard ? { held: { ...guard, release } } : {}),
    next,
  };
}

/** The summary as the last JSON line on stdout: shaped like a log record, so a log store files it with the rest. */
export function syncSummaryRecord(summary: SyncNowSummary, now: Date = new Date()): string {
  const level = summary.exitCode === EXIT.ok ? 'info' : summary.exitCode === EXIT.held ? 'warn' : 'error';
  return JSON.stringify({
    level,
    time: now.toISOString(),
    service: 'provisiond',
    msg: `sync-now summary: ${summary.exitMeaning}`,
    exitCode: summary.exitCode,
    exitMeaning: summary.exitMeaning,
    jobs: summary.jobs,
  });
}

const OUTCOME_COLORS: Record<string, string> = { success: '32', failed: '31', quarantined: '31', guarded: '33', partial: '33' };

export interface SummaryFormat {
  /** Failures and held objects listed per job; the rest is counted. */
  readonly listLimit?: number;
  /** ANSI colour for the outcomes (a terminal that is not NO_COLOR). */
  readonly color?: boolean;
}

/** The summary as a block of text for a terminal. */
export function formatSyncSummary(summary: SyncNowSummary, format: SummaryFormat = {}): string {
  const listLimit = format.listLimit ?? 20;
  const paint = (code: string | undefined, text: string) => (format.color && code ? `\u001b[${code}m${text}\u001b[0m` : text);
  const lines: string[] = ['', paint('1', 'Summary')];
  for (const job of summary.jobs) {
    const c = job.counts;
    lines.push('', `  job ${job.job}: ${paint(OUTCOME_COLORS[job.outcome], job.outcome.toUpperCase())} in ${formatDuration(job.durationMs)}${job.runId === undefined ? '' : ` (run #${job.runId})`}`);
    const changes = [
      `created ${c.created}`,
      `updated ${c.updated}`,
      ...(c.enabled > 0 ? [`enabled ${c.enabled}`] : []),
      `disabled ${c.disabled}`,
      `deleted ${c.deleted}`,
      `memberships +${c.membersAdded} −${c.membersRemoved}`,
      `failed ${c.failed}`,
      ...(c.skipped > 0 ? [`skipped ${c.skipped}`] : []),
      ...(c.parked > 0 ? [`parked ${c.parked}`] : []),
    ];
    lines.push(`    read ${c.read} · ${changes.join(', ')}`);
    if (job.message) lines.push(`    reason: ${job.message}`);
    if (job.failures.length > 0) {
      lines.push('    failures:');
      for (const f of job.failures.slice(0, listLimit)) {
        lines.push(`      ✗ ${f.operation} ${f.label} (${f.sourceId}): ${f.status === undefined ? '' : `HTTP ${f.status}: `}${f.error}`);
      }
      const more = job.failures.length - Math.min(listLimit, job.failures.length) + job.failuresNotListed;
      if (more > 0) lines.push(`      … and ${more} more`);
    }
    if (job.held) {
      lines.push(`    held by the safety guard: ${job.held.count} disable(s)/delete(s)${job.held.verdict === 'partial' ? ' (incomplete read)' : ''}`);
      for (const o of job.held.objects.slice(0, listLimit)) lines.push(`      ${o.kind} ${o.label} (${o.sourceId})`);
      const more = job.held.count - Math.min(listLimit, job.held.objects.length);
      if (more > 0) lines.push(`      … and ${more} more`);
      if (job.held.release) lines.push(`    release them once: ${job.held.release}`);
    }
    for (const step of job.next) lines.push(`    next: ${step}`);
  }
  lines.push('', paint(summary.exitCode === EXIT.ok ? '32' : summary.exitCode === EXIT.held ? '33' : '31', `exit code ${summary.exitCode}: ${summary.exitMeaning}`));
  return `${lines.join('\n')}\n`;
}
